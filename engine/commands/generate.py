"""`westaudit generate --scale N --seed S --out DIR`: a national-scale package with planted violations."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from westaudit.commands.common import EXIT_OK
from westaudit.core.errors import UsageError


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser(
        "generate", help="write a realistic national package with planted violations (benchmarks, tests)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1 = one national year (about 80,000 volunteers, 2,100 counties); 0.01 for quick runs")
    parser.add_argument("--seed", type=int, default=2025, help="same seed, same files byte for byte")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--violations", type=float, default=0.02,
                        help="share of the offices playing a rule's role made to break it (at least one per rule)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--county-package", metavar="OFFICE_ID",
                        help="write only this county's own package (or 'largest': the county with most volunteers)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.generate import GenerateOptions, generate_package
    from westaudit.generate.registry import rules_not_planted
    from westaudit.runtime.progress import Progress
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    if args.scale <= 0 or not 0 <= args.violations <= 1:
        raise UsageError("--scale must be above 0 and --violations between 0 and 1")
    ruleset = load_ruleset(args.rules or RULES_DIR)
    started = time.perf_counter()
    generated = generate_package(GenerateOptions(args.scale, args.seed, args.violations, args.year), args.out,
                                 ruleset.contract, ruleset.parameters, args.county_package, Progress())
    for table, rows in generated.rows.items():
        print(f"  {table:<24} {rows:>10,} rows")
    print(f"生成 generated {generated.folder} (office {generated.office_id}) in {time.perf_counter() - started:.1f}s; "
          f"planted {generated.planted} violations (planted.yaml, planted.tsv)")
    unplanted = rules_not_planted(rule.id for rule in ruleset.rules)
    if unplanted:
        print(f"未植入 not planted ({len(unplanted)} rules have no planter): {', '.join(unplanted)}")
    return EXIT_OK

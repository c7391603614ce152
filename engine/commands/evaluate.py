"""`westaudit evaluate PACKAGE --out DIR`: the national annual evaluation report (national article 16). It reads
the audit store, never writes it: last year's standings for "last place two years running"."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.audit import add_report_options
from westaudit.commands.common import (
    EXIT_OK,
    add_judgement_options,
    add_store_option,
    add_validator_option,
    load_policies_for,
    load_rules_and_package,
)
from westaudit.commands.staging import publish, staged


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("evaluate", help="national annual evaluation report: figures by province, charts")
    parser.add_argument("package", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    add_report_options(parser)
    add_judgement_options(parser, fail_on=False)
    add_store_option(parser)
    add_validator_option(parser, default="pandas")  # as audit's
    parser.add_argument("--no-store", action="store_true",
                        help="do not read the audit store (last place two years running is then not compared)")
    parser.set_defaults(handler=run)


def _compared_with_last_year(report, package, ruleset, args: argparse.Namespace):
    """The ranking results compared with last year's standings in the audit store, as `audit` does, so the
    evaluation can say who was last two years running. Read only: the evaluation records no run. No store at
    the default place (nothing audited yet) is no error; the page then says it did not compare."""
    from westaudit.history.recording import open_store
    from westaudit.history.repeat_last_place import current_standings, flag_repeat_last_place
    from westaudit.history.store import default_location

    if args.no_store or (args.store is None and not Path(default_location()).expanduser().exists()
                         and "://" not in default_location()):
        return report
    store = open_store(args, create=False)
    return flag_repeat_last_place(report, current_standings(report, package, ruleset), store)


def run(args: argparse.Namespace) -> int:
    from westaudit.evaluate.audit import run_audit
    from westaudit.reports.chromium import print_to_pdf
    from westaudit.reports.site import write_evaluation_only

    ruleset, package = load_rules_and_package(args.package, args.rules, validator=args.validator)
    report = run_audit(package, ruleset, policies=load_policies_for(args, ruleset), as_of=args.as_of)
    report = _compared_with_last_year(report, package, ruleset, args)
    with staged(args.out) as folder:  # moved into place whole, so a failed run leaves nothing half-written
        page = write_evaluation_only(report, ruleset.articles, package.tables, folder, args.lang)
        if args.pdf:
            print_to_pdf(page, page.with_suffix(".pdf"))
        out = publish(folder, args.out)
    print(f"评估报告 evaluation: {out / page.name}")
    print(f"Markdown:            {out / page.with_suffix('.md').name}")
    if args.pdf:
        print(f"PDF:                 {out / page.with_suffix('.pdf').name}")
    return EXIT_OK

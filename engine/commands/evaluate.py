"""`westaudit evaluate PACKAGE --out DIR`: the national annual evaluation report (national article 16)."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.audit import add_report_options
from westaudit.commands.common import (
    EXIT_OK,
    add_judgement_options,
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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.evaluate.audit import run_audit
    from westaudit.reports.chromium import print_to_pdf
    from westaudit.reports.site import write_evaluation_only

    ruleset, package = load_rules_and_package(args.package, args.rules)
    report = run_audit(package, ruleset, policies=load_policies_for(args, ruleset), as_of=args.as_of)
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

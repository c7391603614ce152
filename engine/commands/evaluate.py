"""`westaudit evaluate PACKAGE --out DIR`: the national annual evaluation report (national article 16)."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.audit import add_report_options
from westaudit.commands.common import EXIT_OK, load_rules_and_package


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("evaluate", help="national annual evaluation report: figures by province, charts")
    parser.add_argument("package", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    add_report_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.evaluate.audit import run_audit
    from westaudit.reports.chromium import print_to_pdf
    from westaudit.reports.site import write_evaluation_only

    ruleset, package = load_rules_and_package(args.package, args.rules)
    report = run_audit(package, ruleset)
    page = write_evaluation_only(report, ruleset.articles, package.tables, args.out, args.lang)
    print(f"评估报告 evaluation: {page.resolve()}")
    print(f"Markdown:            {page.with_suffix('.md').resolve()}")
    if args.pdf:
        print(f"PDF:                 {print_to_pdf(page, page.with_suffix('.pdf')).resolve()}")
    return EXIT_OK

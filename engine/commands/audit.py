"""`westaudit audit PACKAGE --out DIR`: every office in the package, report.json and an HTML report."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.common import EXIT_FAILED, EXIT_OK, load_rules_and_package


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("audit", help="audit a package: report.json and an HTML report")
    parser.add_argument("package", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.audit import run_audit
    from westaudit.report_json import write_report_json
    from westaudit.reports.overview import write_overview

    ruleset, package = load_rules_and_package(args.package, args.rules)
    report = run_audit(package, ruleset)
    args.out.mkdir(parents=True, exist_ok=True)
    write_report_json(report, args.out / "report.json")
    write_overview(report, args.out / "index.html")
    failed = sum(r.status.value == "fail" for r in report.results)
    print(f"审计完成 audited {len(report.results)} results, {failed} failed; rejected rows: {len(report.rejected)}")
    print(f"报告 report: {(args.out / 'index.html').resolve()}")
    print(f"数据 data:   {(args.out / 'report.json').resolve()}")
    return EXIT_FAILED if report.failed else EXIT_OK

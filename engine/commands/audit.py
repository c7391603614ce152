"""`westaudit audit PACKAGE --out DIR`: every office in the package; report.json, the HTML/Markdown reports,
the national evaluation, findings.xlsx and junit.xml (see docs/reports.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.common import EXIT_FAILED, EXIT_OK, add_encoding_option, load_rules_and_package
from westaudit.recording import add_recording_options, start_recording


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default Chinese)")
    parser.add_argument("--pdf", action="store_true", help="also print the main page to PDF with Chromium")


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("audit", help="audit a package: report.json, HTML reports, XLSX, JUnit")
    parser.add_argument("package", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    add_report_options(parser)
    add_recording_options(parser)
    add_encoding_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.audit import run_audit
    from westaudit.report_json import write_report_json
    from westaudit.reports.chromium import print_to_pdf
    from westaudit.reports.site import FINDINGS_XLSX, JUNIT_XML, REPORT_JSON, write_site

    ruleset, package = load_rules_and_package(args.package, args.rules, args.encoding)
    recording = start_recording(args, package, ruleset, "audit")
    report = recording.finish(run_audit(package, ruleset))
    args.out.mkdir(parents=True, exist_ok=True)
    write_report_json(report, args.out / REPORT_JSON)
    index = write_site(report, ruleset.articles, package.tables, args.out, args.lang, recording.index_context)
    failed = sum(r.status.value == "fail" for r in report.results)
    print(f"审计完成 audited {len(report.results)} results, {failed} failed; rejected rows: {len(report.rejected)}")
    print(f"报告 report: {index.resolve()}")
    print(f"评估 evaluation: {(args.out / 'evaluation.html').resolve()}")
    for name in (REPORT_JSON, FINDINGS_XLSX, JUNIT_XML):
        print(f"数据 data:   {(args.out / name).resolve()}")
    if args.pdf:
        print(f"PDF:         {print_to_pdf(index, index.with_suffix('.pdf')).resolve()}")
    return EXIT_FAILED if report.failed else EXIT_OK

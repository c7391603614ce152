"""`westaudit audit PACKAGE --out DIR`: every office in the package; report.json, the HTML/Markdown reports,
the national evaluation, findings.xlsx and junit.xml (see docs/reports.md).

`westaudit audit PACKAGE PACKAGE... | FOLDER_OF_PACKAGES [--office ID]`: the packages merged and audited as one
submission of their supervising office (engine/evaluate/consolidate.py, docs/submission-package.md)."""

from __future__ import annotations

import argparse
import dataclasses
from functools import partial
from pathlib import Path

from westaudit.commands.common import (
    add_encoding_option,
    add_judgement_options,
    add_recording_options,
    add_validator_option,
    exit_code,
    load_policies_for,
    print_notices,
)
from westaudit.commands.staging import publish, staged


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default Chinese)")
    parser.add_argument("--pdf", action="store_true", help="also print the main page to PDF with Chromium")


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("audit", help="audit a package: report.json, HTML reports, XLSX, JUnit")
    parser.add_argument("package", type=Path, nargs="+",
                        help="a package (folder or .zip), or several, or a folder of packages (audited as one "
                             "submission)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rectification", type=Path, action="append", default=[], metavar="FINDINGS_XLSX",
                        help="a rectification list sent back (findings.xlsx with 整改责任人/整改期限/整改状态/说明 filled "
                             "in): its state is shown beside each finding and carried into the new findings.xlsx")
    parser.add_argument("--pages", choices=("findings", "all", "none"), default="findings",
                        help="office pages: for offices with something to act on and the offices above them "
                             "(default), for every office, or none; the index and report.json always hold every "
                             "office")
    parser.add_argument("--office", dest="supervising_office", default=None,
                        help="consolidation: the supervising office (default: the lowest office above all packages)")
    add_report_options(parser)
    add_recording_options(parser)
    add_judgement_options(parser)
    add_encoding_option(parser)
    # pandas: a national audit in under 30 s (Great Expectations' import and validation cost 8 s of it at N=1);
    # the same rejected rows, tested (docs/validation.md "Two runners")
    add_validator_option(parser, default="pandas")
    parser.set_defaults(handler=run)


def _write_report_json(path: Path, report) -> None:
    from westaudit.reports.report_json import write_report_json

    path.parent.mkdir(parents=True, exist_ok=True)
    write_report_json(report, path)


def read_rectifications(paths: list[Path]) -> dict:
    from westaudit.intake.rectification import read_rectification

    entries: dict = {}
    for path in paths:  # a later list says the latest about a finding
        entries.update(read_rectification(path))
    return entries


def run(args: argparse.Namespace) -> int:
    from westaudit.intake.archive import unpacked_packages

    # a submission package built by the workspace is a .zip: read as it is, unpacked into a temporary folder
    with unpacked_packages(args.package) as packages:
        return _audit(args, packages)


def _audit(args: argparse.Namespace, packages: list[Path]) -> int:
    from westaudit.evaluate.audit import run_audit
    from westaudit.evaluate.consolidate import consolidate, is_package
    from westaudit.history.recording import start_recording
    from westaudit.intake.package import load_package
    from westaudit.reports.chromium import print_to_pdf
    from westaudit.reports.site import FINDINGS_XLSX, JUNIT_XML, REPORT_JSON, write_site
    from westaudit.reports.terminal import consolidation_lines, severity_line
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    ruleset = load_ruleset(args.rules or RULES_DIR)
    rectification = read_rectifications(args.rectification)  # before anything is audited: a bad list stops it
    policies = load_policies_for(args, ruleset)
    judging = {"policies": policies, "as_of": args.as_of}
    with staged(args.out) as folder:
        # report.json is written (and the run stored) by a forked worker while the site is written
        write_json = partial(_write_report_json, folder / REPORT_JSON)
        if len(packages) == 1 and is_package(packages[0]) and args.supervising_office is None:
            package = load_package(packages[0], ruleset.contract, args.encoding, args.validator)
            recording = start_recording(args, package, ruleset, "audit")
            report = recording.finish(run_audit(package, ruleset, **judging), wait=False, beside=write_json)
        else:
            merged = consolidate(packages, ruleset, args.supervising_office, args.encoding, args.validator)
            for folder_skipped in merged.skipped:
                print(f"跳过 skipped {folder_skipped}: 没有清单，不是数据包 no manifest, not a package")
            package = merged.package
            recording = start_recording(args, package, ruleset, "audit")
            report = recording.finish(dataclasses.replace(
                run_audit(package, ruleset, coverage=merged.coverage, **judging), consolidation=merged.summary), wait=False,
                                      beside=write_json)
            print("\n".join(consolidation_lines(merged.summary, report.offices)))
        with recording:  # a writer that raises stops the worker storing the run, which stays incomplete
            index = write_site(report, ruleset.articles, package.tables, folder, args.lang, recording.index_context,
                               rectification, pages=args.pages)
            if args.pdf:
                print_to_pdf(index, index.with_suffix(".pdf"))
            recording.written()
            out = publish(folder, args.out)
            recording.saved()  # complete only now, every output in place
    print_notices(package)
    print(f"审计完成 audited {len(report.results)} results; {severity_line(report.results)}; "
          f"rejected rows: {len(report.rejected)}")
    print(f"报告 report: {out / 'index.html'}")
    print(f"评估 evaluation: {out / 'evaluation.html'}")
    for name in (REPORT_JSON, FINDINGS_XLSX, JUNIT_XML):
        print(f"数据 data:   {out / name}")
    if args.pdf:
        print(f"PDF:         {out / 'index.pdf'}")
    return exit_code(report, args)

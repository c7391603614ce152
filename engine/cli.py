"""The westaudit command line. Exit codes: 0 nothing failed, 1 a rule failed, 2 bad usage or input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from westaudit.errors import WestauditError

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _load(package_dir: Path, rules_dir: Path | None):
    from westaudit.package import load_package
    from westaudit.ruleset import RULES_DIR, load_ruleset

    ruleset = load_ruleset(rules_dir or RULES_DIR)
    return ruleset, load_package(package_dir, ruleset.contract)


def cmd_audit(args: argparse.Namespace) -> int:
    from westaudit.audit import run_audit
    from westaudit.report_json import write_report_json
    from westaudit.reports.overview import write_overview

    ruleset, package = _load(args.package, args.rules)
    report = run_audit(package, ruleset)
    args.out.mkdir(parents=True, exist_ok=True)
    write_report_json(report, args.out / "report.json")
    write_overview(report, args.out / "index.html")
    failed = sum(r.status.value == "fail" for r in report.results)
    print(f"审计完成 audited {len(report.results)} results, {failed} failed; "
          f"rejected rows: {len(report.rejected)}")
    print(f"报告 report: {(args.out / 'index.html').resolve()}")
    print(f"数据 data:   {(args.out / 'report.json').resolve()}")
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from westaudit.audit import run_audit
    from westaudit.terminal import summary_lines

    ruleset, package = _load(args.package, args.rules)
    report = run_audit(package, ruleset, only_office=args.office)
    print("\n".join(summary_lines(report)))
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from westaudit import rulecli

    return rulecli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="westaudit", description="西部计划各级项目办职责审计 West Plan duty audit")
    parser.add_argument("--rules", type=Path, default=None, help="rules folder (default: the project's rules/)")
    commands = parser.add_subparsers(dest="command", required=True)

    audit = commands.add_parser("audit", help="audit a package: report.json and an HTML report")
    audit.add_argument("package", type=Path)
    audit.add_argument("--out", type=Path, required=True)
    audit.set_defaults(handler=cmd_audit)

    check = commands.add_parser("check", help="self-check: one office's own duties, summary on the terminal")
    check.add_argument("package", type=Path)
    check.add_argument("--office", required=True)
    check.set_defaults(handler=cmd_check)

    rules = commands.add_parser("rules", help="list, show, lint or test the rule set")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    rule_commands.add_parser("list", help="every rule, by office and article")
    show = rule_commands.add_parser("show", help="one rule in full")
    show.add_argument("rule_id")
    rule_commands.add_parser("lint", help="validate every rule, parameter and data contract")
    test = rule_commands.add_parser("test", help="run every rule's YAML test cases")
    test.add_argument("rule_ids", nargs="*")
    rules.set_defaults(handler=cmd_rules)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except WestauditError as exc:
        print(f"westaudit: 错误 error:\n{exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

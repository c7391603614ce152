"""What several commands share: loading the rule set and a package, exit codes, options.

Every command module imports its heavy modules (pandas, Great Expectations, SQLAlchemy...) inside its run
function, so building the parser (`westaudit --help`, `westaudit X --help`) costs no more than argparse.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
# 128 + SIGPIPE: what a shell reports for a command whose reader closed the pipe
EXIT_READER_GONE = 141


def add_encoding_option(parser) -> None:
    parser.add_argument("--encoding", default=None,
                        help="CSV encoding (gb18030, utf-8), over the manifest's and detection")


def add_validator_option(parser, default: str) -> None:
    """--validator: which runner checks the data contract (docs/validation.md "Two runners")."""
    from westaudit.intake.contract import VALIDATORS

    parser.add_argument("--validator", choices=VALIDATORS, default=default,
                        help=f"the data contract's runner (default: {default}): great-expectations, the "
                             "validator of record, or pandas, the same rules and rows in a fraction of the time")


def add_store_option(parser) -> None:
    parser.add_argument("--store", default=None, metavar="PATH|URL",
                        help="audit store: SQLite file or database URL (default: $WESTAUDIT_STORE, "
                             "else ~/.westaudit/audits.sqlite)")


def add_recording_options(parser) -> None:
    add_store_option(parser)
    parser.add_argument("--no-store", action="store_true", help="do not record this run (no history, no diff)")
    parser.add_argument("--waivers", type=Path, default=None, metavar="FILE",
                        help="approved exceptions (default: $WESTAUDIT_WAIVERS, else ~/.westaudit/waivers.yaml "
                             "if it exists)")


def print_notices(package) -> None:
    """The package's data-quality warnings (they reject nothing), after what the command found."""
    for notice in package.notices:
        print(f"数据质量 data quality: {notice}")


def _date(text: str):
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_judgement_options(parser, fail_on: bool = True) -> None:
    """--policy, --as-of (audit, check, evaluate) and --fail-on (audit, check): docs/rules.md."""
    parser.add_argument("--policy", type=Path, action="append", default=None, metavar="FILE",
                        help="a policy overlay adopted by an office (repeatable; default: $WESTAUDIT_POLICIES, "
                             "else ~/.westaudit/policies/*.yaml beside the store)")
    parser.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="rules and parameter values in force on this date (default: 31 December of the "
                             "audit year); waivers judged at it")
    if fail_on:
        parser.add_argument("--fail-on", choices=("fatal", "warning"), default="fatal",
                            help="exit 1 on a fatal finding (default), or on a warning too")


def load_policies_for(args, ruleset):
    from westaudit.spec.policies import load_policies, policy_files

    return load_policies(policy_files(args.policy), ruleset.parameters, {rule.id for rule in ruleset.rules})


def exit_code(report, args) -> int:
    return EXIT_FAILED if report.fails_on(getattr(args, "fail_on", "fatal")) else EXIT_OK


def load_rules_and_package(package_dir: Path, rules_dir: Path | None, encoding: str | None = None,
                           validator: str | None = None):
    from westaudit.intake.contract import GREAT_EXPECTATIONS
    from westaudit.intake.package import load_package
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    ruleset = load_ruleset(rules_dir or RULES_DIR)
    return ruleset, load_package(package_dir, ruleset.contract, encoding, validator or GREAT_EXPECTATIONS)

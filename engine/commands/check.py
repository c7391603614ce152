"""`westaudit check PACKAGE --office ID`: an office's self-check of its subtree (its own duties and those of every
office below it in the package: a county and its service units), on the terminal, with the receipt."""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.common import (
    add_encoding_option,
    add_judgement_options,
    add_recording_options,
    add_validator_option,
    exit_code,
    load_policies_for,
    load_rules_and_package,
    print_notices,
)
from westaudit.core.submission import RECEIPT_NAME


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("check", help="self-check: an office and the offices below it, summary on the "
                                                  "terminal")
    parser.add_argument("package", type=Path)
    parser.add_argument("--office", required=True,
                        help="the office self-checked; every office below it in the package is judged with it")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="terminal summary language (default Chinese, with English beside)")
    parser.add_argument("--no-receipt", action="store_true",
                        help=f"do not write the self-check receipt ({RECEIPT_NAME}) into the package folder")
    add_recording_options(parser)
    add_judgement_options(parser)
    add_encoding_option(parser)
    # the self-check answers an office in seconds; the supervisors' consolidated audit keeps Great Expectations
    add_validator_option(parser, default="pandas")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.evaluate.audit import run_audit
    from westaudit.evaluate.receipts import write_receipt
    from westaudit.history.recording import start_recording
    from westaudit.reports.terminal import summary_lines

    ruleset, package = load_rules_and_package(args.package, args.rules, args.encoding, args.validator)
    policies = load_policies_for(args, ruleset)
    recording = start_recording(args, package, ruleset, "check")
    report = recording.finish(run_audit(package, ruleset, subtree_of=args.office, policies=policies,
                                        as_of=args.as_of), wait=False)
    with recording:  # a receipt that cannot be written stops the worker storing the run
        print("\n".join(summary_lines(report, args.office, args.lang)))
        print_notices(package)
        if not args.no_receipt:
            written = write_receipt(package, report, args.office).resolve()
            print(f"self-check receipt: {written}" if args.lang == "en" else f"自查回执：{written}")
        recording.saved()
    return exit_code(report, args)

"""The westaudit command line. Exit codes: 0 nothing failed, 1 a rule failed, 2 bad usage or input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from westaudit.commands import audit, check, diff, evaluate, generate, history, rules, template, validate
from westaudit.commands.common import EXIT_ERROR
from westaudit.core.errors import WestauditError
from westaudit.runtime import progress

# the one list of subcommands; each module adds its own parser
COMMANDS = (audit, check, validate, template, rules, history, diff, evaluate, generate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="westaudit", description="西部计划各级项目办职责审计 West Plan duty audit")
    parser.add_argument("--rules", type=Path, default=None, help="rules folder (default: the project's rules/)")
    subcommands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with progress.showing(progress.Progress()):
            return args.handler(args)
    except WestauditError as exc:
        print(f"westaudit: 错误 error:\n{exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

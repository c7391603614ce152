"""The westaudit command line. Exit codes: 0 nothing failed, 1 a rule failed, 2 bad usage or input."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from westaudit.commands import (
    accounts,
    audit,
    check,
    diff,
    evaluate,
    generate,
    history,
    rules,
    serve,
    template,
    validate,
    waivers,
)
from westaudit.commands.common import EXIT_ERROR, EXIT_READER_GONE
from westaudit.core.errors import WestauditError, environment_error
from westaudit.core.personal_numbers import MaskingStream
from westaudit.runtime import progress

# the one list of subcommands; each module adds its own parser
COMMANDS = (audit, check, validate, template, rules, history, diff, evaluate, generate, serve, accounts, waivers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="westaudit", description="西部计划各级项目办职责审计 West Plan duty audit")
    parser.add_argument("--rules", type=Path, default=None, help="rules folder (default: the project's rules/)")
    subcommands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with _masked_terminal():
        try:
            with progress.showing(progress.Progress()):
                code = args.handler(args)
            sys.stdout.flush()  # here, where a reader gone away is caught, rather than at exit
            return code
        except WestauditError as exc:
            print(f"westaudit: 错误 error:\n{exc}", file=sys.stderr)
            return EXIT_ERROR
        except BrokenPipeError:
            return _reader_went_away()
        except OSError as exc:  # the environment failed: full or read-only disk, a path through a file...
            print(f"westaudit: 错误 error:\n{environment_error(exc)}", file=sys.stderr)
            return EXIT_ERROR


@contextmanager
def _masked_terminal() -> Iterator[None]:
    """Everything printed, error messages included, passes through the content masking of personal numbers."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskingStream(sys.stdout), MaskingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _reader_went_away() -> int:
    """The reader of our output left (`westaudit diff A B | head`): stop quietly, as a Unix tool does.

    stdout is pointed at the null device so that flushing it at exit cannot raise a second time; the status is
    the shell's for a command ended by SIGPIPE.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_READER_GONE


def run() -> None:
    """The `westaudit` command: main(), then an exit without the interpreter's teardown. A national audit leaves
    more than a gigabyte of objects behind; freeing them one by one at exit took 3-4 s, for memory the system takes
    back at once. What is registered to run at exit still runs (atexit handlers, logging's flush, the finalizers of
    temporary folders), and the output streams are flushed."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a reader gone away, a stream already closed: nothing left to tell it
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()

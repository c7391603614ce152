"""`westaudit validate PACKAGE`: reading and the data contract alone, the fastest self-check of a package.

Exit 0 when every row was accepted, 1 when rows were rejected, 2 when the package cannot be used.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.common import EXIT_FAILED, EXIT_OK, add_encoding_option, add_validator_option


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("validate", help="check a package against the data contract only")
    parser.add_argument("package", type=Path)
    add_encoding_option(parser)
    add_validator_option(parser, default="great-expectations")
    parser.set_defaults(handler=run)


def _partial(rows: int) -> str:
    return f"（接受行中 {rows} 行有拒收单元格 of the accepted, {rows} with a rejected cell）" if rows else ""


def report_lines(package) -> list[str]:
    lines = ["数据核对 rows read = accepted + rejected"]
    for account in package.accounts:
        lines.append(f"  {account.table:<20} {', '.join(account.source_files)}: 读取 {account.rows_read} = "
                     f"接受 {account.rows_accepted} + 拒收 {account.rows_rejected}" + _partial(account.rows_partial))
    if package.rejected:
        lines.append(f"\n拒收 rejected ({len(package.rejected)} 处 findings)")
    for row in package.rejected:  # personal numbers were masked when the finding was made
        kept = "（仅此格，该行保留 cell only, row kept）" if row.row_kept else ""
        lines.append(f"  {row.source_file}:{row.source_row} 列 column {row.column} 值 value {row.value!r}："
                     f"应为 expected {row.expected}{kept}")
    for notice in package.notices:
        lines.append(f"  数据质量 data quality: {notice}")
    for source, column in package.unknown_columns:
        lines.append(f"  提示 note: {source}: 列 {column!r} 不属于数据规范，已忽略 is not in the contract, ignored")
    return lines


def run(args: argparse.Namespace) -> int:
    from westaudit.intake.package import load_package
    from westaudit.spec.tables import load_contract

    package = load_package(args.package, load_contract(), args.encoding, args.validator)
    print("\n".join(report_lines(package)))
    return EXIT_FAILED if package.rejected else EXIT_OK

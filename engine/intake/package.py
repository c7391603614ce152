"""A submission package: a folder of one file per table (CSV or XLSX) or one workbook, plus a manifest."""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from westaudit.core.errors import InputError
from westaudit.core.results import RejectedRow, TableAccount
from westaudit.intake import filereader, table_typing
from westaudit.intake.coerce import TypedTable
from westaudit.intake.contract import GREAT_EXPECTATIONS
from westaudit.intake.masking import mostly_id_numbers
from westaudit.intake.package_files import DATA_SUFFIXES, guarded_manifest, package_entries
from westaudit.intake.table_typing import typing_order, typing_turns
from westaudit.intake.typed_ahead import TypedAhead
from westaudit.runtime import progress
from westaudit.spec.manifest import Manifest, find_manifest, load_manifest
from westaudit.spec.tables import TableSpec

__all__ = ["DATA_SUFFIXES", "Package", "load_package"]


@dataclass(frozen=True)
class Package:
    path: Path
    manifest: Manifest
    tables: dict[str, pd.DataFrame]
    rejected: tuple[RejectedRow, ...]
    accounts: tuple[TableAccount, ...]
    unknown_columns: tuple[tuple[str, str], ...]
    # columns each table was submitted with: a rule reading an optional column left out has no data
    submitted_columns: dict[str, frozenset[str]]
    # data-quality warnings that reject nothing (a key column holding ID numbers), one line each, zh then en
    notices: tuple[str, ...] = ()


def _raw_tables(folder: Path, manifest: Manifest, contract: dict[str, TableSpec], encoding: str | None,
                ahead_of: Callable[[list[tuple[Path, str]]], TypedAhead],
                runner: _RunnerImport | None = None
                ) -> tuple[dict[str, filereader.RawTable | None], dict[str, str], TypedAhead]:
    """Every table the package holds, found by manifest entry, by table name or by its Chinese title, with the
    file (or sheet) each came from, and the child `ahead_of` started on one of the CSV files (that table is None
    here); the contract's runner imported meanwhile."""
    by_stem = {stem.lower(): spec.name for spec in contract.values() for stem in spec.file_stems()}
    for table in manifest.files:
        if table not in contract:
            raise InputError(str(folder / "manifest.yaml"), f"files: unknown table {table!r}; known: "
                             + ", ".join(sorted(contract)),
                             message_zh=f"清单 files: 中的 {table} 不是数据表的名字：请写以下之一："
                                        + "、".join(sorted(contract)))
    entries = package_entries(folder, manifest.files)
    found: dict[str, filereader.RawTable | None] = {}
    sources: dict[str, str] = {}

    def keep(table: str, raw: filereader.RawTable | None, source: str) -> None:
        if table in found:
            raise InputError(source, f"table {table!r} is given twice (also {sources[table]})",
                             message_zh=f"「{contract[table].title_zh}」表给了两次（另见 {sources[table]}）：请只保留一份")
        found[table], sources[table] = raw, source

    tables_of = [(entry.path, entry.table or by_stem.get(entry.path.stem.lower())) for entry in entries]
    ahead = ahead_of([(path, table) for path, table in tables_of if path.suffix.lower() == ".csv" and table])
    read_csv = _CsvReader([path for path, _ in tables_of if path.suffix.lower() == ".csv"], encoding, ahead)
    runner = runner or _RunnerImport(None)
    try:
        runner.start()  # after the fork of the child ahead: no thread may run at a fork
        read_csv.read_own()
        for path, table in tables_of:
            _read_file(path, table, by_stem, contract, read_csv, keep)
    except BaseException:
        ahead.close()  # reading stopped by an error: the child stops with it
        raise
    finally:
        runner.join()
    return found, sources, ahead


def _read_file(path: Path, table: str | None, by_stem: dict[str, str], contract: dict[str, TableSpec],
               read_csv: _CsvReader, keep: Callable[[str, filereader.RawTable | None, str], None]) -> None:
    """Read one data file of the package, keeping its table (a workbook's, its sheets' tables)."""
    if path.suffix.lower() == ".csv":
        if table is None:
            raise InputError(str(path), "matches no table; name it after a table (" + ", ".join(sorted(contract))
                             + ") or list it under files: in the manifest",
                             message_zh="文件名对不上任何数据表：请按表名命名文件（如 "
                                        + "、".join(f"{spec.title_zh}.csv" for spec in list(contract.values())[:3])
                                        + " 等），或在清单的 files: 中写明它是哪张表")
        raw = read_csv(path)
        keep(table, None if raw is None else _not_empty(raw), path.name)
        return
    sheets = {sheet: raw for sheet, raw in filereader.read_xlsx_sheets(path).items() if raw.headers}
    if not sheets:
        raise InputError(path.name, "empty workbook: no sheet has a header row",
                         message_zh="工作簿是空的，没有一张工作表有表头行：请用模板填写后再报送")
    for sheet, raw in sheets.items():  # blank sheets (Sheet2, Sheet3 of a new workbook) hold no table
        sheet_table = table if table else by_stem.get(sheet.strip().lower())
        if sheet_table is None:
            raise InputError(raw.source, "sheet matches no table; name it after a table ("
                             + ", ".join(sorted(contract)) + ")",
                             message_zh="工作表名对不上任何数据表：请按模板的表名命名工作表（如 "
                                        + "、".join(spec.title_zh for spec in list(contract.values())[:3])
                                        + " 等），不用的工作表请删除")
        keep(sheet_table, raw, raw.source)


class _CsvReader:
    """read_csv_table(path) for a package's CSV files, in their turn. While a child reads one of them ahead, this
    process first reads all the others, keeping each one's error for its turn, so a package with errors raises
    the error reading in order would. The child's file is None in its turn (the child has it), unless the child
    could not read it: then it is read here, raising its error in its turn."""

    def __init__(self, paths: list[Path], encoding: str | None, ahead: TypedAhead):
        self.encoding, self._paths, self._ahead = encoding, paths, ahead
        self._own: dict[Path, filereader.RawTable | Exception] = {}

    def read_own(self) -> None:
        """The files this process reads, read now (nothing when no child was started)."""
        if not self._ahead.started:
            return
        first = self._ahead.needed_files  # typed at once, so the child has their key sets while this reads on
        for path in first:
            self._read_own(path)
        self._ahead.type_early(self._own)
        for path in self._paths:
            if path != self._ahead.path and path not in first:
                self._read_own(path)

    def _read_own(self, path: Path) -> None:
        try:
            self._own[path] = filereader.read_csv_table(path, self.encoding)
        except Exception as error:  # noqa: BLE001  (raised in its turn)
            self._own[path] = error

    def __call__(self, path: Path) -> filereader.RawTable | None:
        if path in self._own:
            outcome = self._own.pop(path)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        if path == self._ahead.path and self._ahead.read_there():
            return None
        return filereader.read_csv_table(path, self.encoding)


def _not_empty(raw: filereader.RawTable) -> filereader.RawTable:
    if not raw.headers:
        raise InputError(raw.source, "empty file: no header row (a table with no rows still needs its header)",
                         message_zh="文件是空的，没有表头行：本年度没有记录的表也要保留表头")
    return raw


class _RunnerImport:
    """Great Expectations imported in a thread while the files are read (3 s of CPU, and more waiting on its
    thousand files, much of it beside the CSV parser, which releases the GIL), joined before the tables are
    typed. Nothing for the pandas runner, or when it is imported already. (A child reading and typing a table
    ahead is forked before the thread starts, and imports the runner itself.)"""

    def __init__(self, validator: str | None):
        self._thread = None
        if validator == GREAT_EXPECTATIONS and _RUNNER_MODULE not in sys.modules:
            self._thread = threading.Thread(target=_import_quietly, name="import-great-expectations", daemon=True)

    def start(self) -> None:
        if self._thread is not None:
            self._thread.start()

    def join(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()


_RUNNER_MODULE = "westaudit.intake.validation"


def _import_quietly() -> None:
    try:
        importlib.import_module(_RUNNER_MODULE)
    except Exception:  # noqa: BLE001  (imported again where it is used, and its error raised there)
        return


def load_package(folder: Path, contract: dict[str, TableSpec], encoding: str | None = None,
                 validator: str = GREAT_EXPECTATIONS) -> Package:
    """Read, type and validate every table. ``encoding`` forces the CSV encoding, over the manifest's;
    ``validator`` names the contract's runner (engine/intake/contract.py: Great Expectations or pandas).

    A header-only table is a table with no rows (an office may have nothing to report), except offices.
    """
    if not folder.is_dir():
        raise InputError(str(folder), "not a folder (a package is a folder with a manifest and its tables)",
                         message_zh="不是文件夹：数据包是一个文件夹，里面放清单（manifest.yaml）和各张数据表")
    manifest = load_manifest(guarded_manifest(find_manifest(folder), folder))
    encoding = encoding or manifest.encoding
    raws, sources, ahead = _raw_tables(folder, manifest, contract, encoding,
                                       partial(TypedAhead, contract=contract, encoding=encoding, validator=validator),
                                       _RunnerImport(validator))
    with contextlib.closing(ahead):
        return _typed_package(folder, manifest, contract, raws, sources, ahead, encoding, validator)


def _typed_package(folder: Path, manifest: Manifest, contract: dict[str, TableSpec],
                   raws: dict[str, filereader.RawTable | None], sources: dict[str, str], ahead: TypedAhead,
                   encoding: str | None, validator: str) -> Package:
    if "offices" not in raws:
        raise InputError(str(folder), "the offices table (组织机构) is missing; every package needs it",
                         message_zh="缺少「组织机构」表：每个数据包都必须有它（组织机构.csv，或工作簿中名为「组织机构」的工作表）")
    if raws["offices"].frame.empty:
        raise InputError(raws["offices"].source, "the offices table (组织机构) has no rows; every package needs them",
                         message_zh="「组织机构」表没有数据行：请至少填写本机构一行")
    order = typing_order(set(raws), contract)
    deferred = ahead.table if ahead.table in raws and raws[ahead.table] is None else None
    turns, free = typing_turns(order, deferred, contract)
    typed: dict[str, TypedTable] = {}
    unknown: dict[str, list[str]] = {}
    submitted: dict[str, frozenset[str]] = {}
    keys: dict[str, set] = {}
    rows_read: dict[str, int] = {}
    held: tuple[str, InputError] | None = None  # a table's error typing it early, raised in its turn
    shown = progress.current()
    shown.stage("读取 read")
    for done, name in enumerate(turns, start=1):
        if held is not None and (name in free or order.index(name) > order.index(held[0])):
            continue
        shown.step(name, done, len(turns))
        there = ahead.typed(keys) if name == deferred else None
        if there is None and raws[name] is None:  # the child could not type it: read and typed here
            raws[name] = filereader.read_csv_table(ahead.path, encoding)
        try:
            one = there.typed if there is not None else (
                ahead.typed_early(name, raws[name], keys) or table_typing.type_one(name, raws[name], contract, keys,
                                                                                     validator))
        except InputError as error:
            if name not in free:
                raise
            held = name, error
            continue
        rows_read[name] = there.rows_read if there is not None else len(raws[name].frame)
        unknown[name], submitted[name], typed[name] = one.unknown_columns, one.submitted, one.table
        keys[name] = set(one.table.frame[contract[name].key[0]])
        ahead.offer_keys(keys)
    if held is not None:
        raise held[1]
    typed, submitted = {name: typed[name] for name in order}, {name: submitted[name] for name in order}
    accounts = tuple(TableAccount(name, (sources[name],), rows_read[name], len(t.frame),
                                  len({(r.source_file, r.source_row) for r in t.rejected if not r.row_kept}),
                                  rows_partial=len({(r.source_file, r.source_row) for r in t.rejected if r.row_kept}))
                     for name, t in typed.items())
    tables = {name: t.frame for name, t in typed.items()}
    return Package(folder, manifest, tables, tuple(r for t in typed.values() for r in t.rejected), accounts,
                   tuple((sources[name], column) for name in order for column in unknown[name]), submitted,
                   _key_notices(tables, sources, contract))


def _key_notices(tables: dict[str, pd.DataFrame], sources: dict[str, str],
                 contract: dict[str, TableSpec]) -> tuple[str, ...]:
    """A key column whose values are resident ID numbers (a common practice for volunteer ids): every output
    masks them, which makes the keys hard to tell apart, and the ID number is then everywhere the key goes."""
    notices = []
    for name, frame in tables.items():
        key = contract[name].key[0]
        if key in frame.columns and key != "office_id" and mostly_id_numbers(frame[key]):
            notices.append(f"{sources[name]}: 列 {key} 的取值是身份证号，已在输出中遮蔽；建议另设志愿者编号 the key "
                           f"column {key} holds resident ID numbers: they are masked wherever shown; give volunteers "
                           "an id of their own")
    return tuple(notices)

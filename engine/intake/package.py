"""A submission package: a folder of one file per table (CSV or XLSX) or one workbook, plus a manifest."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from westaudit.core.errors import InputError
from westaudit.core.results import RejectedRow, TableAccount
from westaudit.intake import cells, filereader
from westaudit.intake.coerce import TypedTable, type_table
from westaudit.intake.contract import GREAT_EXPECTATIONS
from westaudit.intake.masking import mostly_id_numbers
from westaudit.intake.package_files import DATA_SUFFIXES, guarded_manifest, package_entries
from westaudit.runtime import parallel, progress
from westaudit.spec.manifest import Manifest, find_manifest, load_manifest
from westaudit.spec.tables import TableSpec

__all__ = ["DATA_SUFFIXES", "Package", "load_package", "canonical_frame"]
# below this many bytes of CSV a forked reader costs more than it saves
MIN_BYTES_TO_READ_AHEAD = 20_000_000
# every table refers to offices, so they are typed first; then each table after the tables it refers to


def _typing_order(tables: set[str], contract: dict[str, TableSpec]) -> list[str]:
    """Tables in an order where each comes after those its reference columns point to, so every key set a
    foreign key needs is known when the table is typed (ties in name order)."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path or name not in tables:
            return
        for column in contract[name].columns.values():
            if column.type == "ref":
                visit(column.ref.split(".")[0], (*path, name))
        order.append(name)

    for name in ["offices", *sorted(tables)]:
        visit(name, ())
    return order


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
                runner: _RunnerImport | None = None) -> dict[str, filereader.RawTable]:
    """Every table the package holds, found by manifest entry, by table name or by its Chinese title; the
    contract's runner imported meanwhile."""
    by_stem = {stem.lower(): spec.name for spec in contract.values() for stem in spec.file_stems()}
    for table in manifest.files:
        if table not in contract:
            raise InputError(str(folder / "manifest.yaml"), f"files: unknown table {table!r}; known: "
                             + ", ".join(sorted(contract)),
                             message_zh=f"清单 files: 中的 {table} 不是数据表的名字：请写以下之一："
                                        + "、".join(sorted(contract)))
    entries = package_entries(folder, manifest.files)
    found: dict[str, filereader.RawTable] = {}

    def keep(table: str, raw: filereader.RawTable) -> None:
        if table in found:
            raise InputError(raw.source, f"table {table!r} is given twice (also {found[table].source})",
                             message_zh=f"「{contract[table].title_zh}」表给了两次（另见 {found[table].source}）："
                                        "请只保留一份")
        found[table] = raw

    read_csv = _ReadAhead([entry.path for entry in entries if entry.path.suffix.lower() == ".csv"], encoding)
    runner = runner or _RunnerImport(None)
    try:
        runner.start()  # after the fork of the reader ahead: no thread may run at a fork
        read_csv.read_own()
        for entry in entries:
            _read_file(entry.path, entry.table or by_stem.get(entry.path.stem.lower()), by_stem, contract, read_csv,
                       keep)
    finally:
        read_csv.close()
        runner.join()
    return found


def _read_file(path: Path, table: str | None, by_stem: dict[str, str], contract: dict[str, TableSpec],
               read_csv: _ReadAhead, keep: Callable[[str, filereader.RawTable], None]) -> None:
    """Read one data file of the package, keeping its table (a workbook's, its sheets' tables)."""
    if path.suffix.lower() == ".csv":
        if table is None:
            raise InputError(str(path), "matches no table; name it after a table (" + ", ".join(sorted(contract))
                             + ") or list it under files: in the manifest",
                             message_zh="文件名对不上任何数据表：请按表名命名文件（如 "
                                        + "、".join(f"{spec.title_zh}.csv" for spec in list(contract.values())[:3])
                                        + " 等），或在清单的 files: 中写明它是哪张表")
        keep(table, _not_empty(read_csv(path)))
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
        keep(sheet_table, raw)


class _ReadAhead:
    """read_csv_table(path) for a package's CSV files, the larger half of them (by size) read ahead in a forked
    child while this process reads the others.

    This process reads its own share meanwhile, before it is asked for any file. A file that raised keeps its
    error for its turn, and a file the child could not read is read here in its turn, so a package with
    errors raises the error reading in order would. A small package is read here alone, in order: forking
    would cost more than it saves.
    """

    def __init__(self, paths: list[Path], encoding: str | None):
        self.encoding = encoding
        self._ahead: frozenset[Path] = frozenset()
        self._call: parallel.ForkedCall | None = None
        self._read: dict[Path, filereader.RawTable | None] | None = None
        self._own: dict[Path, filereader.RawTable | Exception] = {}
        sizes = [_size(path) for path in paths]
        if sum(sizes) < MIN_BYTES_TO_READ_AHEAD or not parallel.can_share():
            return
        theirs = max(parallel.share_out(sizes, 2), key=lambda share: max((sizes[i] for i in share), default=-1))
        ahead = [paths[index] for index in theirs]
        self._ahead = frozenset(ahead)
        self._paths = paths
        self._call = parallel.ForkedCall(lambda: _read_quietly(ahead, encoding))

    def read_own(self) -> None:
        """This process's share, read while the child reads ahead (nothing when no child was started)."""
        if self._call is None:
            return
        for path in self._paths:
            if path not in self._ahead:
                try:
                    self._own[path] = filereader.read_csv_table(path, self.encoding)
                except Exception as error:  # noqa: BLE001  (raised in its turn)
                    self._own[path] = error

    def __call__(self, path: Path) -> filereader.RawTable:
        if path in self._own:
            outcome = self._own.pop(path)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        if path in self._ahead:
            raw = self._results().get(path)
            if raw is not None:
                return raw
        return filereader.read_csv_table(path, self.encoding)

    def _results(self) -> dict[Path, filereader.RawTable | None]:
        if self._read is None:
            try:
                self._read = self._call.result() if self._call else {}
            except Exception:  # noqa: BLE001  (a child that died or failed: every file is read here instead)
                self._read = {}
        return self._read

    def close(self) -> None:
        """Reading stopped, by an error or at the end: a child still reading is stopped with it."""
        if self._call is not None:
            self._call.cancel()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reading it will say what is wrong, in its turn
        return 0


def _read_quietly(paths: list[Path], encoding: str | None) -> dict[Path, filereader.RawTable | None]:
    """The files read in order; from the first that raises on, None (the parent reads those itself)."""
    read: dict[Path, filereader.RawTable | None] = dict.fromkeys(paths)
    for path in paths:
        try:
            read[path] = filereader.read_csv_table(path, encoding)
        except Exception:  # noqa: BLE001  (raised again, in order, where the parent reads the file itself)
            break
    return read


def _not_empty(raw: filereader.RawTable) -> filereader.RawTable:
    if not raw.headers:
        raise InputError(raw.source, "empty file: no header row (a table with no rows still needs its header)",
                         message_zh="文件是空的，没有表头行：本年度没有记录的表也要保留表头")
    return raw


def canonical_frame(raw: filereader.RawTable, spec: TableSpec) -> tuple[pd.DataFrame, list[str]]:
    aliases = {name: list(column.accepted_headers(name)) for name, column in spec.columns.items()}
    match = filereader.match_headers(raw.headers, aliases)
    if match.duplicates:
        raise InputError(raw.source, "the same column is given twice", column=", ".join(match.duplicates),
                         message_zh="同一列出现了两次：请删掉重复的一列")
    for name, column in spec.columns.items():
        if column.required and name not in match.mapping.values():
            raise InputError(raw.source, f"missing required column ({column.zh})", column=name, column_zh=column.zh,
                             message_zh=f"缺少必填列「{column.zh}」：请按模板补上这一列（表头写「{column.zh}」）")
    frame = raw.frame.rename(columns=match.mapping, copy=False)  # nothing writes to either frame
    return frame, list(match.unknown)


@dataclass(frozen=True)
class _Typed:
    """One table typed, with the key sets its offices and foreign keys were checked against."""

    table: TypedTable
    unknown_columns: list[str]
    submitted: frozenset[str]
    key_sets: dict[str, set]


def _keys_used(name: str, contract: dict[str, TableSpec], keys: dict[str, set]) -> dict[str, set]:
    targets = {"offices"} | {column.ref.split(".")[0] for column in contract[name].columns.values() if column.type == "ref"}
    return {target: keys[target] for target in sorted(targets) if target in keys and target != name}


class _RunnerImport:
    """Great Expectations imported in a thread while the files are read (3 s of CPU, and more waiting on its
    thousand files, much of it beside the CSV parser, which releases the GIL), joined before the tables are
    typed: a child forked to type the largest table then inherits it instead of importing it again. Nothing
    for the pandas runner, or when it is imported already."""

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


def _type_one(name: str, raw: filereader.RawTable, contract: dict[str, TableSpec], keys: dict[str, set],
              validator: str) -> _Typed:
    frame, unknown_columns = canonical_frame(raw, contract[name])
    submitted = frozenset(frame.columns) & frozenset(contract[name].columns)
    offices = set(cells.normalise_text(frame["office_id"])) if name == "offices" else keys["offices"]
    return _Typed(type_table(contract[name], frame, offices, keys, validator), unknown_columns, submitted,
                  _keys_used(name, contract, keys))


def _typed_ahead(raws: dict[str, filereader.RawTable], contract: dict[str, TableSpec],
                 order: list[str], validator: str) -> tuple[str, parallel.ForkedCall[_Typed]] | None:
    """The largest table typed in a forked child, beside this process typing the others.

    The child types the tables its key sets come from as well (offices, the tables it refers to), in the same
    order; its table is used only if those key sets turn out equal to the ones typed here.
    """
    rows = {name: len(raws[name].frame) for name in order if name != "offices"}
    if not rows or max(rows.values()) < parallel.MIN_ROWS_FOR_WORKERS or not parallel.can_share():
        return None
    largest = max(rows, key=lambda name: (rows[name], name))
    before = order[:order.index(largest)]
    needed = {"offices"} | set(_keys_used(largest, contract, dict.fromkeys(before, set())))
    for name in reversed(before):  # each table comes after the tables it refers to
        if name in needed:
            needed |= set(_keys_used(name, contract, dict.fromkeys(before, set())))

    def type_in_child() -> _Typed:
        keys: dict[str, set] = {}
        for name in (name for name in before if name in needed):
            keys[name] = set(_type_one(name, raws[name], contract, keys, validator).table.frame[contract[name].key[0]])
        return _type_one(largest, raws[largest], contract, keys, validator)

    return largest, parallel.ForkedCall(type_in_child)


def _result_ahead(ahead: parallel.ForkedCall[_Typed], name: str, contract: dict[str, TableSpec],
                  keys: dict[str, set]) -> _Typed | None:
    try:
        typed = ahead.result()
    except Exception:  # noqa: BLE001  (typed here instead, raising here what there is to raise)
        return None
    return typed if typed.key_sets == _keys_used(name, contract, keys) else None


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
    raws = _raw_tables(folder, manifest, contract, encoding or manifest.encoding, _RunnerImport(validator))
    if "offices" not in raws:
        raise InputError(str(folder), "the offices table (组织机构) is missing; every package needs it",
                         message_zh="缺少「组织机构」表：每个数据包都必须有它（组织机构.csv，或工作簿中名为「组织机构」的工作表）")
    if raws["offices"].frame.empty:
        raise InputError(raws["offices"].source, "the offices table (组织机构) has no rows; every package needs them",
                         message_zh="「组织机构」表没有数据行：请至少填写本机构一行")
    order = _typing_order(set(raws), contract)
    typed: dict[str, TypedTable] = {}
    unknown: list[tuple[str, str]] = []
    submitted: dict[str, frozenset[str]] = {}
    keys: dict[str, set] = {}
    shown = progress.current()
    shown.stage("读取 read")
    ahead = _typed_ahead(raws, contract, order, validator)
    try:
        for done, name in enumerate(order, start=1):
            shown.step(name, done, len(order))
            one = None
            if ahead and ahead[0] == name:
                one = _result_ahead(ahead[1], name, contract, keys)
                ahead = None
            one = one or _type_one(name, raws[name], contract, keys, validator)
            unknown.extend((raws[name].source, column) for column in one.unknown_columns)
            submitted[name], typed[name] = one.submitted, one.table
            keys[name] = set(one.table.frame[contract[name].key[0]])
    finally:
        if ahead:  # typing stopped early, by an error: the child stops with it
            ahead[1].cancel()
    accounts = tuple(TableAccount(name, (raws[name].source,), len(raws[name].frame), len(t.frame),
                                  len({(r.source_file, r.source_row) for r in t.rejected if not r.row_kept}),
                                  rows_partial=len({(r.source_file, r.source_row) for r in t.rejected if r.row_kept}))
                     for name, t in typed.items())
    tables = {name: t.frame for name, t in typed.items()}
    return Package(folder, manifest, tables, tuple(r for t in typed.values() for r in t.rejected), accounts,
                   tuple(unknown), submitted, _key_notices(tables, raws, contract))


def _key_notices(tables: dict[str, pd.DataFrame], raws: dict[str, filereader.RawTable],
                 contract: dict[str, TableSpec]) -> tuple[str, ...]:
    """A key column whose values are resident ID numbers (a common practice for volunteer ids): every output
    masks them, which makes the keys hard to tell apart, and the ID number is then everywhere the key goes."""
    notices = []
    for name, frame in tables.items():
        key = contract[name].key[0]
        if key in frame.columns and key != "office_id" and mostly_id_numbers(frame[key]):
            notices.append(f"{raws[name].source}: 列 {key} 的取值是身份证号，已在输出中遮蔽；建议另设志愿者编号 the key "
                           f"column {key} holds resident ID numbers: they are masked wherever shown; give volunteers "
                           "an id of their own")
    return tuple(notices)

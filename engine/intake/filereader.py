"""Read the tables offices submit (CSV in whatever encoding their tool chose, Excel workbooks) as strings.

Nothing is coerced here: every cell comes back as the text that was written, so the caller decides what
blank, a date or a number means (see ``cells``). Each data row keeps where it came from: ``_src_row`` is
the 1-based spreadsheet row (header row counted, blank rows counted but dropped) and ``_src_file`` the
table's source, so a finding can point the office at the exact line to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from westaudit.core.errors import InputError
from westaudit.intake.cells import normalise_text

__all__ = [
    "SOURCE_ROW",
    "SOURCE_FILE",
    "RawTable",
    "HeaderMatch",
    "read_csv_table",
    "read_xlsx_sheets",
    "INSTRUCTIONS_SHEET",
    "match_headers",
]

SOURCE_ROW = "_src_row"
SOURCE_FILE = "_src_file"
# The first sheet of a `westaudit template` workbook: instructions for the office, never a table. It is the one
# sheet a workbook may carry that matches no table, so a filled template is a package as it stands.
INSTRUCTIONS_SHEET = "填报须知"
_RESERVED = (SOURCE_ROW, SOURCE_FILE)


@dataclass(frozen=True, eq=False)
class RawTable:
    """One submitted table, every data cell a string.

    ``headers`` are the header cells as written (after ``normalise_text``), trailing blank headers dropped.
    ``frame`` has one column per header, in order, then ``_src_row`` (int) and ``_src_file``. Frame column
    names equal the headers except that a blank header becomes ``_col<N>`` (N = 1-based column position)
    and a repeated header gets ``#2``, ``#3``... so the frame stays addressable by name.
    """

    source: str
    frame: pd.DataFrame
    headers: tuple[str, ...]


# --------------------------------------------------------------------------------------------------------
# Shared table building
# --------------------------------------------------------------------------------------------------------


def _is_blank_row(cells: Sequence[str]) -> bool:
    if cells and cells[0].strip():  # the common case, decided without joining the whole row
        return False
    return not "".join(cells).strip()


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of row lists are built.

    Those lists hold only strings and cannot form cycles, yet each allocation burst triggers a collection
    that rescans them all; pausing cut reading two million rows by about a third.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _normalised_headers(cells: Sequence[str]) -> tuple[str, ...]:
    names = normalise_text(pd.Series(list(cells), dtype=object)).fillna("").tolist()
    while names and not names[-1]:  # trailing blank header cells are formatting debris, not columns
        names.pop()
    return tuple(names)


def _frame_column_names(headers: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(headers, start=1):
        name = header or f"_col{position}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def _check_not_reserved(source: str, headers: Sequence[str], header_row: int) -> None:
    for position, header in enumerate(headers, start=1):
        if header in _RESERVED:
            raise InputError(
                file=source,
                message=f"header {header!r} is reserved for westaudit's own bookkeeping; rename the column",
                row=header_row,
                column=str(position),
                value=header,
            )


def _fit_to_width(source: str, cells: list[str], width: int, row_number: int) -> list[str]:
    """Pad short rows (exports drop trailing empty cells); refuse rows that carry data past the header."""
    if len(cells) <= width:
        return cells + [""] * (width - len(cells))
    extra = cells[width:]
    if not _is_blank_row(extra):
        first = next(offset for offset, cell in enumerate(extra) if cell.strip())
        raise InputError(
            file=source,
            message=f"row has {len(cells)} cells but the header has only {width} columns",
            row=row_number,
            column=str(width + first + 1),
            value=extra[first],
        )
    return cells[:width]  # empty cells past the header are what spreadsheets leave behind


def _build_table(source: str, records: Iterable[tuple[int, list[str]]]) -> RawTable:
    """Turn (spreadsheet row number, cells) records into a RawTable; the first non-blank one is the header."""
    headers: tuple[str, ...] | None = None
    header_row = 0
    row_numbers: list[int] = []
    rows: list[list[str]] = []
    for row_number, cells in records:
        if _is_blank_row(cells):
            continue
        if headers is None:
            headers, header_row = _normalised_headers(cells), row_number
            _check_not_reserved(source, headers, header_row)
            continue
        rows.append(_fit_to_width(source, cells, len(headers), row_number))
        row_numbers.append(row_number)
    headers = headers or ()
    columns = _frame_column_names(headers)
    frame = pd.DataFrame(rows, columns=columns, dtype=object) if rows else pd.DataFrame(columns=columns)
    frame = frame.astype(object)
    frame[SOURCE_ROW] = pd.Series(row_numbers, dtype="int64")
    frame[SOURCE_FILE] = source
    return RawTable(source=source, frame=frame, headers=headers)


# --------------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------------

# UTF-8 first: a GBK file is almost never valid UTF-8, while GB18030 accepts most UTF-8 byte pairs as
# (wrong) Chinese. GB18030 is a superset of GBK and GB2312, which is what Chinese Excel writes.
_DETECTED_ENCODINGS = ("utf-8-sig", "gb18030")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(file=path.name, message=f"cannot read file: {error.strerror or error}") from error


def _decode(source: str, data: bytes, encoding: str | None) -> str:
    candidates = (encoding,) if encoding else _DETECTED_ENCODINGS
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        except LookupError as error:
            raise InputError(file=source, message=f"unknown encoding {candidate!r}") from error
        return text.removeprefix("\ufeff")  # a BOM left by an explicitly named utf-8
    tried = " or ".join(candidates)
    raise InputError(file=source, message=f"file is not text in {tried}; save it as UTF-8 CSV")


def _csv_records(source: str, text: str) -> list[tuple[int, list[str]]]:
    # One record is one spreadsheet row even when a quoted cell spans several lines, so rows are counted
    # by record, blank records included.
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as error:
        raise InputError(file=source, message=f"malformed CSV: {error}") from error


# whitespace str.strip() removes, but the "\n" joining cells
_WHITESPACE = re.compile(r"[^\S\n]")


def _quote_free_cells(text: str) -> pd.DataFrame | None:
    """Every record's cells, short records padded with "", by pandas' C tokenizer; None where it could
    disagree with ``csv.reader``.

    Without a quote character a record is one line and a cell the text between commas, which both parsers
    agree on; quotes (cells spanning lines, doubled quotes), NUL, a lone carriage return and a leading BOM
    (the C tokenizer drops it) are left to ``csv.reader``, as is a record wider than the first.
    """
    if not text or '"' in text or "\x00" in text or text.startswith("\ufeff") \
            or text.count("\r") != text.count("\r\n"):
        return None
    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=object, na_filter=False, skip_blank_lines=False,
                           quoting=csv.QUOTE_NONE, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def _blank_records(cells: pd.DataFrame) -> np.ndarray:
    """``_is_blank_row`` of every record: only records whose first cell is blank need all their cells joined."""
    first = cells[0]
    blank = (first == "").to_numpy()
    if _WHITESPACE.search("\n".join(first.tolist())):  # stripping each cell only when some cell has a space
        blank = (first.str.strip() == "").to_numpy()
    for position in np.flatnonzero(blank):
        blank[position] = _is_blank_row(cells.iloc[position].tolist())
    return blank


def _quote_free_table(source: str, text: str) -> RawTable | None:
    """``_build_table`` over ``_csv_records`` for the common case, column-wise; None where the general path
    must decide (no data rows, rows with cells past the header, a blank header)."""
    cells = _quote_free_cells(text)
    if cells is None:
        return None
    kept = np.flatnonzero(~_blank_records(cells))
    if len(kept) < 2:
        return None
    header_position, data_positions = kept[0], kept[1:]
    headers = _normalised_headers(cells.iloc[header_position].tolist())
    if not headers:
        return None
    _check_not_reserved(source, headers, int(header_position) + 1)
    width = len(headers)
    if cells.shape[1] > width:
        extra = cells.iloc[data_positions, width:]
        filled = np.flatnonzero((extra != "").any(axis=1).to_numpy())
        if any(not _is_blank_row(extra.iloc[position].tolist()) for position in filled):
            return None
    if len(data_positions) == len(cells) - 1 - header_position:  # no blank records among the data
        frame = cells.iloc[header_position + 1:, :width]
    else:
        frame = cells.iloc[data_positions, :width]
    frame = frame.set_axis(_frame_column_names(headers), axis=1, copy=False).reset_index(drop=True)
    frame[SOURCE_ROW] = pd.Series(data_positions + 1, dtype="int64")
    frame[SOURCE_FILE] = source
    return RawTable(source=source, frame=frame, headers=headers)


def read_csv_table(path: str | Path, encoding: str | None = None) -> RawTable:
    """Read a comma-separated file as strings.

    ``encoding=None`` detects UTF-8 (with or without BOM) or GB18030/GBK. A file that is neither, a row
    with non-empty cells beyond the header, or malformed CSV raises InputError; an empty or header-only
    file is a table with no rows. Fully blank lines are skipped but still counted in ``_src_row``.
    """
    path = Path(path)
    source = path.name
    text = _decode(source, _read_bytes(path), encoding)
    # building a row list per record costs four times what pandas' tokenizer does; same table either way
    table = _quote_free_table(source, text)
    if table is not None:
        return table
    with _bulk_allocation():
        return _build_table(source, _csv_records(source, text))


# --------------------------------------------------------------------------------------------------------
# Excel workbooks
# --------------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """The text of one openpyxl cell value, in forms ``cells`` parses back."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _sheet_records(sheet: Any) -> Iterable[tuple[int, list[str]]]:
    # Some exporters write a wrong <dimension>; read-only mode would then cut the sheet short.
    sheet.reset_dimensions()
    for row_number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        yield row_number, [_cell_text(value) for value in values]


def _unreadable_workbook(source: str, error: Exception) -> InputError:
    hint = " (old .xls format: save it as .xlsx)" if source.lower().endswith(".xls") else ""
    return InputError(file=source, message=f"cannot read workbook{hint}: {type(error).__name__}: {error}")


def read_xlsx_sheets(path: str | Path) -> dict[str, RawTable]:
    """Read every worksheet of an .xlsx workbook as strings, keyed by sheet name.

    Formulas give their cached values; dates come back as ISO text ("2025-03-31 00:00:00"), whole numbers
    without ".0". The header is the first non-empty row; blank rows are skipped but counted. Sources are
    "<file>#<sheet>". The instructions sheet of a template (``INSTRUCTIONS_SHEET``) is not read. A workbook
    that cannot be opened or parsed raises InputError.
    """
    import openpyxl  # deferred: only workbook submissions pay for importing it

    path = Path(path)
    source = path.name
    if not path.is_file():
        raise InputError(file=source, message="file does not exist or is not a file")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors alike mean "not a usable workbook"
        raise _unreadable_workbook(source, error) from error
    try:
        tables: dict[str, RawTable] = {}
        for sheet in workbook.worksheets:
            if sheet.title.strip() == INSTRUCTIONS_SHEET:
                continue
            sheet_source = f"{source}#{sheet.title}"
            try:
                with _bulk_allocation():
                    tables[sheet.title] = _build_table(sheet_source, _sheet_records(sheet))
            except InputError:
                raise
            except Exception as error:  # lazily parsed sheet XML can be corrupt too
                raise _unreadable_workbook(sheet_source, error) from error
        return tables
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------------------
# Header matching
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderMatch:
    """How written headers map to canonical column names.

    ``mapping``: written header -> canonical name, only for canonical names claimed by exactly one header.
    ``unknown``: written headers matching no canonical name, in written order.
    ``duplicates``: canonical name -> the written headers that all claim it (none of them is mapped,
    since picking one would be a guess).
    ``missing``: canonical names no header claims, in the order of ``aliases``.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    duplicates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


@lru_cache(maxsize=4096)
def _header_key(header: str) -> str:
    # Spaces inside Chinese headers ("身份证 号码") are typing accidents, so they are ignored altogether.
    text = normalise_text(pd.Series([header], dtype=object)).iloc[0]
    return "" if pd.isna(text) else str(text).replace(" ", "").casefold()


def _alias_lookup(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, spellings in aliases.items():
        for spelling in (canonical, *spellings):
            key = _header_key(spelling)
            if lookup.get(key, canonical) != canonical:
                raise ValueError(
                    f"header spelling {spelling!r} is an alias of both {lookup[key]!r} and {canonical!r}"
                )
            lookup[key] = canonical
    return lookup


def match_headers(headers: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> HeaderMatch:
    """Map written headers to canonical names: the canonical name itself or any alias, compared after
    ``normalise_text``, case-insensitively and ignoring spaces. The result does not depend on header order
    (except the order of the listed headers). Conflicting aliases are a programming error (ValueError).
    """
    lookup = _alias_lookup(aliases)
    claims: dict[str, list[str]] = {}
    unknown: list[str] = []
    for header in headers:
        key = _header_key(header)
        canonical = lookup.get(key) if key else None
        if canonical is None:
            unknown.append(header)
        else:
            claims.setdefault(canonical, []).append(header)
    mapping = {written[0]: canonical for canonical, written in claims.items() if len(written) == 1}
    duplicates = {canonical: tuple(written) for canonical, written in claims.items() if len(written) > 1}
    missing = tuple(canonical for canonical in aliases if canonical not in claims)
    return HeaderMatch(mapping=mapping, unknown=tuple(unknown), duplicates=duplicates, missing=missing)

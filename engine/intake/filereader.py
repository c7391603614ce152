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
import math
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
from westaudit.intake.package_files import (
    Limits,
    current_limits,
    limit_hint,
    limit_hint_zh,
    read_package_file,
)

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
                message_zh=f"表头「{header}」是 westaudit 内部记账用的列名，请给这一列改个名字",
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
            message_zh=f"这一行有 {len(cells)} 个单元格，但表头只有 {width} 列：请删掉表头右边多出的内容，"
                       "或给这一列补上表头",
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


def _cell_lengths(column: pd.Series) -> np.ndarray:
    """Each cell's length in characters (a blank cell none): len() mapped over the cells is five times faster
    than pandas' .str.len() on a table's text, which is what it nearly always is."""
    values = column.to_numpy(dtype=object)
    try:
        return np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except TypeError:  # a cell that is not text (a blank read as NaN)
        return column.str.len().fillna(0).to_numpy(dtype=np.int64)


def check_cell_sizes(table: RawTable, limits: Limits) -> RawTable:
    """Refuse a table with a cell longer than ``limits.cell_chars``, naming its row and column: one such
    cell copied into every page that shows it made hundreds of megabytes of reports."""
    longest = limits.cell_chars
    for position, column in enumerate(table.frame.columns[:len(table.headers)]):
        lengths = _cell_lengths(table.frame[column])
        if len(lengths) and lengths.max() > longest:
            at = int(lengths.argmax())
            raise InputError(file=table.source, row=int(table.frame[SOURCE_ROW].iat[at]),
                             column=table.headers[position] or str(position + 1),
                             message=f"cell of {int(lengths[at])} characters is over the limit of {longest} "
                                     f"per cell; {limit_hint('cell_chars')}",
                             message_zh=f"这个单元格有 {int(lengths[at])} 个字符，超过每格 {longest} 个字符的上限："
                                        f"请只填这一项的内容；{limit_hint_zh('cell_chars')}")
    for position, header in enumerate(table.headers, start=1):
        if len(header) > longest:
            raise InputError(file=table.source, row=1, column=str(position),
                             message=f"header of {len(header)} characters is over the limit of {longest} per cell",
                             message_zh=f"表头有 {len(header)} 个字符，超过每格 {longest} 个字符的上限：请改用模板中的表头")
    return table


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


_CJK = re.compile("[\u4e00-\u9fff]")


def _utf8_chinese(line: bytes) -> bool:
    """A line that is UTF-8 with Chinese in it: GBK text is almost never valid UTF-8, and when a short run is,
    it decodes to two-byte letters, never to the three-byte Chinese range."""
    try:
        return bool(_CJK.search(line.decode("utf-8")))
    except UnicodeDecodeError:
        return False


def _cut_short(source: str, data: bytes, candidate: str, error: UnicodeDecodeError) -> InputError | None:
    if error.reason == "unexpected end of data" or (candidate == "gb18030" and error.start >= len(data) - 1):
        return InputError(file=source, line=_line_of(data, error.start), message="the file ends in the middle of a "
                          f"character ({candidate}): it was cut short; send the whole file again",
                          message_zh=f"文件在一个字符的中间结束（{candidate} 编码）：文件不完整，请重新导出或重新发送完整的文件")
    return None


def _mixed_encodings(source: str, data: bytes) -> None:
    """Rows in two encodings: the first line with Chinese decides the file's; the first line in the other is
    named. Only a file that is not UTF-8 throughout pays for this look at its lines (one decoding in C, then
    a membership test per line: a GBK file of a million rows takes a fraction of a second)."""
    utf8: bool | None = None
    for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), start=1):
        if line.isascii():
            continue
        valid = "\ufffd" not in line
        if utf8 is None:
            if valid and not _CJK.search(line):
                continue  # punctuation or letters only: valid either way, it decides nothing
            utf8 = valid
        elif utf8 and not valid:
            raise InputError(file=source, line=number, message="this line is not UTF-8 like the lines before it (rows "
                             "in another encoding, such as GBK, pasted into a UTF-8 file, or a damaged character); "
                             "save the whole file as UTF-8 CSV",
                             message_zh="这一行不是 UTF-8 编码，而前面的行是（可能粘贴了 GBK 等其他编码的行，或有损坏的字符）："
                                        "请用 Excel 或 WPS 把整个文件另存为“CSV UTF-8（逗号分隔）”")
        elif not utf8 and valid and _CJK.search(line):
            raise InputError(file=source, line=number, message="this line is UTF-8 but the file is GBK/GB18030 (rows "
                             "in another encoding pasted in); save the whole file as UTF-8 CSV",
                             message_zh="这一行是 UTF-8 编码，而文件其余部分是 GBK/GB18030（粘贴了其他编码的行）："
                                        "请用 Excel 或 WPS 把整个文件另存为“CSV UTF-8（逗号分隔）”")


def _decode(source: str, data: bytes, encoding: str | None) -> str:
    candidates = (encoding,) if encoding else _DETECTED_ENCODINGS
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError as error:
            cut = _cut_short(source, data, candidate, error)
            if cut is not None and (encoding or candidate == "gb18030" or data[:error.start].isascii()
                                    or _utf8_chinese(data[:error.start])):
                raise cut from error
            if not encoding and candidate.startswith("utf-8"):
                _mixed_encodings(source, data)
            continue
        except LookupError as error:
            raise InputError(file=source, message=f"unknown encoding {candidate!r}",
                             message_zh=f"不认识的编码 {candidate!r}：请写 utf-8 或 gb18030") from error
        return text.removeprefix("\ufeff")  # a BOM left by an explicitly named utf-8
    tried = " or ".join(candidates)
    raise InputError(file=source, message=f"file is not text in {tried}; save it as UTF-8 CSV",
                     message_zh=f"文件不是 {' 或 '.join(candidates)} 编码的文本（可能不是 CSV 文件，或已损坏）："
                                "请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）”")


def _csv_records(source: str, text: str) -> list[tuple[int, list[str]]]:
    # One record is one spreadsheet row even when a quoted cell spans several lines, so rows are counted
    # by record, blank records included. Strict: a quote that closes with more text after it, or never
    # closes, is an error where its row starts, not a cell swallowing the rows after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    width = 0
    line = 0
    try:
        for number, cells in enumerate(reader, start=1):
            start, line = line + 1, reader.line_num
            if line > start and width:
                _check_spanning_record(source, cells, width, start, line)
            width = width or (len(cells) if not _is_blank_row(cells) else 0)
            records.append((number, cells))
    except csv.Error as error:
        if "expected after" in str(error) or "unexpected end of data" in str(error):
            raise InputError(file=source, line=line + 1, message="a quote (\") opened in this row is not closed where "
                             f"its cell ends (it runs to line {reader.line_num}); close or remove the quote",
                             message_zh=f"这一行有一个英文双引号（\"）没有在单元格结尾处闭合（一直延续到文件第 "
                                        f"{reader.line_num} 行）：请补上或删掉这个引号") from error
        raise InputError(file=source, line=line + 1, message=f"malformed CSV: {error}",
                         message_zh="CSV 格式有误：请用 Excel 或 WPS 打开后另存为“CSV UTF-8（逗号分隔）”") from error
    return records


# a quoted cell whose lines are rows of the table: two at least, so that a cell written with line breaks and
# commas of its own is not taken for one
_SWALLOWED_ROWS = 2


def _check_spanning_record(source: str, cells: list[str], width: int, start: int, end: int) -> None:
    """A quote closed by a cell that happened to end in one (王五",) leaves well-formed CSV: the cell between
    holds the rows it swallowed, lines with exactly as many commas as the rows have, which is an error."""
    if width < 3:
        return
    for cell in cells:
        if "\n" not in cell and "\r" not in cell:
            continue
        swallowed = [part for part in cell.splitlines()[1:] if part.count(",") == width - 1]
        if len(swallowed) >= _SWALLOWED_ROWS:
            raise InputError(file=source, line=start, message=f"a quote (\") opened in this row is not closed until "
                             f"line {end}, swallowing {len(swallowed)} lines that look like rows; close or remove "
                             "the quote",
                             message_zh=f"这一行有一个英文双引号（\"）直到文件第 {end} 行才闭合，把 {len(swallowed)} "
                                        "行数据吞进了一个单元格：请补上或删掉这个引号")


_DELIMITERS_ZH = {";": "分号（;）", "\t": "制表符（Tab）", "|": "竖线（|）"}


def _check_delimiter(source: str, table: RawTable, text: str) -> RawTable:
    """A file separated by semicolons or tabs reads as one column per line: say so, rather than report its
    columns missing. A header of one cell holding two of them, or such a row in a file of several columns."""
    end = text.find("\n")
    first = text[:end if end >= 0 else len(text)].lstrip("\ufeff")
    for delimiter, name in ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "bars (|)")):
        if len(table.headers) <= 1 and first.count(delimiter) >= 1 and "," not in first:
            raise InputError(file=source, line=1, message=f"the header is separated by {name}, not commas; save "
                             "the file as CSV (comma-separated), UTF-8",
                             message_zh=f"表头用{_DELIMITERS_ZH[delimiter]}分隔，而不是逗号：请用 Excel 或 WPS "
                                        "另存为“CSV UTF-8（逗号分隔）”")
    width = len(table.headers)
    for delimiter, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        if width > 2 and len(table.frame) and delimiter in text:  # the search in C spares most files the rest
            first_cells = table.frame.iloc[:, 0].astype(str)
            rest_blank = (table.frame.iloc[:, 1:width] == "").all(axis=1)
            odd = (first_cells.str.count(delimiter) >= width - 1) & rest_blank
            if odd.any():
                at = int(odd.to_numpy().argmax())
                raise InputError(file=source, row=int(table.frame[SOURCE_ROW].iat[at]),
                                 message=f"this row is separated by {name}, not commas like the header; save the "
                                         "file as CSV (comma-separated), UTF-8",
                                 message_zh=f"这一行用{_DELIMITERS_ZH[delimiter]}分隔，而表头用逗号：请用 Excel 或 WPS "
                                            "另存为“CSV UTF-8（逗号分隔）”")
    return table


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
    limits = current_limits()
    text = _decode(source, read_package_file(path, limits), encoding)
    # building a row list per record costs four times what pandas' tokenizer does; same table either way
    table = _quote_free_table(source, text)
    if table is None:
        with _bulk_allocation():
            table = _build_table(source, _csv_records(source, text))
    table = _check_delimiter(source, table, text)
    # no cell of a file is longer than the file
    return check_cell_sizes(table, limits) if len(text) > limits.cell_chars else table


# --------------------------------------------------------------------------------------------------------
# Excel workbooks
# --------------------------------------------------------------------------------------------------------


# a number this large was typed as digits (an ID number, a bank account) and kept by Excel to 15 significant
# digits only: it is read as Excel shows it (6.20102200012077E+17), so no one mistakes it for the digits typed
_LOST_DIGITS = 1e15


def _excel_scientific(value: float) -> str:
    mantissa, exponent = f"{value:.14E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent[0]}{int(exponent[1:]):02d}"


def _cell_text(value: Any) -> str:
    """The text of one openpyxl cell value, in forms ``cells`` parses back."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float) and abs(value) >= _LOST_DIGITS and math.isfinite(value):
        return _excel_scientific(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _calamine_value(value: Any) -> Any:
    """A python-calamine cell value as openpyxl gives it: a date cell at midnight is a datetime there too."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time.min)
    return value


def _sheet_records(cells: Any, title: str) -> Iterable[tuple[int, list[str]]]:
    """The rows of one sheet read by calamine (Rust; about ten times faster than openpyxl's cell objects),
    numbered from row 1 as Excel numbers them: the empty area before the first cell is kept, not skipped.
    Cells are read from the cells themselves, never from the sheet's <dimension>, which exporters get wrong."""
    rows = cells.get_sheet_by_name(title).to_python(skip_empty_area=False)
    for row_number, values in enumerate(rows, start=1):
        # text cells (nearly all) as they are: the conversion is for the others
        yield row_number, [value if type(value) is str else _cell_text(_calamine_value(value)) for value in values]


_MERGED = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', re.DOTALL)
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?>(.*?)</f>", re.DOTALL)
_CACHED = re.compile(rb"<v>[^<]")


def _sheet_markers(sheet: Any) -> tuple[bool, bool]:
    """Whether the sheet's XML holds merged cells or formulas, in one pass of 1 MB reads (most hold neither,
    and only those that do are searched in full)."""
    merged = formula = False
    tail = b""
    with sheet.parent._archive.open(sheet._worksheet_path) as raw:
        while chunk := raw.read(1 << 20):
            block = tail + chunk
            merged = merged or b"<mergeCell " in block
            formula = formula or b"<f>" in block or b"<f " in block
            tail = block[-12:]
    return merged, formula


def _check_sheet_xml(sheet: Any, source: str) -> None:
    """Merged cells and formulas without a saved value read as blanks: each gets its own message instead of a
    row of "must not be blank"."""
    if not hasattr(sheet, "_worksheet_path"):
        return
    merged, formula = _sheet_markers(sheet)
    if not (merged or formula):
        return
    xml = sheet.parent._archive.read(sheet._worksheet_path)
    ranges = [ref.decode() for ref in _MERGED.findall(xml)] if merged else []
    if ranges:
        more = f" (and {len(ranges) - 1} more)" if len(ranges) > 1 else ""
        more_zh = f"（另有 {len(ranges) - 1} 处）" if len(ranges) > 1 else ""
        raise InputError(file=f"{source}，单元格 cells {ranges[0]}", message=f"merged cells{more}: every row "
                         "needs its own value; unmerge them and fill in each cell",
                         message_zh=f"合并单元格{more_zh}：每一行都要有自己的值，请取消合并，并在每个单元格里填上值")
    for ref, body in (_CELL.findall(xml) if formula else ()):
        found = _FORMULA.search(body or b"")
        if found and not _CACHED.search(body):
            text = found.group(1).decode("utf-8", errors="replace")[:60]
            raise InputError(file=f"{source}，单元格 cell {ref.decode()}",
                             message=f"a formula with no saved value (={text}): open the workbook in Excel or WPS and "
                             "save it again, or paste the values",
                             message_zh=f"公式没有保存计算结果（={text}）：请用 Excel 或 WPS 打开工作簿后重新保存，"
                                        "或复制后“选择性粘贴 → 数值”")


def _unreadable_workbook(source: str, error: Exception) -> InputError:
    old_format = source.lower().endswith(".xls")
    hint = " (old .xls format: save it as .xlsx)" if old_format else ""
    hint_zh = ("这是旧的 .xls 格式，请用 Excel 或 WPS 另存为 .xlsx 工作簿" if old_format
               else "文件不是有效的 .xlsx 工作簿或已损坏，请用 Excel 或 WPS 打开后另存为 .xlsx")
    return InputError(file=source, message=f"cannot read workbook{hint}: {type(error).__name__}: {error}",
                      message_zh=f"无法读取工作簿：{hint_zh}")


def _check_unpacked_size(source: str, data: io.BytesIO, limits: Limits) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, before any is unpacked (the sizes are in
    the zip directory; a part that lies about its size is cut by zipfile at the size it declares)."""
    import zipfile

    try:
        with zipfile.ZipFile(data) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable_workbook(source, error) from error
    finally:
        data.seek(0)
    packed = max(len(data.getbuffer()), 1)
    if unpacked > 10 * 1024 * 1024 and unpacked > limits.workbook_ratio * packed:  # small ones cannot hurt
        raise InputError(file=source, message=f"workbook unpacks {unpacked // packed} times its size "
                         f"({unpacked // (1024 * 1024)} MB), over the limit of {limits.workbook_ratio} times; "
                         f"{limit_hint('workbook_ratio')}",
                         message_zh=f"工作簿解压后是压缩大小的 {unpacked // packed} 倍（{unpacked // (1024 * 1024)} MB），"
                                    f"超过 {limits.workbook_ratio} 倍的上限（疑似压缩炸弹）：请检查文件来源；"
                                    f"{limit_hint_zh('workbook_ratio')}")
    if unpacked > limits.workbook_unpacked_bytes:
        raise InputError(file=source, message=f"workbook unpacks to {unpacked // (1024 * 1024)} MB, over the limit of "
                         f"{limits.workbook_unpacked_bytes // (1024 * 1024)} MB; {limit_hint('workbook_unpacked_bytes')}",
                         message_zh=f"工作簿解压后有 {unpacked // (1024 * 1024)} MB，超过 "
                                    f"{limits.workbook_unpacked_bytes // (1024 * 1024)} MB 的上限：请删除多余的工作表或行，"
                                    f"或分成几个工作簿；{limit_hint_zh('workbook_unpacked_bytes')}")


def read_xlsx_sheets(path: str | Path) -> dict[str, RawTable]:
    """Read every worksheet of an .xlsx workbook as strings, keyed by sheet name.

    Formulas give their cached values; dates come back as ISO text ("2025-03-31 00:00:00"), whole numbers
    without ".0". The header is the first non-empty row; blank rows are skipped but counted. Sources are
    "<file>#<sheet>". The instructions sheet of a template (``INSTRUCTIONS_SHEET``) is not read. A workbook
    that cannot be opened or parsed raises InputError.
    """
    import openpyxl  # deferred: only workbook submissions pay for importing it
    import python_calamine

    path = Path(path)
    source = path.name
    if not path.exists():
        raise InputError(file=source, message="file does not exist or is not a file",
                         message_zh="文件不存在，或不是一个文件：请核对文件名")
    limits = current_limits()
    data = io.BytesIO(read_package_file(path, limits))
    _check_unpacked_size(source, data, limits)
    # openpyxl (read-only, lazy) for what the workbook says of its sheets: names, states, their XML parts;
    # calamine for the cells
    try:
        workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
        cells = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data.getvalue()))
    except Exception as error:  # zipfile, XML, openpyxl and calamine errors alike mean "not a usable workbook"
        raise _unreadable_workbook(source, error) from error
    try:
        tables: dict[str, RawTable] = {}
        for sheet in workbook.worksheets:
            if sheet.title.strip() == INSTRUCTIONS_SHEET:
                continue
            sheet_source = f"{source}#{sheet.title}"
            if sheet.sheet_state == "veryHidden":
                raise InputError(file=sheet_source, message="a very hidden sheet (not shown in Excel, not even under "
                                 "Unhide): delete it or make it visible, so that what is audited is what the office "
                                 "sees",
                                 message_zh="这是一张“深度隐藏”的工作表（在 Excel 中连“取消隐藏”都看不到）：请删除它或"
                                            "让它显示出来，使审核的内容就是机构看到的内容")
            try:
                _check_sheet_xml(sheet, sheet_source)
                with _bulk_allocation():
                    tables[sheet.title] = check_cell_sizes(_build_table(sheet_source, _sheet_records(cells, sheet.title)),
                                                           limits)
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

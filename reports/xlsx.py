"""A streaming XLSX writer for large, plain tables: header row frozen, autofilter, column widths, nothing else.

openpyxl builds an object and an XML element per cell (about 13 µs a cell even in write-only mode), which is
minutes for the millions of cells of a national audit; this writes each row straight into the zip as text.
Strings go to the shared-string table (the reports repeat labels, titles and hints on every row). A sheet
that would pass Excel's row limit continues on a sheet titled "<title> (2)", so no row is ever dropped.
"""

from __future__ import annotations

import itertools
import math
import numbers
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from .safety import neutralise

EXCEL_MAX_ROWS = 1_048_576
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


class StreamingWorkbook:
    """Sheets are written as they are added; close() adds the shared strings and the workbook parts.

    Every text cell is neutralised (reports/safety.py) here, so no caller can forget it.
    """

    def __init__(self, path, max_rows: int = EXCEL_MAX_ROWS):
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._max_rows = max_rows
        self._strings: dict[str, int] = {}  # shared-string table: neutralised text -> index
        # what follows `<c r="B7"` for a text (or None) value as submitted, so a repeated value costs one lookup
        self._cell_tail: dict[object, str] = {None: "/>", "": "/>"}
        self._sheets: list[tuple[str, str]] = []  # (title, autofilter range)

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add_sheet(self, title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
                  widths: Sequence[float]) -> None:
        """rows: cell values (str, int, float, bool or None), as many as the header has columns."""
        rows = iter(rows)
        part = 1
        while True:
            name = title if part == 1 else f"{title} ({part})"
            if self._write_sheet(name, header, rows, widths) < self._max_rows - 1:
                return
            following = next(rows, None)
            if following is None:
                return
            rows, part = itertools.chain([following], rows), part + 1

    def _write_sheet(self, title: str, header: Sequence[str], rows: Iterator[Sequence[object]],
                     widths: Sequence[float]) -> int:
        """Writes the header and up to max_rows - 1 rows; returns how many data rows it wrote."""
        number = len(self._sheets) + 1
        letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
        # one str.format per row: '<row r="{0}"><c r="A{0}"{1}<c r="B{0}"{2}...</row>'
        template = '<row r="{0}">' + "".join(f'<c r="{letter}{{0}}"{{{i}}}' for i, letter in enumerate(letters, 1))
        template += "</row>"
        tail, get = self._tail, self._cell_tail.get
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        written = 0
        with self._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as raw:
            out: list[str] = [
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>',
                template.format(1, *[tail(v) for v in header])]
            for row_number, row in zip(range(2, self._max_rows + 1), rows, strict=False):
                out.append(template.format(row_number, *[get(v) or tail(v) for v in row]))
                written += 1
                if written % 5000 == 0:
                    raw.write("".join(out).encode("utf-8"))
                    out.clear()
            last = f"{letters[-1]}{max(written + 1, 2)}"
            out.append(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')
            raw.write("".join(out).encode("utf-8"))
        self._sheets.append((title, f"$A$1:${letters[-1]}${max(written + 1, 2)}"))
        return written

    def _tail(self, value: object) -> str:
        """The rest of a cell after its reference, for a value the lookup in _cell_tail missed."""
        kind = value.__class__
        if kind is int:
            return f"><v>{value}</v></c>"
        if kind is float and math.isfinite(value):
            return f"><v>{value!r}</v></c>"
        if kind is bool:
            return f' t="b"><v>{int(value)}</v></c>'
        if isinstance(value, numbers.Real) and math.isfinite(value):
            return f"><v>{_number(value)}</v></c>"
        # text; NaN, infinities and anything else as text too, which Excel can hold
        text = neutralise(value if isinstance(value, str) else str(value))
        index = self._strings.setdefault(text, len(self._strings))
        cell = f' t="s"><v>{index}</v></c>'
        if isinstance(value, str):
            self._cell_tail[value] = cell
        return cell

    def close(self) -> None:
        zip_ = self._zip
        with zip_.open("xl/sharedStrings.xml", "w", force_zip64=True) as raw:
            raw.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
                      f'uniqueCount="{len(self._strings)}">'.encode())
            batch = []
            for text in self._strings:
                batch.append(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
                if len(batch) >= 5000:
                    raw.write("".join(batch).encode("utf-8"))
                    batch.clear()
            batch.append("</sst>")
            raw.write("".join(batch).encode("utf-8"))
        numbers = range(1, len(self._sheets) + 1)
        sheets = "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                         for n, (title, _) in zip(numbers, self._sheets, strict=True))
        names = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" hidden="1">'
                        f"{escape(_quoted(title))}!{ref}</definedName>"
                        for n, (title, ref) in zip(numbers, self._sheets, strict=True))
        zip_.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                      f'<sheets>{sheets}</sheets>{f"<definedNames>{names}</definedNames>" if names else ""}</workbook>')
        relations = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                            for n in numbers)
        last = len(self._sheets)
        zip_.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<Relationships xmlns="{_PKG_REL}">{relations}'
                      f'<Relationship Id="rId{last + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                      f'<Relationship Id="rId{last + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                      "</Relationships>")
        zip_.writestr("xl/styles.xml", _STYLES)
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
                            for n in numbers)
        zip_.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                      f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                      '<Default Extension="xml" ContentType="application/xml"/>'
                      f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
                      f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
                      f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
                      f"{overrides}</Types>")
        zip_.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
                      ' Target="xl/workbook.xml"/></Relationships>')
        zip_.close()


def _number(value: numbers.Real) -> str:
    """Numpy's numbers too, whose repr is not a plain number."""
    return repr(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"

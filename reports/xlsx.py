"""A streaming XLSX writer for large tables: header row styled and frozen, autofilter, column widths, per column a
format (wrapped text, percent, date), and drop-down lists on columns an office fills in.

openpyxl builds an object and an XML element per cell (about 13 µs a cell even in write-only mode), which is
minutes for the millions of cells of a national audit; this writes each row straight into the zip as text.
Strings go to the shared-string table (the reports repeat labels, titles and hints on every row). A sheet
that would pass Excel's row limit continues on a sheet titled "<title> (2)", so no row is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import numbers
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from .safety import mask_text, neutralise

EXCEL_MAX_ROWS = 1_048_576
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_THIN = '<left style="thin"><color rgb="FF9AA8B8"/></left><right style="thin"><color rgb="FF9AA8B8"/></right>' \
        '<top style="thin"><color rgb="FF9AA8B8"/></top><bottom style="thin"><color rgb="FF9AA8B8"/></bottom><diagonal/>'
_STYLES = (f'<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/>'
           '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
           '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="等线"/></font></fonts>'
           '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill><fill><patternFill patternType="solid"><fgColor rgb="FF2B5C8A"/><bgColor indexed="64"/></patternFill>'
           f'</fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
           f'<border>{_THIN}</border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"'
           ' applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
           '<alignment vertical="top" wrapText="1"/></xf>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
# a column's format: the index of its cell style in _STYLES (0: none; 1 is the header's)
FORMATS = {None: 0, "wrap": 2, "percent": 3, "date": 4}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


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
                  widths: Sequence[float], formats: Sequence[str | None] = (),
                  choices: dict[int, Sequence[str]] | None = None) -> None:
        """rows: cell values (str, int, float, bool, date or None), as many as the header has columns.
        formats: per column None, "wrap", "percent" or "date" (FORMATS); choices: column index -> the values a
        drop-down list on that column offers (an error alert refuses others)."""
        rows = iter(rows)
        part = 1
        while True:
            name = title if part == 1 else f"{title} ({part})"
            if self._write_sheet(name, header, rows, widths, formats, choices or {}) < self._max_rows - 1:
                return
            following = next(rows, None)
            if following is None:
                return
            rows, part = itertools.chain([following], rows), part + 1

    def _write_sheet(self, title: str, header: Sequence[str], rows: Iterator[Sequence[object]],
                     widths: Sequence[float], formats: Sequence[str | None], choices: dict[int, Sequence[str]]) -> int:
        """Writes the header and up to max_rows - 1 rows; returns how many data rows it wrote."""
        number = len(self._sheets) + 1
        letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
        styles = [FORMATS[formats[i] if i < len(formats) else None] for i in range(len(header))]
        styled = [f' s="{style}"' if style else "" for style in styles]
        # one str.format per row: '<row r="{0}"><c r="A{0}"{1}<c r="B{0}"{2}...</row>'
        template = '<row r="{0}">' + "".join(f'<c r="{letter}{{0}}"{style}{{{i}}}'
                                            for i, (letter, style) in enumerate(zip(letters, styled, strict=True), 1))
        template += "</row>"
        heading = '<row r="1">' + "".join(f'<c r="{letter}1" s="1"{{{i}}}' for i, letter in enumerate(letters)) + "</row>"
        tail, get = self._tail, self._cell_tail.get
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"{f" style={chr(34)}{st}{chr(34)}" if st else ""}/>'
                       for i, (w, st) in enumerate(zip(widths, styles, strict=False), 1))
        written = 0
        with self._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as raw:
            out: list[str] = [
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>',
                heading.format(*[tail(v) for v in header])]
            for row_number, row in zip(range(2, self._max_rows + 1), rows, strict=False):
                out.append(template.format(row_number, *[get(v) or tail(v) for v in row]))
                written += 1
                if written % 5000 == 0:
                    raw.write("".join(out).encode("utf-8"))
                    out.clear()
            last = f"{letters[-1]}{max(written + 1, 2)}"
            out.append(f'</sheetData><autoFilter ref="A1:{last}"/>{_validations(letters, choices, written)}</worksheet>')
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
        if isinstance(value, dt.date):  # a serial day number, shown by the column's date format
            day = value.date() if isinstance(value, dt.datetime) else value
            return f"><v>{(day - _EXCEL_EPOCH).days}</v></c>"
        # text; NaN, infinities and anything else as text too, which Excel can hold
        text = neutralise(mask_text(value if isinstance(value, str) else str(value)))
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


def _validations(letters: list[str], choices: dict[int, Sequence[str]], written: int) -> str:
    """A drop-down list per column of `choices`, with the error alert on (a value not in the list is refused),
    over the rows written and as many again below them, for rows an office adds."""
    if not choices:
        return ""
    last = max(written + 1, 2) * 2
    items = []
    for column, values in choices.items():
        listed = escape('"' + ",".join(values) + '"')
        items.append(f'<dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" '
                     f'errorStyle="stop" errorTitle="{escape("不在列表中")}" error="{escape("请从下拉列表中选择")}" '
                     f'sqref="{letters[column]}2:{letters[column]}{last}"><formula1>{listed}</formula1></dataValidation>')
    return f'<dataValidations count="{len(items)}">{"".join(items)}</dataValidations>'


def _number(value: numbers.Real) -> str:
    """Numpy's numbers too, whose repr is not a plain number."""
    return repr(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"

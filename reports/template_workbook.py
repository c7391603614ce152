"""The workbook an office fills in: the instructions sheet, then one sheet per table of its template plan.

Every data sheet is a table as the reader (engine/intake/filereader.py, engine/intake/package.py) takes it: the sheet is
named by the table, row 1 holds the accepted headers, nothing else is on the sheet. Help lives where the
reader does not look: notes on the headers, data validations, column formats and the 填报须知 sheet.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from westaudit.intake.filereader import INSTRUCTIONS_SHEET
from westaudit.intake.template_plan import SheetUse, TemplatePlan
from westaudit.intake.validation import DEFAULT_EARLIEST, DEFAULT_LATEST
from westaudit.spec.tables import ColumnSpec, TableSpec

from .safety import safe_cell
from .template_instructions import write_instructions
from .template_text import BOOL_LABELS, enum_labels, header_label, header_note, sheet_title, value_label

LAST_ROW = 1048576  # validations and formats reach the sheet's last row: no row limit for the office
# text columns keep what was typed: leading zeros, 18-digit ID numbers, codes that look like numbers
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "float": "0.00"}
TEXT_FORMAT = "@"
# header fills: blank not allowed / column required, blank allowed / optional column
HEADER_FILLS = {"no_blank": "F8CBAD", "required": "DDEBF7", "optional": "E7E6E6"}
_LIST_LIMIT = 255  # Excel refuses an inline list longer than this


def header_kind(spec: TableSpec, name: str, column: ColumnSpec) -> str:
    if not column.required:
        return "optional"
    return "no_blank" if (not column.nullable or name in spec.key) else "required"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_date(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _list_validation(labels: list[str], lang: str) -> DataValidation | None:
    formula = '"' + ",".join(labels) + '"'
    if len(formula) - 2 > _LIST_LIMIT:
        return None
    choices = "、".join(labels) if lang == "zh" else ", ".join(labels)
    return DataValidation(type="list", formula1=formula, allow_blank=True, errorStyle="stop",
                          errorTitle="取值不在列表中" if lang == "zh" else "Not in the list",
                          error=("请从下拉列表选择：" if lang == "zh" else "Pick one of: ") + choices)


def _reference_validation(sheet: str, letter: str, lang: str) -> DataValidation:
    # a warning, not a stop: the row it names may be added to the other sheet later
    return DataValidation(type="list", formula1=f"'{sheet}'!${letter}$2:${letter}${LAST_ROW}", allow_blank=True,
                          errorStyle="warning", errorTitle="编号未登记" if lang == "zh" else "Unknown id",
                          error=(f"此编号不在「{sheet}」表中，请先在该表补充。" if lang == "zh"
                                 else f"This id is not on the {sheet} sheet yet; add it there first."))


def _bounds_validation(kind: str, column: ColumnSpec, lang: str) -> DataValidation:
    if kind in ("date", "datetime"):
        low = _excel_date(column.min_date or DEFAULT_EARLIEST)
        high = _excel_date((column.max_date or DEFAULT_LATEST) + dt.timedelta(days=1 if kind == "datetime" else 0))
        kind = "date"
        message = "请填写日期，如 2025-03-31" if lang == "zh" else "A date, e.g. 2025-03-31"
    else:
        low = f"{column.min:g}" if column.min is not None else "-999999999"
        high = f"{column.max:g}" if column.max is not None else "999999999"
        kind = "whole" if kind == "int" else "decimal"
        message = (f"请填写{'整数' if kind == 'whole' else '数字'}（{low} 至 {high}）" if lang == "zh"
                   else f"A {'whole ' if kind == 'whole' else ''}number from {low} to {high}")
    return DataValidation(type=kind, operator="between", formula1=low, formula2=high, allow_blank=True,
                          errorStyle="warning", errorTitle="格式不符" if lang == "zh" else "Check the value",
                          error=message)


def _column_validation(name: str, column: ColumnSpec, titles: dict[str, str], letters: dict[tuple[str, str], str],
                       lang: str) -> DataValidation | None:
    if column.type == "enum":
        return _list_validation(enum_labels(column, lang), lang)
    if column.type == "bool":
        return _list_validation(list(BOOL_LABELS[lang]), lang)
    if column.type in ("office", "ref"):
        table, _, target = (column.ref or "offices.office_id").partition(".")
        if table not in titles:
            return None
        return _reference_validation(titles[table], letters[(table, target)], lang)
    if column.type in ("date", "datetime", "int", "float"):
        return _bounds_validation(column.type, column, lang)
    if column.type == "id_number":
        return DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True,
                              errorStyle="warning", errorTitle="身份证号码" if lang == "zh" else "ID number",
                              error="18 位身份证号码" if lang == "zh" else "18 characters")
    return None


def put_text_safely(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write a value; text starting with '=' stays text rather than becoming a formula."""
    cell = sheet.cell(row, column, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _header_cell(sheet: Worksheet, index: int, use: SheetUse, name: str, column: ColumnSpec, plan: TemplatePlan,
                 contract: dict[str, TableSpec], lang: str) -> None:
    cell = sheet.cell(1, index, header_label(name, column, lang))
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor=HEADER_FILLS[header_kind(use.table, name, column)])
    cell.alignment = Alignment(vertical="center")
    note = header_note(use.table, name, column, contract, plan.office.office_id, plan.year, lang)
    comment = Comment(note, "westaudit")
    comment.width = 360
    comment.height = 22 * (len(note.splitlines()) + sum(display_width(line) // 48 for line in note.splitlines()))
    cell.comment = comment


def _data_sheet(workbook: Workbook, use: SheetUse, plan: TemplatePlan, contract: dict[str, TableSpec],
                titles: dict[str, str], letters: dict[tuple[str, str], str], lang: str) -> None:
    sheet = workbook.create_sheet(titles[use.table.name])
    for index, (name, column) in enumerate(use.table.columns.items(), start=1):
        letter = get_column_letter(index)
        _header_cell(sheet, index, use, name, column, plan, contract, lang)
        widest = max(display_width(header_label(name, column, lang)),
                     *(display_width(label) for label in enum_labels(column, lang)), 10)
        sheet.column_dimensions[letter].width = min(widest + 4, 40)
        sheet.column_dimensions[letter].number_format = NUMBER_FORMATS.get(column.type, TEXT_FORMAT)
        validation = _column_validation(name, column, titles, letters, lang)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.freeze_panes = "A2"
    if use.table.name == "offices":
        _prefill_offices(sheet, use.table, plan, lang)


def _prefill_offices(sheet: Worksheet, spec: TableSpec, plan: TemplatePlan, lang: str) -> None:
    for row_number, office in enumerate(plan.offices, start=2):
        for index, (name, column) in enumerate(spec.columns.items(), start=1):
            put_text_safely(sheet, row_number, index, value_label(column, getattr(office, name, None), lang))
            sheet.cell(row_number, index).number_format = NUMBER_FORMATS.get(column.type, TEXT_FORMAT)


def write_template(plan: TemplatePlan, contract: dict[str, TableSpec], path: Path, lang: str = "zh") -> None:
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    titles = {use.table.name: sheet_title(use.table, lang) for use in plan.sheets}
    letters = {(use.table.name, name): get_column_letter(index) for use in plan.sheets
               for index, name in enumerate(use.table.columns, start=1)}
    for use in plan.sheets:
        _data_sheet(workbook, use, plan, contract, titles, letters, lang)
    write_instructions(instructions, plan, titles, lang)
    for sheet in workbook.worksheets:  # every text, whoever wrote it (names come from another office's package)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
    workbook.save(path)

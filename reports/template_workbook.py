"""The workbook an office fills in: the instructions sheet, then one sheet per table of its template plan.

Every data sheet is a table as the reader (engine/intake/filereader.py, engine/intake/package.py) takes it: the sheet is
named by the table, row 1 holds the accepted headers, nothing else is on the sheet. Help lives where the
reader does not look: notes on the headers, data validations, column formats and the 填报须知 sheet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from westaudit.intake.contract import DEFAULT_EARLIEST, DEFAULT_LATEST
from westaudit.intake.filereader import INSTRUCTIONS_SHEET
from westaudit.intake.template_plan import SheetUse, TemplatePlan
from westaudit.spec.tables import ColumnSpec, TableSpec

from .safety import safe_cell
from .template_instructions import write_instructions
from .template_text import (
    BOOL_LABELS,
    display_width,
    enum_labels,
    header_label,
    header_note,
    sheet_title,
    value_label,
)

LAST_ROW = 1048576  # validations and formats reach the sheet's last row: no row limit for the office
# text columns keep what was typed: leading zeros, 18-digit ID numbers, codes that look like numbers
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "float": "0.00"}
TEXT_FORMAT = "@"
# header fills: blank not allowed / column required, blank allowed / optional column
HEADER_FILLS = {"no_blank": "F8CBAD", "required": "DDEBF7", "optional": "E7E6E6"}
BLANK_REQUIRED_FILL = "FFC7CE"  # the light red office suites use for "bad"
_LIST_LIMIT = 255  # Excel refuses an inline list longer than this


def header_kind(spec: TableSpec, name: str, column: ColumnSpec) -> str:
    if not column.required:
        return "optional"
    return "no_blank" if (not column.nullable or name in spec.key) else "required"


def _excel_date(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _validation(kind: str, style: str, title: str, error: str, **formulas: str) -> DataValidation:
    """Alerts on: Excel, WPS and LibreOffice refuse (stop) or question (warning) a value the reader would reject;
    openpyxl's default writes them with the alert off, which lets any value through silently."""
    return DataValidation(type=kind, allow_blank=True, showErrorMessage=True, errorStyle=style,
                          errorTitle=title, error=error, **formulas)


def _list_validation(labels: list[str], lang: str) -> DataValidation | None:
    formula = '"' + ",".join(labels) + '"'
    if len(formula) - 2 > _LIST_LIMIT:
        return None
    choices = "、".join(labels) if lang == "zh" else ", ".join(labels)
    # a stop: a code outside the list is a rejected row, whatever the office meant by it
    return _validation("list", "stop", "取值不在列表中" if lang == "zh" else "Not in the list",
                       (f"请从下拉列表中选择一项：{choices}" if lang == "zh" else f"Pick one of the list: {choices}"),
                       formula1=formula)


def _reference_validation(sheet: str, letter: str, lang: str) -> DataValidation:
    # a warning, not a stop: the row it names may be added to the other sheet later
    return _validation("list", "warning", "编号未登记" if lang == "zh" else "Unknown id",
                       (f"此编号还不在「{sheet}」表中。若是新的机构或记录，请到「{sheet}」表补一行；"
                        "若是输错了，请改正。" if lang == "zh"
                        else f"This id is not on the {sheet} sheet yet: add its row there, or correct a typo."),
                       formula1=f"'{sheet}'!${letter}$2:${letter}${LAST_ROW}")


def _bounds_validation(kind: str, column: ColumnSpec, lang: str) -> DataValidation:
    if kind in ("date", "datetime"):
        earliest, latest = column.min_date or DEFAULT_EARLIEST, column.max_date or DEFAULT_LATEST
        low = _excel_date(earliest)
        high = _excel_date(latest + dt.timedelta(days=1 if kind == "datetime" else 0))
        message = (f"请填写 {earliest} 至 {latest} 之间的日期，如 2025-03-31（也可写 2025/3/31、2025年3月31日）"
                   if lang == "zh" else f"A date from {earliest} to {latest}, e.g. 2025-03-31")
        return _validation("date", "stop", "不是有效日期" if lang == "zh" else "Not a date", message,
                           operator="between", formula1=low, formula2=high)
    low = f"{column.min:g}" if column.min is not None else "-999999999"
    high = f"{column.max:g}" if column.max is not None else "999999999"
    whole = kind == "int"
    bounded = column.min is not None or column.max is not None
    if lang == "zh":
        message = (f"请只填{'整数' if whole else '数字'}" + (f"（{low} 至 {high}）" if bounded else "")
                   + "，不带单位和千位分隔符")
    else:
        message = (f"A {'whole ' if whole else ''}number" + (f" from {low} to {high}" if bounded else "")
                   + ", with no unit")
    return _validation("whole" if whole else "decimal", "stop", "数值不符" if lang == "zh" else "Not a number",
                       message, operator="between", formula1=low, formula2=high)


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
        # a warning: the office holds the card, and the reader names any number it cannot accept
        return _validation("textLength", "warning", "身份证号码位数不对" if lang == "zh" else "ID number length",
                           ("公民身份号码应为 18 位（末位可以是 X）。请对照身份证核对；确认无误可继续。" if lang == "zh"
                            else "A resident ID number has 18 characters (the last may be X): check it "
                                 "against the card."),
                           operator="equal", formula1="18")
    return None


def _blank_required_format(sheet: Worksheet, letter: str, last_letter: str) -> None:
    """A required cell left blank in a row that has something in it turns red, before the reader says so."""
    rule = FormulaRule(formula=[f"AND(COUNTA($A2:${last_letter}2)>0,LEN(TRIM({letter}2))=0)"],
                       fill=PatternFill(bgColor=BLANK_REQUIRED_FILL), stopIfTrue=False)
    sheet.conditional_formatting.add(f"{letter}2:{letter}{LAST_ROW}", rule)


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
    note = header_note(use.table, name, column, contract, plan, lang)
    comment = Comment(note, "westaudit")
    comment.width = 360
    comment.height = 22 * (len(note.splitlines()) + sum(display_width(line) // 48 for line in note.splitlines()))
    cell.comment = comment


def _data_sheet(workbook: Workbook, use: SheetUse, plan: TemplatePlan, contract: dict[str, TableSpec],
                titles: dict[str, str], letters: dict[tuple[str, str], str], lang: str) -> None:
    sheet = workbook.create_sheet(titles[use.table.name])
    last_letter = get_column_letter(len(use.table.columns))
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
        if header_kind(use.table, name, column) == "no_blank":
            _blank_required_format(sheet, letter, last_letter)
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

"""A rectification list read back: findings.xlsx after an office filled in who puts each finding right, by when,
how far it has got and what it says about it (整改责任人, 整改期限, 整改状态, 说明).

Read like any other input: every sheet of findings is looked at, a row is matched to its finding by office and
rule, and a value that cannot be used stops the reading with the file, sheet, row, column and value named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from westaudit.core.errors import InputError

OFFICE, RULE = "机构编号", "规则编号"
OWNER, DEADLINE, STATE, NOTE = "整改责任人", "整改期限", "整改状态", "说明"
RECTIFICATION_COLUMNS = (OWNER, DEADLINE, STATE, NOTE)
# the states an office may choose (the drop-down list of findings.xlsx); blank: not filled in yet
STATES = ("未整改", "整改中", "已整改", "暂不整改")
STATES_EN = {"未整改": "not started", "整改中": "in progress", "已整改": "done", "暂不整改": "not to be fixed"}


@dataclass(frozen=True)
class RectificationEntry:
    office_id: str
    rule_id: str
    owner: str
    deadline: dt.date | None
    state: str
    note: str
    source: str  # file, sheet and row it was read from

    @property
    def filled(self) -> bool:
        return bool(self.owner or self.deadline or self.state or self.note)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _date(value: object, where: str, row: int) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for shape in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, shape).date()
        except ValueError:
            continue
    raise InputError(where, "整改期限不是日期（应为 2025-12-31 或 2025年12月31日） / the deadline is not a date",
                     row=row, column=DEADLINE, value=text)


def read_rectification(path: Path) -> dict[tuple[str, str], RectificationEntry]:
    """(office, rule) -> what the office wrote about that finding; rows left blank are left out."""
    from openpyxl import load_workbook  # only when a list is given

    if not path.is_file():
        raise InputError(str(path), "整改清单文件不存在 / the rectification list does not exist")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(str(path), f"无法作为 xlsx 工作簿读取 / not readable as an xlsx workbook: {error}") from None
    entries: dict[tuple[str, str], RectificationEntry] = {}
    sheets_with_findings = 0
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [_text(cell) for cell in next(rows, ())]
            if OFFICE not in header or RULE not in header or not set(RECTIFICATION_COLUMNS) & set(header):
                continue  # the evidence and office sheets, or anything an office added
            sheets_with_findings += 1
            where = f"{path}「{sheet.title}」"
            missing = [name for name in RECTIFICATION_COLUMNS if name not in header]
            if missing:
                raise InputError(where, "缺少整改列 / rectification columns missing: " + "、".join(missing), row=1)
            column = {name: header.index(name) for name in (OFFICE, RULE, *RECTIFICATION_COLUMNS)}
            for number, values in enumerate(rows, start=2):
                cells = list(values) + [None] * (len(header) - len(values))
                office, rule = _text(cells[column[OFFICE]]), _text(cells[column[RULE]])
                state = _text(cells[column[STATE]])
                entry = RectificationEntry(office, rule, _text(cells[column[OWNER]]),
                                           _date(cells[column[DEADLINE]], where, number), state,
                                           _text(cells[column[NOTE]]), f"{where}:{number}")
                if not entry.filled:
                    continue
                if not office or not rule:
                    raise InputError(where, "已填整改情况的行须有机构编号和规则编号 / a filled row needs its office "
                                     "and rule", row=number, column=OFFICE if not office else RULE)
                if state and state not in STATES:
                    raise InputError(where, f"整改状态应为{'、'.join(STATES)}之一 / the state must be one of the "
                                     "listed states", row=number, column=STATE, value=state)
                if (office, rule) in entries:
                    raise InputError(where, f"同一问题填了两行（另见 {entries[office, rule].source}） / the same "
                                     "finding is filled in twice", row=number, column=RULE, value=rule)
                entries[office, rule] = entry
    finally:
        workbook.close()
    if not sheets_with_findings:
        raise InputError(str(path), f"没有含“{OFFICE}”“{RULE}”列的工作表：不是整改清单 / no sheet of findings: "
                         "not a rectification list")
    return entries

"""Remediation as the check kinds write it: the sheet to open by its Chinese title (the data contract), the rows
to correct by their source row or the row to add with what to enter in it, and the date the duty is due by.

A kind calls these with its own parameters and its evidence; nothing here knows a rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from westaudit.core.columns import SOURCE_ROW
from westaudit.core.offices import OFFICE_CODES_ZH
from westaudit.core.results import Remediation

if TYPE_CHECKING:
    import pandas as pd

    from westaudit.evaluate.context import EvalContext

# the rows a text names; the rest are counted ("等 12 行") and all are in Remediation.rows
ROWS_NAMED = 5

OFFICE_CODES_EN = {
    "national": "the national office", "recruit_province": "the recruiting province",
    "service_province": "the serving province", "service_prefecture": "the serving prefecture",
    "service_county": "the serving county", "university": "the university", "service_unit": "the service unit",
}


def sheet(ctx: EvalContext, table: str) -> tuple[str, str]:
    spec = ctx.contract.get(table)
    return (spec.title_zh, spec.title_en) if spec else (table, table)


def column(ctx: EvalContext, table: str, name: str) -> tuple[str, str]:
    """A column by the Chinese header offices write, and by its name in English."""
    spec = ctx.contract.get(table)
    found = spec.columns.get(name) if spec else None
    return (found.zh if found else name), name.replace("_", " ")


def code(ctx: EvalContext, table: str, name: str, value: object) -> tuple[str, str]:
    """A code as an office types it (the first Chinese label of the contract), and the code itself in English."""
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    spec = ctx.contract.get(table)
    found = spec.columns.get(name) if spec else None
    labels = (found.values or {}).get(str(value), ()) if found else ()
    return (labels[0] if labels else str(value)), str(value)


def office_code(role: str) -> tuple[str, str]:
    return OFFICE_CODES_ZH.get(role, role), OFFICE_CODES_EN.get(role, role)


def source_rows(rows: pd.DataFrame | None) -> tuple[int, ...]:
    if rows is None or SOURCE_ROW not in rows.columns:
        return ()
    return tuple(sorted(int(r) for r in rows[SOURCE_ROW].dropna().unique()))


def rows_text(rows: tuple[int, ...]) -> tuple[str, str]:
    named = rows[:ROWS_NAMED]
    zh = "第 " + "、".join(map(str, named)) + " 行" + (f"等 {len(rows)} 行" if len(rows) > len(named) else "")
    en = ("row " if len(rows) == 1 else "rows ") + ", ".join(map(str, named)) + (
        f" ({len(rows)} in all)" if len(rows) > len(named) else "")
    return zh, en


def _due_text(due: str | None) -> tuple[str, str]:
    return (f"，不晚于 {due}", f", by {due}") if due else ("", "")


def add_row(ctx: EvalContext, table: str, fill: Iterable[tuple[str, tuple[str, str]]], due: str | None = None,
            note: tuple[str, str] = ("", "")) -> Remediation:
    """补一行: the row to add, column by column (the column's contract name, the value in both languages)."""
    title_zh, title_en = sheet(ctx, table)
    pairs = [(column(ctx, table, name), value) for name, value in fill]
    what_zh = "，".join(f"{col_zh} {value_zh}" for (col_zh, _), (value_zh, _) in pairs)
    what_en = ", ".join(f"{col_en} {value_en}" for (_, col_en), (_, value_en) in pairs)
    due_zh, due_en = _due_text(due)
    return Remediation("add", table, f"在「{title_zh}」表补一行：{what_zh}{due_zh}{note[0]}",
                       f"Add a row to the sheet \"{title_en}\": {what_en}{due_en}{note[1]}", (), due)


def correct_rows(ctx: EvalContext, table: str, rows: tuple[int, ...], what: tuple[str, str],
                 due: str | None = None) -> Remediation:
    """更正: the rows to correct by their source row, and what to correct in them."""
    title_zh, title_en = sheet(ctx, table)
    named_zh, named_en = rows_text(rows) if rows else ("所列各行", "the rows listed")
    return Remediation("correct", table, f"在「{title_zh}」表更正{named_zh}：{what[0]}",
                       f"In the sheet \"{title_en}\", correct {named_en}: {what[1]}", rows, due)


def complete_for(ctx: EvalContext, table: str, member_table: str, rows: tuple[int, ...], what: tuple[str, str],
                 due: str | None = None) -> Remediation:
    """补齐: records to add in `table` for members listed (by their rows) in `member_table`."""
    title_zh, title_en = sheet(ctx, table)
    member_zh, member_en = sheet(ctx, member_table)
    named_zh, named_en = rows_text(rows) if rows else ("所列各行", "the rows listed")
    return Remediation("complete", table,
                       f"在「{title_zh}」表为「{member_zh}」表{named_zh}所列对象补登记录：{what[0]}",
                       f"In the sheet \"{title_en}\", add records for {named_en} of \"{member_en}\": {what[1]}",
                       rows, due)

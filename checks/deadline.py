"""deadline: every record of the audit year carries its date, on or before a dated deadline parameter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, ParamName, Params
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.context import EvalContext
from westaudit.results import Status


class DeadlineParams(Params):
    records: RowSelector
    date_column: str
    due: ParamName
    when_none: Literal["not_applicable", "fail", "insufficient_data"] = "not_applicable"


@register("deadline")
class DeadlineCheck(CheckKind):
    Params = DeadlineParams
    summary_zh = "时限：本年度记录均在规定日期前完成"

    def column_refs(self) -> Iterator[ColumnRef]:
        yield from self.params.records.column_refs("records")
        yield ColumnRef(self.params.records.table, self.params.date_column, "date_column")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        due = ctx.deadline(p.due)
        records = p.records.select(ctx)
        records = records[records[OFFICE].isin(offices)]
        dates = records[p.date_column]
        late = records[dates.isna() | (dates > due)]
        late = late.assign(_reason=late[p.date_column].map(
            lambda d: "未填日期 no date" if d != d else f"晚于 {due.date()} late"))
        totals = records.groupby(OFFICE).size()
        late_counts = late.groupby(OFFICE).size()
        expected = f"<= {due.date()}"
        outcomes = []
        for office in offices:
            total = int(totals.get(office, 0))
            if total == 0:
                outcomes.append(OfficeOutcome(office, Status(p.when_none), 0, expected,
                                              "本年度无相关记录", "no records in the audit year"))
                continue
            overdue = int(late_counts.get(office, 0))
            outcomes.append(OfficeOutcome(
                office, Status.FAIL if overdue else Status.PASS, f"{total - overdue}/{total}", expected,
                f"{total} 条记录中 {overdue} 条逾期或未填日期（截止 {due.date()}）",
                f"{overdue} of {total} records late or undated (due {due.date()})",
                late[late[OFFICE] == office] if overdue else None, p.records.table,
            ))
        return outcomes

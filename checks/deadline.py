"""deadline: every record carries its date, on or before its due date.

The due date is one of: a month-day parameter in the audit year (`due`), the row's own due column
(`due_column`), or a limit after another of the row's dates (`within`: days or hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import model_validator

from westaudit.checks import remedy
from westaudit.checks.base import (
    CheckKind,
    ColumnRef,
    OfficeOutcome,
    ParamName,
    Params,
    Threshold,
    parameters_used,
)
from westaudit.checks.registry import register
from westaudit.checks.row_outcomes import RowWording, outcomes_by_rows
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.core.results import Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class Within(Params):
    start_column: str
    limit: Threshold
    unit: Literal["days", "hours"]


class DeadlineParams(Params):
    records: RowSelector
    date_column: str
    due: ParamName | None = None
    due_column: str | None = None
    within: Within | None = None
    when_none: Literal["not_applicable", "fail", "insufficient_data"] = "not_applicable"

    @model_validator(mode="after")
    def _one_due(self) -> DeadlineParams:
        if sum(x is not None for x in (self.due, self.due_column, self.within)) != 1:
            raise ValueError("give exactly one of due, due_column, within")
        return self


@register("deadline")
class DeadlineCheck(CheckKind):
    Params = DeadlineParams
    summary_zh = "时限：记录均在规定时限内完成"
    fails_row_by_row = True

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.records.column_refs("records")
        yield ColumnRef(p.records.table, p.date_column, "date_column")
        if p.due_column:
            yield ColumnRef(p.records.table, p.due_column, "due_column")
        if p.within:
            yield ColumnRef(p.records.table, p.within.start_column, "within.start_column")

    def _due(self, ctx: EvalContext, records: pd.DataFrame) -> tuple[pd.Series, tuple[str, str], str | float | None]:
        """Each record's due time, the expectation in words, and as a value: the due date (YYYY-MM-DD), the
        limit in days or hours, or None when each row carries its own due date."""
        p = self.params
        if p.due:
            due = ctx.deadline(p.due)
            return pd.Series(due, index=records.index), (f"不晚于 {due.date()}", f"by {due.date()}"), \
                due.date().isoformat()
        table = p.records.table
        if p.due_column:
            due_zh, due_en = remedy.column(ctx, table, p.due_column)
            return records[p.due_column], (f"不晚于{due_zh}", f"by its {due_en}"), None
        limit = float(ctx.resolve(p.within.limit))
        step = pd.Timedelta(days=limit) if p.within.unit == "days" else pd.Timedelta(hours=limit)
        start_zh, start_en = remedy.column(ctx, table, p.within.start_column)
        unit_zh = "天" if p.within.unit == "days" else "小时"
        return (records[p.within.start_column] + step,
                (f"{start_zh}后 {limit:g} {unit_zh}内", f"within {limit:g} {p.within.unit} of {start_en}"), limit)

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        records = p.records.select(ctx)
        records = records[records[OFFICE].isin(offices)]
        due, (expected, expected_en), threshold = self._due(ctx, records)
        done = records[p.date_column]
        late_mask = done.isna() | (done > due).fillna(False).astype(bool)
        pairs = list(zip(done[late_mask], due[late_mask], strict=True))
        late = records[late_mask].assign(_reason=[
            "未完成或未填日期" if pd.isna(d) else f"逾期：{d:%Y-%m-%d %H:%M}，时限 {limit:%Y-%m-%d %H:%M}" for d, limit in pairs
        ], _reason_en=[
            "not done or undated" if pd.isna(d) else f"late: {d:%Y-%m-%d %H:%M}, due {limit:%Y-%m-%d %H:%M}"
            for d, limit in pairs])
        return outcomes_by_rows(offices, records, late, expected, p.records.table, Status(p.when_none),
                                RowWording("{total} 条记录中 {bad} 条逾期或未完成", "{bad} of {total} records late or not done",
                                           "本年度无相关记录", "no records in the audit year"),
                                threshold, parameters_used(ctx, p.due, p.within.limit if p.within else None),
                                lambda rows: self._remedy(ctx, rows), expected_en)

    def _remedy(self, ctx: EvalContext, rows: pd.DataFrame) -> Remediation:
        """The late or undated rows: their date within the limit the rule sets, or why not."""
        p, table = self.params, self.params.records.table
        date_zh, date_en = remedy.column(ctx, table, p.date_column)
        due = None
        if p.due:
            due = ctx.deadline(p.due).date().isoformat()
            limit_zh, limit_en = due, due
        elif p.due_column:
            limit_zh, limit_en = remedy.column(ctx, table, p.due_column)
        else:
            start_zh, start_en = remedy.column(ctx, table, p.within.start_column)
            amount = f"{float(ctx.resolve(p.within.limit)):g}"
            limit_zh = f"{start_zh}后 {amount} {'天' if p.within.unit == 'days' else '小时'}"
            limit_en = f"{amount} {p.within.unit} after {start_en}"
        return remedy.correct_rows(ctx, table, remedy.source_rows(rows), (
            f"未完成的办结后填写{date_zh}（应不晚于{limit_zh}）；已逾期的在说明中写明原因",
            f"fill in {date_en} once done (due by {limit_en}); for those done late, say why"), due)

"""monthly: every member gets a record for each month of the audit year they were active (a living
subsidy, say), dated no later than a given day of that month.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params, Threshold
from westaudit.checks.office_rows import OfficeRows
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.context import EvalContext
from westaudit.results import Status


class MonthlyParams(Params):
    members: RowSelector
    member_key: str
    start_column: str
    end_column: str
    records: RowSelector
    record_key: str
    month_column: str
    paid_column: str
    due_day: Threshold


def _month_number(dates: pd.Series) -> pd.Series:
    """Months since year 0 (NaN for no date): whole columns at once, no Period objects per row."""
    dates = pd.to_datetime(dates)
    return dates.dt.year * 12 + dates.dt.month - 1


def _months_due(members: pd.DataFrame, p: MonthlyParams, ctx: EvalContext) -> pd.DataFrame:
    """One row per (member, month) of the member's active period within the audit year."""
    first = _month_number(pd.to_datetime(members[p.start_column]).clip(lower=ctx.year_start))
    last = _month_number(pd.to_datetime(members[p.end_column]).clip(upper=ctx.year_end))
    spans = (last - first + 1).fillna(0).clip(lower=0).astype(int)
    repeated = members.loc[members.index.repeat(spans), [p.member_key, OFFICE]]
    step = repeated.groupby(level=0).cumcount().to_numpy()
    month = first.loc[repeated.index].to_numpy(dtype="int64", na_value=0) + step
    # Period ordinals count months from January 1970
    repeated["_month"] = pd.PeriodIndex.from_ordinals(month - 1970 * 12, freq="M")
    return repeated.reset_index()


@register("monthly")
class MonthlyCheck(CheckKind):
    Params = MonthlyParams
    summary_zh = "按月：每人每月按时发放"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.members.column_refs("members")
        for field in ("member_key", "start_column", "end_column"):
            yield ColumnRef(p.members.table, getattr(p, field), field)
        yield from p.records.column_refs("records")
        for field in ("record_key", "month_column", "paid_column"):
            yield ColumnRef(p.records.table, getattr(p, field), field)

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        due_day = int(ctx.resolve(p.due_day))
        members = p.members.select(ctx)
        members = members[members[OFFICE].isin(offices)]
        due = _months_due(members, p, ctx)
        records = p.records.select(ctx)
        paid = pd.DataFrame({p.member_key: records[p.record_key], "_month": records[p.month_column].dt.to_period("M"),
                             "_paid": records[p.paid_column]})
        paid = paid.sort_values("_paid").drop_duplicates([p.member_key, "_month"])
        joined = due.merge(paid, on=[p.member_key, "_month"], how="left")
        deadline = joined["_month"].dt.to_timestamp() + pd.Timedelta(days=due_day - 1)
        missing = joined["_paid"].isna()
        late = ~missing & (joined["_paid"] > deadline)
        joined["_problem"] = ""
        joined.loc[missing, "_problem"] = joined.loc[missing, "_month"].astype(str) + " 未发放 unpaid"
        joined.loc[late, "_problem"] = (joined.loc[late, "_month"].astype(str) + " 逾期 late "
                                        + joined.loc[late, "_paid"].dt.strftime("%Y-%m-%d"))
        problems = joined[joined["_problem"] != ""].groupby("index")["_problem"].agg("; ".join)
        flagged = members.loc[problems.index].assign(_reason=problems)
        expected_counts = joined.groupby(OFFICE).size().to_dict()
        bad_counts = joined[joined["_problem"] != ""].groupby(OFFICE).size().to_dict()
        flagged_by_office = OfficeRows(flagged)
        expected = f"每月 {due_day} 日前发放 by day {due_day}"
        outcomes = []
        for office in offices:
            total = int(expected_counts.get(office, 0))
            if total == 0:
                outcomes.append(OfficeOutcome(office, Status.NOT_APPLICABLE, 0, expected, "无应发月份", "no months due"))
                continue
            bad = int(bad_counts.get(office, 0))
            outcomes.append(OfficeOutcome(
                office, Status.FAIL if bad else Status.PASS, f"{total - bad}/{total}", expected,
                f"应发 {total} 人月，{bad} 人月未发或逾期", f"{bad} of {total} member-months unpaid or late",
                flagged_by_office.of(office) if bad else None, p.members.table))
        return outcomes

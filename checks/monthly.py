"""monthly: every member gets a record for each month of the audit year they were active (a living
subsidy, say), dated no later than a given day of that month; the month they start in counts that day from their
start, and a member who left early (a departure record before the period's end) is due only the months served.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params, Threshold, parameters_used
from westaudit.checks.office_rows import OfficeRows
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.core.results import Counts, Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class EndedBy(Params):
    """Records that end a member's period early, such as departures: the earliest date per member counts."""

    table: str
    key: str
    column: str


class MonthlyParams(Params):
    members: RowSelector
    member_key: str
    start_column: str
    end_column: str
    ended_by: EndedBy | None = None
    records: RowSelector
    record_key: str
    month_column: str
    paid_column: str
    due_day: Threshold


def _month_number(dates: pd.Series) -> pd.Series:
    """Months since year 0 (NaN for no date): whole columns at once, no Period objects per row."""
    dates = pd.to_datetime(dates)
    return dates.dt.year * 12 + dates.dt.month - 1


def _period_ends(members: pd.DataFrame, p: MonthlyParams, ctx: EvalContext) -> pd.Series:
    """Each member's last day: the end column, or an earlier record ending the period (a departure) after the start."""
    ends = pd.to_datetime(members[p.end_column])
    if p.ended_by is None:
        return ends
    rows = ctx.tables[p.ended_by.table]
    earliest = pd.to_datetime(rows[p.ended_by.column]).groupby(rows[p.ended_by.key].astype("string")).min()
    ended = pd.to_datetime(members[p.member_key].astype("string").map(earliest))
    earlier = _true(ended < ends) & _true(ended >= pd.to_datetime(members[p.start_column]))
    return ends.mask(earlier, ended)


def _true(mask: pd.Series) -> pd.Series:
    return mask.fillna(False).astype(bool)


def _months_due(members: pd.DataFrame, p: MonthlyParams, ctx: EvalContext) -> pd.DataFrame:
    """One row per (member, month) of the member's active period within the audit year, with the member's start."""
    starts = pd.to_datetime(members[p.start_column])
    first = _month_number(starts.clip(lower=ctx.year_start))
    last = _month_number(_period_ends(members, p, ctx).clip(upper=ctx.year_end))
    spans = (last - first + 1).fillna(0).clip(lower=0).astype(int)
    repeated = members.loc[members.index.repeat(spans), [p.member_key, OFFICE]]
    step = repeated.groupby(level=0).cumcount().to_numpy()
    repeated["_month_no"] = (first.loc[repeated.index].to_numpy(dtype="int64", na_value=0) + step).astype("float64")
    repeated["_start"] = starts.loc[repeated.index].dt.normalize()
    return repeated.reset_index()


def _month_label(month_numbers: pd.Series) -> pd.Series:
    """'2025-03' for each month number; Period ordinals count months from January 1970."""
    ordinals = month_numbers.to_numpy(dtype="int64") - 1970 * 12
    return pd.Series(pd.PeriodIndex.from_ordinals(ordinals, freq="M").astype(str), index=month_numbers.index)


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
        if p.ended_by:
            yield ColumnRef(p.ended_by.table, p.ended_by.key, "ended_by.key")
            yield ColumnRef(p.ended_by.table, p.ended_by.column, "ended_by.column")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        due_day = int(ctx.resolve(p.due_day))
        members = p.members.select(ctx)
        members = members[members[OFFICE].isin(offices)]
        due = _months_due(members, p, ctx)
        records = p.records.select(ctx)
        # months as numbers, not Periods: pandas boxes every Period when deduplicating (3.7 s at national scale)
        paid = pd.DataFrame({p.member_key: records[p.record_key],
                             "_month_no": _month_number(records[p.month_column]).astype("float64"),
                             "_paid": records[p.paid_column]})
        paid = paid.sort_values("_paid").drop_duplicates([p.member_key, "_month_no"])
        joined = due.merge(paid, on=[p.member_key, "_month_no"], how="left")
        month_no = joined["_month_no"].astype("int64")
        month_start = pd.to_datetime(pd.DataFrame({"year": month_no // 12, "month": month_no % 12 + 1, "day": 1}))
        # the month of arrival is due that many days from the start: pay day 15 of a start on the 20th is 3 weeks on
        deadline = month_start.where(month_start >= joined["_start"], joined["_start"]) + pd.Timedelta(days=due_day - 1)
        missing = joined["_paid"].isna()
        late = ~missing & (joined["_paid"] > deadline)
        joined["_problem"] = joined["_problem_en"] = ""
        missing_month, late_month = _month_label(joined.loc[missing, "_month_no"]), _month_label(joined.loc[late, "_month_no"])
        paid_on = joined.loc[late, "_paid"].dt.strftime("%Y-%m-%d")
        joined.loc[missing, "_problem"] = missing_month + " 未发放"
        joined.loc[missing, "_problem_en"] = missing_month + " unpaid"
        joined.loc[late, "_problem"] = late_month + " 逾期，" + paid_on + " 发放"
        joined.loc[late, "_problem_en"] = late_month + " paid late, on " + paid_on
        flagged_months = joined[joined["_problem"] != ""].groupby("index")
        problems = flagged_months["_problem"].agg("；".join)
        flagged = members.loc[problems.index].assign(_reason=problems,
                                                    _reason_en=flagged_months["_problem_en"].agg("; ".join))
        expected_counts = joined.groupby(OFFICE).size().to_dict()
        bad_counts = joined[joined["_problem"] != ""].groupby(OFFICE).size().to_dict()
        flagged_by_office = OfficeRows(flagged)
        expected = f"每月 {due_day} 日前发放（到岗当月自到岗日起第 {due_day} 日前）"
        expected_en = f"paid by day {due_day} of each month (the month of arrival: by day {due_day} from arrival)"
        used = parameters_used(ctx, p.due_day)
        outcomes = []
        for office in offices:
            total = int(expected_counts.get(office, 0))
            if total == 0:
                outcomes.append(OfficeOutcome(office, Status.NOT_APPLICABLE, 0, expected, "无应发月份", "no months due",
                                              threshold=due_day, parameters=used, counts=Counts(0, 0),
                                              expected_en=expected_en))
                continue
            bad = int(bad_counts.get(office, 0))
            outcomes.append(OfficeOutcome(
                office, Status.FAIL if bad else Status.PASS, f"{total - bad}/{total}", expected,
                f"应发 {total} 人月，{bad} 人月未发或逾期", f"{bad} of {total} member-months unpaid or late",
                flagged_by_office.of(office) if bad else None, p.members.table,
                threshold=due_day, parameters=used, counts=Counts(total - bad, total),
                remediation=self._remedy(ctx, flagged_by_office.of(office), due_day) if bad else None,
                expected_en=expected_en))
        return outcomes

    def _remedy(self, ctx: EvalContext, flagged, due_day: int) -> Remediation:
        """The members with months unpaid or late: a payment row per month in the records sheet."""
        p = self.params
        month_zh, month_en = remedy.column(ctx, p.records.table, p.month_column)
        paid_zh, paid_en = remedy.column(ctx, p.records.table, p.paid_column)
        return remedy.complete_for(ctx, p.records.table, p.members.table, remedy.source_rows(flagged), (
            f"每人每个未发月份补一行（{month_zh}、{paid_zh}），每月 {due_day} 日前发放；逾期的写明原因",
            f"a row per member and month unpaid ({month_en}, {paid_en}), paid by day {due_day} of the month; "
            "say why for those paid late"))

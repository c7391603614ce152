"""periodic: an office holds an activity of the kind its duty names (visits, talks, supervision...)
at least N times in the year, and optionally never lets more than N days pass without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params, Threshold, parameters_used
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.core.results import Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class PeriodicParams(Params):
    activities: RowSelector
    date_column: str
    min_count: Threshold
    max_gap_days: Threshold | None = None


def _longest_gaps(dates: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Per office, the longest stretch of days in the year without an activity (year edges count)."""
    edges = pd.DataFrame({OFFICE: dates[OFFICE].unique()})
    framed = pd.concat([edges.assign(_d=start), dates, edges.assign(_d=end)]).sort_values([OFFICE, "_d"])
    gaps = framed.groupby(OFFICE)["_d"].diff().dt.days
    return gaps.groupby(framed[OFFICE]).max()


@register("periodic")
class PeriodicCheck(CheckKind):
    Params = PeriodicParams
    summary_zh = "定期：全年开展规定活动不少于 N 次、间隔不超过 N 天"

    def column_refs(self) -> Iterator[ColumnRef]:
        yield from self.params.activities.column_refs("activities")
        yield ColumnRef(self.params.activities.table, self.params.date_column, "date_column")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        minimum = int(ctx.resolve(p.min_count))
        max_gap = int(ctx.resolve(p.max_gap_days)) if p.max_gap_days is not None else None
        rows = p.activities.select(ctx)
        rows = rows[rows[OFFICE].isin(offices)]
        counts = rows.groupby(OFFICE).size().to_dict()
        gaps = _longest_gaps(rows[[OFFICE]].assign(_d=rows[p.date_column]), ctx.year_start, ctx.year_end).to_dict()
        expected = f"不少于 {minimum} 次" + (f"，间隔不超过 {max_gap} 天" if max_gap is not None else "")
        expected_en = f"at least {minimum} times" + (f", at most {max_gap} days apart" if max_gap is not None else "")
        used = parameters_used(ctx, p.min_count, p.max_gap_days)
        outcomes = []
        for office in offices:
            count = int(counts.get(office, 0))
            gap = int(gaps.get(office, (ctx.year_end - ctx.year_start).days))
            short = count < minimum
            gapped = max_gap is not None and gap > max_gap
            status = Status.FAIL if short or gapped else Status.PASS
            outcomes.append(OfficeOutcome(
                office, status, count if max_gap is None else f"{count} 次，最长间隔 {gap} 天", expected,
                f"全年 {count} 次" + (f"，最长间隔 {gap} 天" if max_gap is not None else ""),
                f"{count} in the year" + (f", longest gap {gap} days" if max_gap is not None else ""),
                threshold=minimum, parameters=used, expected_en=expected_en,
                remediation=self._remedy(ctx, office, minimum - count, max_gap if gapped else None)
                if status is Status.FAIL else None))
        return outcomes

    def _remedy(self, ctx: EvalContext, office: str, more: int, max_gap: int | None) -> Remediation:
        """The activities still to hold, as rows to add once held."""
        p, table = self.params, self.params.activities.table
        fill = [(name, remedy.code(ctx, table, name, wanted[0] if isinstance(wanted, list) else wanted))
                for name, wanted in p.activities.where.items()]
        if p.activities.office_column:
            fill.append((p.activities.office_column, (office, office)))
        date_zh, date_en = remedy.column(ctx, table, p.date_column)
        note_zh = [f"每开展一次补一行并填{date_zh}"] + ([f"全年还需 {more} 次"] if more > 0 else [])
        note_en = [f"a row with its {date_en} each time one is held"] + ([f"{more} more in the year"] if more > 0 else [])
        if max_gap is not None:
            note_zh.append(f"两次之间不超过 {max_gap} 天")
            note_en.append(f"never more than {max_gap} days apart")
        return remedy.add_row(ctx, table, fill, note=("；" + "，".join(note_zh), "; " + ", ".join(note_en)))

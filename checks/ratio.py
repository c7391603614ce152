"""ratio: the share of an office's members (volunteers, units...) with a matching record reaches a minimum.

With min 1 it is a coverage check: every member must have the record; the members without one are the evidence.
"""

from __future__ import annotations

import math
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


class InTime(Params):
    """A record counts only if dated, and no later than `within_days` after the member's own date (an agreement
    signed by the volunteer's arrival: within_days 0)."""

    achieved_date: str
    member_date: str
    within_days: Threshold


class Covers(Params):
    """The member's records, their periods taken together, cover the member's own period without a gap (an
    insurance policy, or policies one after another, over the whole service period)."""

    record_from: str
    record_to: str
    member_from: str
    member_to: str


class RatioParams(Params):
    population: RowSelector
    member_key: str
    achieved: RowSelector
    achieved_key: str
    min: Threshold
    in_time: InTime | None = None
    covers: Covers | None = None
    # record column -> member column that must hold the same value (an agreement signed by the member's county)
    match: dict[str, str] = {}


def _covering(records: pd.DataFrame, members: pd.DataFrame, key: str, member_key: str, covers: Covers) -> set:
    """The members whose records' periods, joined end to end (a day apart at most), span their own period."""
    periods = records[[key, covers.record_from, covers.record_to]].dropna().set_axis([key, "_from", "_to"], axis=1)
    own = members[[member_key, covers.member_from, covers.member_to]].dropna().set_axis(
        [key, "_member_from", "_member_to"], axis=1)
    joined = periods.merge(own, on=key)
    joined = joined[(joined["_to"] >= joined["_member_from"]) & (joined["_from"] <= joined["_member_to"])]
    joined = joined.sort_values([key, "_from", "_to"], kind="stable")
    reach = joined.groupby(key)["_to"].cummax()
    reached_before = reach.groupby(joined[key]).shift()
    gap = joined["_from"] > reached_before + pd.Timedelta(days=1)
    summary = joined.assign(_gap=gap).groupby(key).agg(
        first=("_from", "min"), last=("_to", "max"), gap=("_gap", "any"),
        member_from=("_member_from", "first"), member_to=("_member_to", "first"))
    whole = (summary["first"] <= summary["member_from"]) & (summary["last"] >= summary["member_to"]) & ~summary["gap"]
    return set(summary.index[whole])


@register("ratio")
class RatioCheck(CheckKind):
    Params = RatioParams
    summary_zh = "比例：本单位成员中有相应记录者所占比例不低于下限"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.population.column_refs("population")
        yield ColumnRef(p.population.table, p.member_key, "member_key")
        yield from p.achieved.column_refs("achieved")
        yield ColumnRef(p.achieved.table, p.achieved_key, "achieved_key")
        if p.in_time:
            yield ColumnRef(p.achieved.table, p.in_time.achieved_date, "in_time.achieved_date")
            yield ColumnRef(p.population.table, p.in_time.member_date, "in_time.member_date")
        for record_column, member_column in p.match.items():
            yield ColumnRef(p.achieved.table, record_column, "match")
            yield ColumnRef(p.population.table, member_column, "match")
        if p.covers:
            for field in ("record_from", "record_to"):
                yield ColumnRef(p.achieved.table, getattr(p.covers, field), f"covers.{field}")
            for field in ("member_from", "member_to"):
                yield ColumnRef(p.population.table, getattr(p.covers, field), f"covers.{field}")

    def _achieved_keys(self, ctx: EvalContext, population: pd.DataFrame) -> set:
        p = self.params
        achieved = p.achieved.select(ctx)
        if p.covers:
            return _covering(achieved, population, p.achieved_key, p.member_key, p.covers)
        if not (p.in_time or p.match):
            return set(achieved[p.achieved_key].dropna())
        # each record set beside its member: the same value where `match` asks, dated in time where in_time does
        timing = p.in_time
        record_columns = [p.achieved_key, *p.match, *([timing.achieved_date] if timing else [])]
        member_columns = [p.member_key, *p.match.values(), *([timing.member_date] if timing else [])]
        records = achieved[list(dict.fromkeys(record_columns))].dropna()
        members = population[list(dict.fromkeys(member_columns))].dropna().add_prefix("_member_")
        joined = records.merge(members, left_on=p.achieved_key, right_on=f"_member_{p.member_key}")
        keep = pd.Series(True, index=joined.index)
        for record_column, member_column in p.match.items():
            keep &= joined[record_column] == joined[f"_member_{member_column}"]
        if timing:
            days = float(ctx.resolve(timing.within_days))
            keep &= joined[timing.achieved_date] <= joined[f"_member_{timing.member_date}"] + pd.Timedelta(days=days)
        return set(joined.loc[keep.fillna(False).astype(bool), p.achieved_key])

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        minimum = float(ctx.resolve(p.min))
        population = p.population.select(ctx)
        population = population[population[OFFICE].isin(offices)]
        achieved_keys = self._achieved_keys(ctx, population)
        population = population.assign(_achieved=population[p.member_key].isin(achieved_keys))
        grouped = population.groupby(OFFICE)["_achieved"]
        achieved_counts, totals = grouped.sum().to_dict(), grouped.size().to_dict()
        lacking = OfficeRows(population[~population["_achieved"]].drop(columns=["_achieved"]))
        expected = expected_en = f">= {minimum:.0%}"
        if p.in_time:
            days = float(ctx.resolve(p.in_time.within_days))
            done_zh, done_en = remedy.column(ctx, p.achieved.table, p.in_time.achieved_date)
            by_zh, by_en = remedy.column(ctx, p.population.table, p.in_time.member_date)
            expected += f"（{done_zh}不晚于{by_zh}" + (f"后 {days:g} 天）" if days else "）")
            expected_en += f" ({done_en} no later than {by_en}" + (f" + {days:g} days)" if days else ")")
        used = parameters_used(ctx, p.min, p.in_time.within_days if p.in_time else None)
        outcomes = []
        for office in offices:
            if office not in totals:
                outcomes.append(OfficeOutcome(office, Status.NOT_APPLICABLE, None, expected,
                                              "本年度无需统计的对象", "nobody to count in the audit year",
                                              threshold=minimum, parameters=used, counts=Counts(0, 0),
                                              expected_en=expected_en))
                continue
            achieved, total = int(achieved_counts[office]), int(totals[office])
            share = achieved / total
            passed = share >= minimum - 1e-12
            short_of = None if passed else lacking.of(office)
            outcomes.append(OfficeOutcome(
                office, Status.PASS if passed else Status.FAIL, round(share, 4), expected,
                f"{achieved}/{total}（{share:.1%}），下限 {minimum:.0%}",
                f"{achieved}/{total} ({share:.1%}), minimum {minimum:.0%}",
                short_of, p.population.table, threshold=minimum, parameters=used, counts=Counts(achieved, total),
                remediation=None if passed else self._remedy(ctx, short_of, achieved, total, minimum),
                expected_en=expected_en,
            ))
        return outcomes

    def _remedy(self, ctx: EvalContext, lacking, achieved: int, total: int, minimum: float) -> Remediation:
        """How many more members need the record, and for whom: the members without one are the evidence."""
        p = self.params
        needed = max(1, math.ceil(minimum * total - 1e-9) - achieved)
        return remedy.complete_for(ctx, p.achieved.table, p.population.table, remedy.source_rows(lacking), (
            f"至少还需 {needed} 条，达到下限 {minimum:.0%}（现 {achieved}/{total}）；无法落实的写明原因",
            f"at least {needed} more to reach {minimum:.0%} (now {achieved}/{total}); say why where none can be"))

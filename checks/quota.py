"""quota: an allocating office gave each office below it a quota (recruitment, dispatch, posts), and the
members counted for each (volunteers recruited, dispatched, serving) stay within it and fill at least a share.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params, Threshold, parameters_used
from westaudit.checks.office_rows import OfficeRows, values_by
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.core.results import Counts, Remediation, Status

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class QuotaParams(Params):
    quotas: RowSelector
    holder_column: str
    number_column: str
    members: RowSelector
    member_key: str
    min_fill: Threshold = 0.0


@register("quota")
class QuotaCheck(CheckKind):
    Params = QuotaParams
    summary_zh = "指标：分配指标并在指标内完成"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.quotas.column_refs("quotas")
        yield ColumnRef(p.quotas.table, p.holder_column, "holder_column")
        yield ColumnRef(p.quotas.table, p.number_column, "number_column")
        yield from p.members.column_refs("members")
        yield ColumnRef(p.members.table, p.member_key, "member_key")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        min_fill = float(ctx.resolve(p.min_fill))
        quotas = p.quotas.select(ctx)
        quotas = quotas[quotas[OFFICE].isin(offices)]
        members = p.members.select(ctx)
        counted = members.groupby(OFFICE)[p.member_key].nunique()
        quotas = quotas.assign(_count=quotas[p.holder_column].map(counted).fillna(0).astype(int))
        number = quotas[p.number_column].astype(float)
        over = quotas["_count"] > number
        under = quotas["_count"] < number * min_fill
        judged = list(zip(quotas["_count"], number, over, under, strict=True))
        quotas = quotas.assign(_reason=[
            f"超出指标：{c}/{n:g}" if o else (f"完成不足：{c}/{n:g}" if u else "") for c, n, o, u in judged
        ], _reason_en=[f"over the quota: {c}/{n:g}" if o else (f"under-filled: {c}/{n:g}" if u else "")
                       for c, n, o, u in judged])
        expected = "不超过指标" + (f"，完成不少于 {min_fill:.0%}" if min_fill else "")
        expected_en = "within the quota" + (f", at least {min_fill:.0%} filled" if min_fill else "")
        # per office only what a verdict needs: how many quotas, their holders, the rows off quota
        by_office = values_by(quotas[OFFICE], quotas[p.holder_column])
        holders_of = {office: set(holders) for office, holders in by_office.items()}
        quota_counts = {office: len(holders) for office, holders in by_office.items()}
        off_quota = OfficeRows(quotas[quotas["_reason"] != ""])
        # each office with members, filed under every judged office above it: walking up from the few
        # thousand member offices is linear, where scanning them for every judged office was not
        judged = set(offices)
        counted_below: dict[str, list[str]] = {}
        for holder in counted.index:
            for above in ctx.org.ancestors(holder) if holder in ctx.org else ():
                if above in judged:
                    counted_below.setdefault(above, []).append(holder)
        used = parameters_used(ctx, p.min_fill)
        outcomes = []
        for office in offices:
            total, holders, bad = quota_counts.get(office, 0), holders_of.get(office, set()), off_quota.count(office)
            # members counted for an office below this one that was given no quota at all
            unallocated = sorted(h for h in counted_below.get(office, ()) if h not in holders)
            if total == 0 and not unallocated:
                outcomes.append(OfficeOutcome(office, Status.NOT_APPLICABLE, 0, expected, "本年度未分配指标",
                                              "no quotas allocated in the year",
                                              threshold=min_fill, parameters=used, counts=Counts(0, 0),
                                              expected_en=expected_en))
                continue
            problems_zh = [f"{bad} 个对象超出或未完成指标"] if bad else []
            problems_zh += [f"未分配指标：{'、'.join(unallocated)}"] if unallocated else []
            failed = bool(problems_zh)
            off_rows = off_quota.of(office) if bad else None
            outcomes.append(OfficeOutcome(
                office, Status.FAIL if failed else Status.PASS, f"{total - bad}/{total}", expected,
                "；".join(problems_zh) or f"{total} 个指标均符合",
                f"{bad} over/under quota; no quota for: {', '.join(unallocated) or '-'}" if failed
                else f"all {total} quotas met",
                off_rows, p.quotas.table, threshold=min_fill, parameters=used, counts=Counts(total - bad, total),
                remediation=self._remedy(ctx, off_rows, unallocated, min_fill) if failed else None,
                expected_en=expected_en))
        return outcomes

    def _remedy(self, ctx: EvalContext, off_rows, unallocated: list[str], min_fill: float) -> Remediation:
        """A quota row per office that has members but none; the quotas overrun or short corrected."""
        p, table = self.params, self.params.quotas.table
        if unallocated:
            shown = "、".join(unallocated[:remedy.ROWS_NAMED]) + (f"等 {len(unallocated)} 个" if len(unallocated) > remedy.ROWS_NAMED else "")
            number_zh, number_en = remedy.column(ctx, table, p.number_column)
            fix = remedy.add_row(ctx, table, [(p.holder_column, (shown, ", ".join(unallocated)))],
                                 note=(f"，填{number_zh}（每个单位一行）", f", with its {number_en} (a row per office)"))
            if off_rows is None:
                return fix
        fill_zh = f"，完成不少于 {min_fill:.0%}" if min_fill else ""
        fill_en = f" and fill at least {min_fill:.0%}" if min_fill else ""
        corrected = remedy.correct_rows(ctx, table, remedy.source_rows(off_rows), (
            f"人数不得超过指标{fill_zh}：核减超出的人员或报批调整指标", f"stay within the quota{fill_en}: "
            "reduce those over it or have the quota adjusted"))
        if not unallocated:
            return corrected
        return Remediation("correct", table, f"{fix.text_zh}；{corrected.text_zh}", f"{fix.text_en}; {corrected.text_en}",
                           corrected.rows)

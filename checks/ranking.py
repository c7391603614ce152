"""ranking: an office assesses every subordinate of a role each year and eliminates the last-ranked (末位淘汰)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params, Threshold, parameters_used
from westaudit.checks.office_rows import OfficeRows, values_by
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, OfficeCode, RowSelector
from westaudit.core.results import Counts, Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class RankingParams(Params):
    assessments: RowSelector
    subject_column: str
    subject_role: OfficeCode
    score_column: str
    outcome_column: str
    eliminated: str
    bottom: Threshold
    min_subjects: int = 2


def ranked_rows(p: RankingParams, ctx: EvalContext, offices: list[str] | set[str]) -> pd.DataFrame:
    """The assessments of the offices' subjects playing the ranked role, each with its `_place` from the bottom
    (lowest score 1; ties share the place). The audit store's standings across years use the same places."""
    rows = p.assessments.select(ctx)
    rows = rows[rows[OFFICE].isin(offices)]
    # only the subjects playing the ranked role are ranked: a province that also recruits assesses its
    # universities in the same table, and they take no place among its counties
    subjects = rows[p.subject_column]
    role_of = {s: s in ctx.org and p.subject_role in ctx.org.offices[s].roles for s in subjects.dropna().unique()}
    rows = rows[subjects.map(role_of).fillna(False).astype(bool)]
    # ties at the boundary share the place: the bottom N scores, every subject holding one of them
    return rows.assign(_place=rows.groupby(OFFICE)[p.score_column].rank(method="min", ascending=True))


@register("ranking")
class RankingCheck(CheckKind):
    Params = RankingParams
    summary_zh = "排名：对全部下级年度考核，末位者淘汰"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.assessments.column_refs("assessments")
        for field in ("subject_column", "score_column", "outcome_column"):
            yield ColumnRef(p.assessments.table, getattr(p, field), field)

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        bottom = int(ctx.resolve(p.bottom))
        rows = ranked_rows(p, ctx, offices)
        expected = f"末位 {bottom} 名淘汰"
        # per office only what a verdict needs: who was assessed, how many, and the last-placed rows
        by_office = values_by(rows[OFFICE], rows[p.subject_column])
        assessed = {office: set(subjects) for office, subjects in by_office.items()}
        counts = {office: len(subjects) for office, subjects in by_office.items()}
        last_placed = OfficeRows(rows[rows["_place"] <= bottom])
        used = parameters_used(ctx, p.bottom)
        return [replace(self._judge(ctx, office, assessed.get(office, set()), counts.get(office, 0),
                                    last_placed.of(office), bottom, expected), threshold=bottom, parameters=used,
                        expected_en=f"the bottom {bottom} eliminated")
                for office in offices]

    def _judge(self, ctx: EvalContext, office: str, assessed: set, assessed_count: int, last: pd.DataFrame,
               bottom: int, expected: str) -> OfficeOutcome:
        p = self.params
        subjects = ctx.org.subordinates_with_role(office, p.subject_role)
        unassessed = sorted(set(subjects) - assessed)
        if not subjects:
            return OfficeOutcome(office, Status.NOT_APPLICABLE, 0, expected, "无下级考核对象", "no subordinates to assess",
                                 counts=Counts(0, 0))
        if unassessed:
            return OfficeOutcome(office, Status.FAIL, f"{len(subjects) - len(unassessed)}/{len(subjects)}", expected,
                                 f"未考核：{'、'.join(unassessed)}", f"not assessed: {', '.join(unassessed)}",
                                 counts=Counts(len(subjects) - len(unassessed), len(subjects)),
                                 remediation=self._to_assess(ctx, unassessed))
        if assessed_count < p.min_subjects:
            return OfficeOutcome(office, Status.NOT_APPLICABLE, assessed_count, expected,
                                 "考核对象不足，无法排名", "too few subjects to rank")
        spared = last[last[p.outcome_column] != p.eliminated]
        placed = list(zip(last[p.subject_column], last[p.score_column], strict=True))
        names = "、".join(f"{s}（{score:g}分）" for s, score in placed)
        if spared.empty:
            return OfficeOutcome(office, Status.PASS, names, expected, f"末位已淘汰：{names}",
                                 "last-ranked eliminated: " + ", ".join(f"{s} (score {score:g})" for s, score in placed))
        spared = spared.assign(_reason="末位未淘汰", _reason_en="last-ranked, not eliminated")
        return OfficeOutcome(office, Status.FAIL, names, expected, f"末位未淘汰：{'、'.join(spared[p.subject_column])}",
                             f"last-ranked not eliminated: {', '.join(spared[p.subject_column])}",
                             spared.drop(columns=["_place"]), p.assessments.table,
                             remediation=self._to_eliminate(ctx, spared))

    def _to_assess(self, ctx: EvalContext, unassessed: list[str]) -> Remediation:
        p, table = self.params, self.params.assessments.table
        shown = "、".join(unassessed[:remedy.ROWS_NAMED]) + (
            f"等 {len(unassessed)} 个" if len(unassessed) > remedy.ROWS_NAMED else "")
        score_zh, score_en = remedy.column(ctx, table, p.score_column)
        outcome_zh, outcome_en = remedy.column(ctx, table, p.outcome_column)
        eliminated_zh, eliminated_en = remedy.code(ctx, table, p.outcome_column, p.eliminated)
        return remedy.add_row(ctx, table, [(p.subject_column, (shown, ", ".join(unassessed)))], note=(
            f"（每个对象一行），填{score_zh}和{outcome_zh}；末位的{outcome_zh}为「{eliminated_zh}」",
            f" (a row each) with its {score_en} and {outcome_en}; the last-ranked {eliminated_en}"))

    def _to_eliminate(self, ctx: EvalContext, spared: pd.DataFrame) -> Remediation:
        p, table = self.params, self.params.assessments.table
        outcome_zh, outcome_en = remedy.column(ctx, table, p.outcome_column)
        eliminated_zh, eliminated_en = remedy.code(ctx, table, p.outcome_column, p.eliminated)
        return remedy.correct_rows(ctx, table, remedy.source_rows(spared), (
            f"末位对象按规定淘汰，{outcome_zh}填「{eliminated_zh}」（或写明不淘汰的依据）",
            f"eliminate the last-ranked as the duty requires: {outcome_en} {eliminated_en} (or state the grounds for not)"))

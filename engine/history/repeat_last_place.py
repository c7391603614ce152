"""Across years: a subject last-ranked by the same assessor two years running is flagged `warn`.

The `ranking` check kind judges one audit year. After it, when an audit store is in use, this step
computes each ranking rule's standings from the package (the same selection and tie rule as the
kind: lowest scores first, ties share a place), records them with the run, and reads the previous
year's standings back from the store. A ranking result whose last-ranked subject was also last the
year before becomes `warn` if it passed (a `fail` stays `fail`); its message names the subject.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from westaudit.core.personal_numbers import mask_text
from westaudit.core.results import Result, Status
from westaudit.evaluate.audit import AuditReport, incomplete_by_office
from westaudit.evaluate.context import EvalContext
from westaudit.history.store import Standing, Store
from westaudit.intake.orgchart import OrgChart

if TYPE_CHECKING:
    from westaudit.intake.package import Package
    from westaudit.spec.ruleset import Rule, RuleSet

RANKING_KIND = "ranking"


def _rule_standings(rule: Rule, offices: set[str], ctx: EvalContext) -> list[Standing]:
    from westaudit.checks.selectors import OFFICE

    p = rule.check.params
    bottom = int(ctx.resolve(p.bottom))
    rows = p.assessments.select(ctx)
    rows = rows[rows[OFFICE].isin(offices)]
    places = rows.groupby(OFFICE)[p.score_column].rank(method="min", ascending=True)
    return [Standing(rule.id, office, subject, ctx.year, float(score), int(place), int(place) <= bottom)
            for office, subject, score, place in zip(rows[OFFICE], rows[p.subject_column], rows[p.score_column],
                                                     places, strict=True)]


def current_standings(report: AuditReport, package: Package, ruleset: RuleSet) -> tuple[Standing, ...]:
    """Every ranking rule's standings in the audit year, for the offices the report judged."""
    if "assessments" not in package.tables:
        return ()
    ctx = EvalContext(report.year, ruleset.parameters, package.tables, ruleset.contract,
                      OrgChart(package.tables["offices"]), incomplete_by_office(package.rejected))
    found: list[Standing] = []
    for rule in report.rules:
        if rule.check.name != RANKING_KIND or not rule.check.tables() <= set(package.tables):
            continue
        offices = {r.office_id for r in report.results if r.rule_id == rule.id}
        found.extend(_rule_standings(rule, offices, ctx))
    return tuple(found)


def previous_last_ranked(store: Store, rule_id: str, office_id: str, year: int) -> set[str]:
    earlier = store.previous_standings(rule_id, office_id, [year])
    return {s.subject_id for s in earlier.get(year, ()) if s.last_ranked}


def _flagged(result: Result, repeated: list[str], years: tuple[int, int]) -> Result:
    names = "、".join(repeated)
    status = Status.WARN if result.status is Status.PASS else result.status
    return replace(result, status=status,
                   message_zh=f"{result.message_zh}；连续两年末位（{years[0]}、{years[1]}）：{names}",
                   message_en=f"{result.message_en}; last-ranked two years running ({years[0]}, {years[1]}): "
                              f"{', '.join(repeated)}")


def flag_repeat_last_place(report: AuditReport, ranked: tuple[Standing, ...], store: Store) -> AuditReport:
    """A new report in which ranking results with a subject last-ranked this year and last year are flagged."""
    last_now: dict[tuple[str, str], set[str]] = {}
    for standing in ranked:
        if standing.last_ranked:
            # the store holds ids masked (engine/core/personal_numbers.py): compared masked on both sides
            last_now.setdefault((standing.rule_id, mask_text(standing.office_id)), set()).add(
                mask_text(standing.subject_id))
    # one query for every office: a national run ranks in 2,000 counties
    last_before = store.last_ranked_of_year(report.year - 1) if last_now else {}
    changed = []
    for result in report.results:
        key = (result.rule_id, mask_text(result.office_id))
        now = last_now.get(key, set())
        repeated = sorted(now & last_before.get(key, set())) if now else []
        changed.append(_flagged(result, repeated, (report.year - 1, report.year)) if repeated else result)
    return replace(report, results=tuple(changed))

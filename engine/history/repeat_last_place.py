"""Across years: a subject last-ranked by the same assessor two years running is flagged `warn`.

The `ranking` check kind judges one audit year. After it, when an audit store is in use, this step
computes each ranking rule's standings from the package (the same selection and tie rule as the
kind: lowest scores first, ties share a place), records them with the run, and reads the previous
year's standings back from the store. A ranking result whose last-ranked subject was also last the
year before becomes `warn` if it passed (a `fail` stays `fail`, a `warn` of a warning rule stays `warn`); its
message names the subject. Policies count: the last places are those the office's result was judged by (a
policy's value of the bottom N), and an office whose rule a policy switched off ranks nobody and is not flagged.
`Result.last_ranked_again` holds the subjects, typed, for the national evaluation (reports/evaluation.py) and
report.json; `AuditReport.last_place_compared_with` says which year was compared (None: no standings of it).
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


# a result that judged the ranking: a rule switched off by a policy, out of force or without the data to judge
# ranks nobody, so it records no standings and is never flagged
_JUDGED = (Status.PASS, Status.FAIL, Status.WARN)


def _rule_standings(rule: Rule, bottoms: dict[str, int], ctx: EvalContext) -> list[Standing]:
    from westaudit.checks.ranking import ranked_rows
    from westaudit.checks.selectors import OFFICE

    p = rule.check.params
    rows = ranked_rows(p, ctx, set(bottoms))
    return [Standing(rule.id, office, subject, ctx.year, float(score), int(place), int(place) <= bottoms[office])
            for office, subject, score, place in zip(rows[OFFICE], rows[p.subject_column], rows[p.score_column],
                                                     rows["_place"], strict=True)]


def _bottom_of(result: Result, rule: Rule, ctx: EvalContext) -> int:
    """How many last places the office's result was judged by: the value its policy adopted, or the rule set's,
    on the audit's parameter date (the ranking kind records it as the result's threshold)."""
    return int(result.threshold) if result.threshold is not None else int(ctx.resolve(rule.check.params.bottom))


def current_standings(report: AuditReport, package: Package, ruleset: RuleSet) -> tuple[Standing, ...]:
    """Every ranking rule's standings in the audit year, for the offices whose result judged the ranking."""
    if "assessments" not in package.tables:
        return ()
    ctx = EvalContext(report.year, ruleset.parameters.at(report.as_of), package.tables, ruleset.contract,
                      OrgChart(package.tables["offices"]), incomplete_by_office(package.rejected))
    found: list[Standing] = []
    for rule in report.rules:
        if rule.check.name != RANKING_KIND or not rule.check.tables() <= set(package.tables):
            continue
        bottoms = {r.office_id: _bottom_of(r, rule, ctx) for r in report.results
                   if r.rule_id == rule.id and r.status in _JUDGED}
        if bottoms:
            found.extend(_rule_standings(rule, bottoms, ctx))
    return tuple(found)


def previous_last_ranked(store: Store, rule_id: str, office_id: str, year: int) -> set[str]:
    earlier = store.previous_standings(rule_id, office_id, [year])
    return {s.subject_id for s in earlier.get(year, ()) if s.last_ranked}


def _flagged(result: Result, repeated: list[str], years: tuple[int, int]) -> Result:
    """A pass becomes a warning (a hint, whatever the rule's severity: the duty itself was met this year); a
    failure stays the failure its severity made it."""
    names = "、".join(repeated)
    flagged = replace(result, status=Status.WARN, severity="warning") if result.status is Status.PASS else result
    return replace(flagged, last_ranked_again=tuple(repeated),
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
    # compared only when the store ranked the year before: without it no one is, or is not, last two years running
    return replace(report, results=tuple(changed),
                   last_place_compared_with=report.year - 1 if last_before else None)

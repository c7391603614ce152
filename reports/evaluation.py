"""The figures of the national annual evaluation (national article 16), by province, from results and tables.

Figures whose rule or table is not in the package are None, which the report shows as "not submitted".
Every figure is computed from a result's typed fields (counts, threshold), never from its wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from westaudit.core.offices import OFFICE_CODES
from westaudit.core.results import Result, Status

from .model import AuditView, OfficeView, Score, rule_order

EMPLOYMENT_RULE = "service_county-09"
EXTENSION_RULE = "service_province-07"
# the kind whose results carry last place two years running (engine/history/repeat_last_place.py)
RANKING_KIND = "ranking"
# tables still being added to the contract: their deadline rules are found by the table they read
SUBSIDY_TABLE_WORD = "subsid"
INCIDENT_TABLE_WORD = "incident"


@dataclass(frozen=True)
class Rate:
    done: int
    total: int

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass(frozen=True)
class LastPlaceTwice:
    """A subject its assessor ranked last in the audit year and the year before (Result.last_ranked_again)."""

    assessor: str
    assessor_name: str
    subject: str
    subject_name: str  # the id when the subject is no office in scope


@dataclass(frozen=True)
class ProvinceFigures:
    province: OfficeView
    volunteers_serving: int | None
    employment_ratios: tuple[float, ...]
    employment_ok: Rate | None
    extension: Rate | None
    counties_eliminated: int | None
    subsidy: Rate | None
    incidents: Rate | None
    # every result of the offices in the province (the province office, its prefectures, counties, units and
    # universities): not the index's figure for the province, which is its own score (own_score)
    score: Score
    # the province office's own results, the figure the index shows for it
    own_score: Score
    # a ranking rule (annual assessment, last place eliminated) has results in the province
    ranked: bool
    # subjects ranked last two years running by an assessor in the province; None when the ranking results were
    # not compared with an earlier year (Evaluation.last_place_compared_with) or none was judged in the province
    last_place_twice: tuple[LastPlaceTwice, ...] | None
    # the figures (employment_ok, extension, subsidy, incidents) that are None because every result behind them
    # rests on rejected rows: shown 数据不足 (the rows to correct are on the office pages), not 未提交
    lacking: frozenset[str] = frozenset()

    @property
    def employment_median(self) -> float | None:
        return float(pd.Series(self.employment_ratios).median()) if self.employment_ratios else None


@dataclass(frozen=True)
class ArticleRow:
    code: str
    number: int
    score: Score
    by_province: tuple[float | None, ...]


@dataclass(frozen=True)
class Evaluation:
    provinces: tuple[ProvinceFigures, ...]
    # the employment rule's minimum in force; None when no office was judged on it
    employment_min: float | None
    articles: tuple[ArticleRow, ...]
    deadline_rules: tuple[tuple[str, tuple[float | None, ...]], ...]
    year: int = 0
    # the earlier year the ranking results were compared with (AuditReport.last_place_compared_with)
    last_place_compared_with: int | None = None
    # a ranking rule has results in some province: whether "last two years running" is a question at all
    ranking_judged: bool = False
    # (rule, province) of deadline_rules with no share because the results rest on rejected rows (数据不足)
    deadline_lacking: frozenset[tuple[str, str]] = frozenset()

    @property
    def employment_ratios(self) -> list[float]:
        return [ratio for p in self.provinces for ratio in p.employment_ratios]


def rests_on_rejected_rows(results: list[Result]) -> bool:
    """No figure can be made (nothing judged) because rows the results read were rejected: 数据不足, not 未提交."""
    return (bool(results) and all(r.status is not Status.PASS and r.status is not Status.WARN
                                  and r.status is not Status.FAIL for r in results)
            and any(r.awaits_corrections for r in results))


def rate_of(results: list[Result]) -> Rate | None:
    """Records done on time over all records, summed over offices; None when no office submitted any."""
    judged = [r for r in results if r.status is not Status.INSUFFICIENT_DATA]
    if not judged:
        return None
    counted = [r.counts for r in judged if r.counts is not None]
    return Rate(sum(c.met for c in counted), sum(c.total for c in counted))


def _reaches(result: Result) -> bool:
    """An employment ratio at or above the minimum the office was judged against."""
    return float(result.measured) >= float(result.threshold) - 1e-12


class _Figures:
    """Results grouped by province once, so each figure is a lookup."""

    def __init__(self, view: AuditView, tables: Mapping[str, pd.DataFrame]):
        self.view, self.tables = view, tables
        self.provinces = [v.office.office_id for v in view.at_level("province")]
        self.by_province: dict[str, list[Result]] = {p: [] for p in self.provinces}
        # by rule, and by province and rule, each in report order: a national audit has 300,000 results
        self.by_rule: dict[str, list[Result]] = {}
        self.by_province_rule: dict[tuple[str, str], list[Result]] = {}
        province_of: dict[str, str | None] = {}
        for result in view.report.results:
            self.by_rule.setdefault(result.rule_id, []).append(result)
            if result.office_id not in province_of:
                province_of[result.office_id] = view.province_of(result.office_id)
            province = province_of[result.office_id]
            if province in self.by_province:
                self.by_province[province].append(result)
                self.by_province_rule.setdefault((province, result.rule_id), []).append(result)

    def results(self, province: str, rule_ids: set[str]) -> list[Result]:
        """The province's results of these rules (order: by rule; every figure is a count or a sum)."""
        return [r for rule_id in sorted(rule_ids) for r in self.by_province_rule.get((province, rule_id), ())]

    def rules_reading(self, word: str) -> set[str]:
        return {rule.id for rule in self.view.rules.values() if any(word in t for t in rule.check.tables())}

    def volunteers_serving(self) -> dict[str, int] | None:
        volunteers = self.tables.get("volunteers")
        if volunteers is None:
            return None
        year = self.view.report.year
        active = volunteers[(volunteers["service_start"] <= pd.Timestamp(year, 12, 31))
                            & (volunteers["service_end"] >= pd.Timestamp(year, 1, 1))]
        counties = active["county_id"]
        province_of = {c: self.view.province_of(c) if c in self.view.offices else None for c in counties.unique()}
        provinces = counties.map(province_of)
        return provinces.value_counts().to_dict()

    def counties_eliminated(self) -> dict[str, int] | None:
        assessments = self.tables.get("assessments")
        if assessments is None:
            return None
        rows = assessments[(assessments["year"] == self.view.report.year) & (assessments["outcome"] == "eliminated")]
        subjects = [s for s in rows["subject_id"] if s in self.view.offices
                    and self.view.offices[s].office.level == "county"]
        return pd.Series([self.view.province_of(s) for s in subjects], dtype=object).value_counts().to_dict()

    def employment_min(self) -> float | None:
        thresholds = (r.threshold for r in self.by_rule.get(EMPLOYMENT_RULE, ()) if r.threshold is not None)
        return next((float(threshold) for threshold in thresholds), None)

    def ranking_rules(self) -> set[str]:
        return {rule.id for rule in self.view.rules.values() if rule.check.name == RANKING_KIND}

    def last_place_twice(self, province: str) -> tuple[LastPlaceTwice, ...] | None:
        results = self.results(province, self.ranking_rules())
        if self.view.report.last_place_compared_with is None or not results:
            return None
        return tuple(LastPlaceTwice(r.office_id, self.name(r.office_id), subject, self.name(subject))
                     for r in sorted(results, key=lambda r: r.office_id) for subject in r.last_ranked_again)

    def name(self, office_id: str) -> str:
        office = self.view.offices.get(office_id)
        return office_id if office is None else office.office.name

    def province(self, province: str, serving: dict[str, int] | None, eliminated: dict[str, int] | None
                 ) -> ProvinceFigures:
        # judged counties only: a 数据不足 result keeps the ratio of its accepted rows, which is no judgement
        employment = [r for r in self.results(province, {EMPLOYMENT_RULE})
                      if r.status in (Status.PASS, Status.WARN, Status.FAIL)
                      and isinstance(r.measured, int | float) and r.threshold is not None]
        has_employment = bool(self.results(province, {EMPLOYMENT_RULE})) and EMPLOYMENT_RULE in self.view.rules
        behind = {"employment_ok": {EMPLOYMENT_RULE}, "extension": {EXTENSION_RULE},
                  "subsidy": self.rules_reading(SUBSIDY_TABLE_WORD), "incidents": self.rules_reading(INCIDENT_TABLE_WORD)}
        lacking = frozenset(name for name, rules in behind.items()
                            if rests_on_rejected_rows(self.results(province, rules)))
        return ProvinceFigures(
            self.view.offices[province],
            None if serving is None else int(serving.get(province, 0)),
            tuple(float(r.measured) for r in employment),
            Rate(sum(map(_reaches, employment)), len(employment))
            if has_employment and employment else None,
            rate_of(self.results(province, {EXTENSION_RULE})),
            None if eliminated is None else int(eliminated.get(province, 0)),
            rate_of(self.results(province, self.rules_reading(SUBSIDY_TABLE_WORD))),
            rate_of(self.results(province, self.rules_reading(INCIDENT_TABLE_WORD))),
            Score.of(self.by_province[province]),
            self.view.offices[province].score,
            bool(self.results(province, self.ranking_rules())),
            self.last_place_twice(province),
            lacking,
        )

    def articles(self) -> tuple[ArticleRow, ...]:
        keys = sorted({(self.view.rules[rule_id].office, self.view.rules[rule_id].article) for rule_id in self.by_rule},
                      key=lambda key: (OFFICE_CODES.index(key[0]), key[1]))
        rows = []
        for key in keys:
            in_article = {rule.id for rule in self.view.rules.values() if (rule.office, rule.article) == key}
            everywhere = [r for rule_id in in_article for r in self.by_rule.get(rule_id, ())]
            rows.append(ArticleRow(key[0], key[1], Score.of(everywhere),
                                   tuple(Score.of(self.results(p, in_article)).compliance for p in self.provinces)))
        return tuple(rows)

    def deadline_rules(self) -> tuple[tuple[str, tuple[float | None, ...]], ...]:
        deadline = [rule for rule in self.view.rules.values() if rule.check.name == "deadline"]
        rows = []
        for rule in sorted(deadline, key=rule_order):
            shares = tuple((rate.share if (rate := rate_of(self.results(p, {rule.id}))) else None)
                           for p in self.provinces)
            if any(share is not None for share in shares):
                rows.append((rule.id, shares))
        return tuple(rows)

    def deadline_lacking(self, rows: tuple[tuple[str, tuple[float | None, ...]], ...]) -> frozenset[tuple[str, str]]:
        """(rule, province) of the on-time charts with no bar because every result rests on rejected rows."""
        return frozenset((rule_id, p) for rule_id, _ in rows for p in self.provinces
                         if rests_on_rejected_rows(self.results(p, {rule_id})))


def evaluate(view: AuditView, tables: Mapping[str, pd.DataFrame]) -> Evaluation:
    figures = _Figures(view, tables)
    serving, eliminated = figures.volunteers_serving(), figures.counties_eliminated()
    provinces = tuple(figures.province(p, serving, eliminated) for p in figures.provinces)
    deadline = figures.deadline_rules()
    return Evaluation(provinces, figures.employment_min(), figures.articles(), deadline,
                      view.report.year, view.report.last_place_compared_with,
                      any(p.ranked for p in provinces), figures.deadline_lacking(deadline))

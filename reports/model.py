"""What every report page shows, computed once from an AuditReport: scores, article order, the hierarchy.

Generic over results: nothing here knows a particular rule, so new rules and tables appear by themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, partial

from westaudit.core.offices import OFFICE_CODES
from westaudit.core.personal_numbers import has_personal_number, mask_text
from westaudit.core.results import EvidenceRow, Result, Status
from westaudit.evaluate.audit import AuditReport
from westaudit.intake.orgchart import Office
from westaudit.intake.rectification import RectificationEntry
from westaudit.spec.ruleset import Article, Rule
from westaudit.spec.tables import CONTRACT_DIR, TableSpec, load_contract

from .messages import LEVEL_ORDER

# insufficient data is never a pass, so it counts against an office; nothing to judge counts neither way
COMPLIANT = (Status.PASS, Status.WARN)
JUDGED = (Status.PASS, Status.WARN, Status.FAIL, Status.INSUFFICIENT_DATA)
# what an office must put right before it can send its package: a failure, or a duty its data cannot show
TO_FIX = (Status.FAIL, Status.INSUFFICIENT_DATA)
# shown first on a page, before the passes: what is to fix, then the hints
ATTENTION = (*TO_FIX, Status.WARN)


# a file name is at most 255 bytes; the slug leaves room for its suffixes (.evidence.csv)
_LONGEST_SLUG_STEM = 80
# the hash that tells apart ids made equal by masking or cutting: keyed per run, since an unkeyed hash of
# an ID number can be reversed by trying every birth date and sequence number
_SLUG_KEY = os.urandom(16)


def slug(office_id: str) -> str:
    """A file name for an office id: readable when the id is plain and short; otherwise what can be shown of
    it (personal numbers masked, cut to a length every file system takes) and a hashed suffix."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", office_id)
    if safe == office_id and len(safe) <= _LONGEST_SLUG_STEM and not has_personal_number(safe):
        return safe
    shown = re.sub(r"[^A-Za-z0-9_-]", "_", mask_text(safe))[:_LONGEST_SLUG_STEM]
    if not has_personal_number(office_id):
        return f"{shown}-{hashlib.sha1(office_id.encode()).hexdigest()[:8]}"
    return f"{shown}-{hmac.new(_SLUG_KEY, office_id.encode(), 'sha1').hexdigest()[:8]}"


@cache
def _contract() -> dict[str, TableSpec]:
    return load_contract(CONTRACT_DIR)


@cache
def _column_words(table: str, lang: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Per column of a table: its header and its codes as an official reads them (Chinese: the header and the
    first label offices type; English: the column name and the codes themselves)."""
    spec = _contract().get(table)
    if spec is None:
        return {}
    words = {}
    for name, column in spec.columns.items():
        codes = {code: labels[0] for code, labels in (column.values or {}).items() if labels} if lang == "zh" else {}
        words[name] = (column.zh if lang == "zh" else name.replace("_", " "), codes | _YES_NO[lang])
    return words


_YES_NO = {"zh": {"True": "是", "False": "否"}, "en": {"True": "yes", "False": "no"}}


def table_title(table: str, lang: str) -> str:
    spec = _contract().get(table)
    return (spec.title_zh if lang == "zh" else spec.title_en) if spec else table


def column_title(table: str, column: str, lang: str) -> str:
    return _column_words(table, lang).get(column, (column, {}))[0]


def evidence_values(row: EvidenceRow, lang: str = "zh") -> list[tuple[str, str]]:
    """An evidence row's values: columns by their headers and codes by their labels in the page's language (the
    values themselves as submitted)."""
    words = _column_words(row.table, lang)
    shown = []
    for name, value in row.values:
        header, codes = words.get(name, (name, _YES_NO[lang]))
        shown.append((header, codes.get(value, value)))
    return shown


def evidence_values_text(row: EvidenceRow, lang: str = "zh") -> str:
    """The values on one line, as the evidence CSV and the workbook show them."""
    return ("；" if lang == "zh" else "; ").join(f"{header}={value}" for header, value in evidence_values(row, lang))


def rule_order(rule: Rule) -> tuple[int, int, str]:
    return OFFICE_CODES.index(rule.office), rule.article, rule.id


@dataclass(frozen=True)
class Score:
    passed: int
    failed: int
    insufficient: int
    judged: int
    # counted apart: a waived finding is neither a pass nor resolved, and not in the compliance rate
    waived: int = 0
    # of `passed`, the warnings (提示): they count toward compliance, but a page shows them apart, never as 符合
    warned: int = 0

    @classmethod
    def of(cls, results: list[Result] | tuple[Result, ...]) -> Score:
        statuses = [r.status for r in results]
        return cls(sum(s in COMPLIANT for s in statuses), statuses.count(Status.FAIL),
                   statuses.count(Status.INSUFFICIENT_DATA), sum(s in JUDGED for s in statuses),
                   statuses.count(Status.WAIVED), statuses.count(Status.WARN))

    @property
    def passed_outright(self) -> int:
        """Passes with no warning: what a page counts as 符合."""
        return self.passed - self.warned

    @property
    def compliance(self) -> float | None:
        return self.passed / self.judged if self.judged else None


@dataclass(frozen=True)
class ArticleBlock:
    """One duty article of an office, with the results of every rule that checks it (none: not automated yet)."""

    code: str
    number: int
    text: str
    results: tuple[Result, ...]
    failed: bool = False  # a result failed (computed with the blocks: there are 450,000 at national scale)
    attention: bool = False  # a result is to fix or a hint: the block is shown before the folded passes

    @property
    def anchor(self) -> str:
        return f"{self.code}-{self.number:02d}"


@dataclass(frozen=True)
class Finding:
    """A result to act on, with its article and rule, as the first screen of a page lists it."""

    block: ArticleBlock
    result: Result
    rule: Rule

    @property
    def fatal(self) -> bool:
        # the severity for this office: a policy may change it, a finding on a westaudit default is a warning
        return (self.result.severity or self.rule.severity) == "fatal"


@dataclass(frozen=True)
class Verdict:
    """The page's first line: can the office send its package (可以报送), or how much is to fix and how much of
    that is fatal (需整改 N 项，其中致命 M 项); hints (warn) never hold a package back."""

    to_fix: int
    fatal: int
    hints: int

    @property
    def ready(self) -> bool:
        return self.to_fix == 0

    @classmethod
    def of(cls, findings: list[Finding] | tuple[Finding, ...]) -> Verdict:
        to_fix = [f for f in findings if f.result.status in TO_FIX]
        return cls(len(to_fix), sum(f.fatal for f in to_fix), len(findings) - len(to_fix))


@dataclass(frozen=True)
class ScopeVerdict:
    """The index's first line: how many offices of the scope are to put things right, and how much."""

    offices_to_fix: int
    offices_ready: int
    to_fix: int
    fatal: int

    @classmethod
    def of(cls, view: AuditView) -> ScopeVerdict:
        offices_to_fix = to_fix = fatal = 0
        for office in view.offices.values():
            if not (office.score.failed or office.score.insufficient):
                continue
            verdict = view.verdict_of(office)
            offices_to_fix += 1
            to_fix += verdict.to_fix
            fatal += verdict.fatal
        return cls(offices_to_fix, len(view.offices) - offices_to_fix, to_fix, fatal)


def finding_order(finding: Finding) -> tuple[int, int]:
    """Failures before missing data before hints, fatal before warning; article order kept within (stable)."""
    return ATTENTION.index(finding.result.status), 0 if finding.fatal else 1


@dataclass(frozen=True)
class OfficeView:
    office: Office
    slug: str
    results: tuple[Result, ...]
    depth: int
    # the office's articles in order, built when first read: at national scale most of the 30,000 offices are
    # only counted on the index, and building every office's blocks was most of the view's cost
    article_blocks: Callable[[], tuple[ArticleBlock, ...]] = field(repr=False, compare=False)

    @cached_property
    def articles(self) -> tuple[ArticleBlock, ...]:
        return self.article_blocks()

    @cached_property
    def score(self) -> Score:
        return Score.of(self.results)

    @cached_property
    def failed_articles(self) -> tuple[ArticleBlock, ...]:
        if not any(result.status is Status.FAIL for result in self.results):  # the articles are not built for it
            return ()
        return tuple(a for a in self.articles if a.failed)


class AuditView:
    """The audit arranged for reading: offices in hierarchy order, each with its articles in order."""

    def __init__(self, report: AuditReport, articles: dict[tuple[str, int], Article],
                 rectification: Mapping[tuple[str, str], RectificationEntry] | None = None):
        self.report = report
        # what the offices wrote in the rectification list they sent back, by (office, rule)
        self.rectification: Mapping[tuple[str, str], RectificationEntry] = rectification or {}
        self.rules = {rule.id: rule for rule in report.rules}
        self._articles = articles
        by_office: dict[str, list[Result]] = {}
        for result in report.results:
            by_office.setdefault(result.office_id, []).append(result)
        order = {rule_id: rule_order(rule) for rule_id, rule in self.rules.items()}
        for results in by_office.values():
            results.sort(key=lambda r: order[r.rule_id])
        self._role_articles: dict[tuple[str, ...], frozenset[tuple[str, int]]] = {}
        self._ordered: dict[frozenset[tuple[str, int]], list[tuple[str, int]]] = {}
        self._unchecked: dict[tuple[str, int], ArticleBlock] = {}
        self._texts: dict[tuple[str, int], str] = {}
        self._packages: dict[str, str | None] = {}
        scope = set(report.scope)
        self.children: dict[str, list[str]] = {}
        for office_id in report.scope:
            parent = report.offices[office_id].parent_id
            if parent in scope:
                self.children.setdefault(parent, []).append(office_id)
        for kids in self.children.values():
            kids.sort(key=self._sibling_order)
        roots = sorted((o for o in report.scope if report.offices[o].parent_id not in scope), key=self._sibling_order)
        self.offices: dict[str, OfficeView] = {}
        for root in roots:
            self._add_subtree(root, 0, by_office)
        # the offices that get a page of their own (reports/site.py pages_for); every office until the site says
        self.paged: frozenset[str] | None = None

    def has_page(self, office: OfficeView) -> bool:
        """Whether offices/<slug>.html is written for this office, so a link to it resolves."""
        return self.paged is None or office.office.office_id in self.paged

    def findings_of(self, office: OfficeView) -> tuple[Finding, ...]:
        """What the office is to act on, most serious first (finding_order), article order within."""
        if not any(result.status in ATTENTION for result in office.results):
            return ()
        found = [Finding(block, result, self.rules[result.rule_id]) for block in office.articles if block.attention
                 for result in block.results if result.status in ATTENTION]
        return tuple(sorted(found, key=finding_order))

    def failed_severities(self, office: OfficeView) -> str:
        """The severities of the office's failures, space separated, for the filter bar (filter.js)."""
        if not office.failed_articles:
            return ""
        # the result's severity (a policy may change the rule's), as the findings list shows it
        found = {r.severity or self.rules[r.rule_id].severity for block in office.failed_articles
                 for r in block.results if r.status is Status.FAIL}
        return " ".join(sorted(found))

    def verdict_of(self, office: OfficeView) -> Verdict:
        return Verdict.of(self.findings_of(office))

    def descendants(self, office_id: str) -> list[str]:
        found, stack = [], list(reversed(self.children.get(office_id, [])))
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return found

    def package_of(self, office_id: str) -> str | None:
        if office_id not in self._packages:
            self._packages[office_id] = self.report.package_of(office_id)
        return self._packages[office_id]

    def _sibling_order(self, office_id: str) -> tuple[int, str]:
        level = self.report.offices[office_id].level
        return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)), office_id

    def _add_subtree(self, office_id: str, depth: int, by_office: dict[str, list[Result]]) -> None:
        stack = [(office_id, depth)]
        while stack:
            current, level = stack.pop()
            results = tuple(by_office.get(current, ()))
            office = self.report.offices[current]
            self.offices[current] = OfficeView(office, slug(current), results, level,
                                               partial(self._article_blocks, office, results))
            stack.extend((child, level + 1) for child in reversed(self.children.get(current, [])))

    def _article_blocks(self, office: Office, results: tuple[Result, ...]) -> tuple[ArticleBlock, ...]:
        by_article: dict[tuple[str, int], list[Result]] = {}
        failed: set[tuple[str, int]] = set()
        attention: set[tuple[str, int]] = set()
        for result in results:
            rule = self.rules[result.rule_id]
            by_article.setdefault((rule.office, rule.article), []).append(result)
            if result.status is Status.FAIL:
                failed.add((rule.office, rule.article))
            if result.status in ATTENTION:
                attention.add((rule.office, rule.article))
        # 30,000 offices at national scale, a handful of role combinations and article sets: what depends on those
        # alone is worked out once, and an article without results is the same block in every office
        if office.roles not in self._role_articles:
            self._role_articles[office.roles] = frozenset(key for key in self._articles if key[0] in office.roles)
        keys = self._role_articles[office.roles].union(by_article)
        if keys not in self._ordered:
            self._ordered[keys] = sorted(keys, key=lambda key: (OFFICE_CODES.index(key[0]), key[1]))
        return tuple(ArticleBlock(*key, self._article_text(*key), tuple(by_article[key]), key in failed,
                                  key in attention)
                     if key in by_article else self._unchecked_block(key) for key in self._ordered[keys])

    def _unchecked_block(self, key: tuple[str, int]) -> ArticleBlock:
        if key not in self._unchecked:
            self._unchecked[key] = ArticleBlock(*key, self._article_text(*key), ())
        return self._unchecked[key]

    def _article_text(self, code: str, number: int) -> str:
        if (code, number) not in self._texts:
            article = self._articles.get((code, number))
            self._texts[code, number] = article.text if article else next(
                (r.citation for r in self.rules.values() if (r.office, r.article) == (code, number)), "")
        return self._texts[code, number]

    def duty_articles(self) -> list[tuple[ArticleBlock, list[Rule]]]:
        """Every duty article of the rule book and of the rules, in article order, each with the rules that check
        it (rule order; none: not automated yet): the one shared page of citations (reports/duties_page.py)."""
        rules: dict[tuple[str, int], list[Rule]] = {}
        for rule in self.rules.values():
            rules.setdefault((rule.office, rule.article), []).append(rule)
        keys = sorted(set(self._articles) | set(rules), key=lambda key: (
            OFFICE_CODES.index(key[0]) if key[0] in OFFICE_CODES else len(OFFICE_CODES), key[1]))
        return [(ArticleBlock(*key, self._article_text(*key), ()), sorted(rules.get(key, []), key=rule_order))
                for key in keys]

    def ranked(self, office_ids: list[str]) -> list[OfficeView]:
        """Best compliance first; offices with nothing judged last; ties by fewer failures, then id."""
        views = [self.offices[o] for o in office_ids]
        return sorted(views, key=lambda v: (v.score.compliance is None, -(v.score.compliance or 0),
                                            v.score.failed, v.office.office_id))

    def subtree_at_level(self, office_id: str, level: str) -> list[str]:
        found, stack = [], list(self.children.get(office_id, []))
        while stack:
            current = stack.pop()
            if self.offices[current].office.level == level:
                found.append(current)
            stack.extend(self.children.get(current, []))
        return found

    def at_level(self, level: str) -> list[OfficeView]:
        return [v for v in self.offices.values() if v.office.level == level]

    def province_of(self, office_id: str) -> str | None:
        current: str | None = office_id
        while current and current in self.offices:
            if self.offices[current].office.level == "province":
                return current
            current = self.offices[current].office.parent_id
        return None

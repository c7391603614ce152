"""Which package each office's duties rest on in a consolidated audit, and which offices sent nothing.

An office is covered by the deepest package whose submitting office is the office itself or above it; the
supervisor's own package covers only the supervisor (its rows for offices below do not stand in for their
packages). An office nobody covers is missing: every duty of it is insufficient_data, and, through the
same weighing as rejected rows, every office above it rests on incomplete data.

An office's duties may read the tables of its covering package and of every package submitted below it.
A table or column none of those packages submitted is insufficient_data for that office, as it is in the
office's own self-check, even when another office's package brought the table into the merged submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from westaudit.core.results import Result, Status
from westaudit.evaluate.audit import not_evaluable
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import Rule, RuleSet

NO_PACKAGE_ZH = "未报送数据包：本机构的数据包未报送，无法核查"
NO_PACKAGE_EN = "no package: this office's package was not submitted, so its duties cannot be checked"

Columns = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class SubmittedView:
    """has_table / has_column over what a set of packages submitted (what `not_evaluable` asks)."""

    columns: Columns

    def has_table(self, name: str) -> bool:
        return name in self.columns

    def has_column(self, table: str, column: str) -> bool:
        return not column or column in self.columns.get(table, frozenset())


@dataclass(frozen=True)
class Coverage:
    supervisor: str
    package_of: dict[str, str]
    missing: frozenset[str]
    # office -> index into views: offices whose packages submitted the same columns share one view
    view_of: dict[str, int]
    views: tuple[SubmittedView, ...]

    def held_back(self, rule: Rule, offices: list[str], ruleset: RuleSet) -> list[Result]:
        """insufficient_data results for offices with no package, or whose packages lack what the rule reads."""
        tables = tuple(sorted(rule.check.tables()))
        results = [Result(rule.id, office, Status.INSUFFICIENT_DATA, None, "", NO_PACKAGE_ZH, NO_PACKAGE_EN,
                          incomplete_tables=tables) for office in offices if office in self.missing]
        by_view: dict[int, list[str]] = {}
        for office in offices:
            if office not in self.missing:
                by_view.setdefault(self.view_of[office], []).append(office)
        for index, group in by_view.items():
            results.extend(not_evaluable(rule, group, ruleset, self.views[index]))
        return results


def _covering(org: OrgChart, office: str, submitters: Mapping[str, str], supervisor: str) -> str | None:
    for candidate in (office, *org.ancestors(office)):
        if candidate in submitters and (candidate != supervisor or office == supervisor):
            return submitters[candidate]
        if candidate == supervisor:
            return None
    return None


def build_coverage(org: OrgChart, supervisor: str, scope: list[str], submitters: Mapping[str, str],
                   submitted: Mapping[str, Columns]) -> Coverage:
    """submitters: submitting office -> package label; submitted: label -> the columns it submitted per table."""
    package_of = {o: label for o in scope if (label := _covering(org, o, submitters, supervisor)) is not None}
    below: dict[str, set[str]] = {}
    for office, label in submitters.items():
        for holder in (office, *org.ancestors(office)):
            below.setdefault(holder, set()).add(label)
    view_of: dict[str, int] = {}
    index_of: dict[frozenset, int] = {}
    views: list[SubmittedView] = []
    for office, label in package_of.items():
        labels = below.get(office, set()) | {label}
        columns: dict[str, frozenset[str]] = {}
        for each in labels:
            for table, names in submitted[each].items():
                columns[table] = columns.get(table, frozenset()) | names
        identity = frozenset(columns.items())
        if identity not in index_of:
            index_of[identity] = len(views)
            views.append(SubmittedView(columns))
        view_of[office] = index_of[identity]
    missing = frozenset(o for o in scope if o not in package_of)
    return Coverage(supervisor, package_of, missing, view_of, tuple(views))

"""What an office's template holds: which tables, which offices pre-filled, which duty articles it lists.

An office's package covers the office and every office below it (the audit's scope), so its template has
a sheet for every table read by the rules of its own roles and of the roles that sit below it: a county
also fills in its service units' agreements, trainings and departures, a province everything of its
prefectures, counties and units (and universities, if it recruits). docs/templates.md has the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from westaudit.core.errors import UsageError
from westaudit.intake.orgchart import OFFICE_CODES, roles_of
from westaudit.intake.template_hierarchy import Hierarchy, OfficeRow, offices_to_prefill
from westaudit.spec.ruleset import RuleSet
from westaudit.spec.tables import TableSpec

LEVELS = ("national", "province", "prefecture", "county", "university", "unit")

# the roles whose offices sit below an office of each role, whatever the hierarchy file lists yet
ROLES_BELOW = {
    "national": tuple(code for code in OFFICE_CODES if code != "national"),
    "recruit_province": ("university",),
    "service_province": ("service_prefecture", "service_county", "service_unit"),
    "service_prefecture": ("service_county", "service_unit"),
    "service_county": ("service_unit",),
    "university": (),
    "service_unit": (),
}
# tables every office refers to first; the rest follow in the contract's order
_FIRST_SHEETS = ("offices", "volunteers")


@dataclass(frozen=True)
class DutyArticle:
    role: str
    number: int
    text: str
    rule_ids: tuple[str, ...]
    tables: tuple[str, ...]


@dataclass(frozen=True)
class SheetUse:
    """A table of the template and the roles whose duties read it (the office's own first)."""

    table: TableSpec
    own_roles: tuple[str, ...]
    roles_below: tuple[str, ...]


@dataclass(frozen=True)
class TemplatePlan:
    office: OfficeRow
    year: int
    roles: tuple[str, ...]
    roles_below: tuple[str, ...]
    sheets: tuple[SheetUse, ...]
    offices: tuple[OfficeRow, ...]
    duties: tuple[DutyArticle, ...]
    hierarchy_source: str | None
    ruleset_version: str

    def table_names(self) -> tuple[str, ...]:
        return tuple(sheet.table.name for sheet in self.sheets)


def _tables_by_role(ruleset: RuleSet) -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {code: {"offices"} for code in OFFICE_CODES}
    for rule in ruleset.rules:
        tables[rule.office] |= rule.check.tables()
    return tables


def _roles_below(roles: tuple[str, ...], subtree_roles: set[str]) -> tuple[str, ...]:
    below = {code for role in roles for code in ROLES_BELOW[role]} | subtree_roles
    return tuple(code for code in OFFICE_CODES if code in below and code not in roles)


def _in_sheet_order(tables: set[str], contract: dict[str, TableSpec]) -> tuple[str, ...]:
    return tuple(t for t in _FIRST_SHEETS if t in tables) + tuple(t for t in contract if t in tables
                                                                   and t not in _FIRST_SHEETS)


def _sheets(roles: tuple[str, ...], roles_below: tuple[str, ...], ruleset: RuleSet) -> tuple[SheetUse, ...]:
    by_role = _tables_by_role(ruleset)
    wanted = set().union(*(by_role[role] for role in (*roles, *roles_below)))
    order = _in_sheet_order(wanted, ruleset.contract)
    return tuple(SheetUse(ruleset.contract[t], tuple(r for r in roles if t in by_role[r]),
                          tuple(r for r in roles_below if t in by_role[r])) for t in order)


def _duties(roles: tuple[str, ...], ruleset: RuleSet) -> tuple[DutyArticle, ...]:
    duties = []
    for (role, number), article in sorted(ruleset.articles.items(), key=lambda item: (
            OFFICE_CODES.index(item[0][0]), item[0][1])):
        if role not in roles:
            continue
        rules = [rule for rule in ruleset.rules if rule.office == role and rule.article == number]
        tables = set().union(*(rule.check.tables() for rule in rules)) if rules else set()
        duties.append(DutyArticle(role, number, article.text, tuple(rule.id for rule in rules),
                                  _in_sheet_order(tables, ruleset.contract)))
    return tuple(duties)


def plan_from_hierarchy(hierarchy: Hierarchy, office_id: str, year: int, ruleset: RuleSet) -> TemplatePlan:
    chart = hierarchy.chart()
    if office_id not in chart:
        raise UsageError(f"office {office_id!r} is not in the offices of {hierarchy.source}")
    office = hierarchy.row(office_id)
    roles = chart.offices[office_id].roles
    if not roles:
        raise UsageError(f"{hierarchy.source}: province {office_id!r} neither recruits nor serves, so it has no duties")
    subtree_roles = {role for other in chart.subtree(office_id) for role in chart.offices[other].roles}
    roles_below = _roles_below(roles, subtree_roles)
    return TemplatePlan(office, year, roles, roles_below, _sheets(roles, roles_below, ruleset),
                        tuple(offices_to_prefill(hierarchy, office_id)), _duties(roles, ruleset),
                        hierarchy.source, ruleset.version)


def plan_for_own_row(office: OfficeRow, year: int, ruleset: RuleSet) -> TemplatePlan:
    """No hierarchy given: the office's own row only (its parent and the offices below it are the office's to add)."""
    if office.level not in LEVELS:
        raise UsageError(f"unknown level {office.level!r}; known: {', '.join(LEVELS)}")
    roles = roles_of(office.level, office.recruits, office.serves)
    if not roles:
        raise UsageError("a province recruits, serves or both: give --recruits and/or --serves")
    roles_below = _roles_below(roles, set())
    return TemplatePlan(office, year, roles, roles_below, _sheets(roles, roles_below, ruleset), (office,),
                        _duties(roles, ruleset), None, ruleset.version)

"""What the audit will find for a spec-planted rule in the generated rows, worked out by the generator.

A planted breakage can break more than its own rule: a province both recruiting and serving has one annual
plan read by two rules; a county's missing post application also lowers its province's coverage. So a
spec-driven planter settles its plants from the rows it wrote: every office each rule would fail, judged
here from the rule's own selector and parameters (written apart from checks/, which the plants test).
Every intended violation must be among them; the others are recorded as following from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from westaudit.checks.base import ParamRef
from westaudit.checks.selectors import OFFICE
from westaudit.evaluate.context import EvalContext
from westaudit.generate.base import Plant, World
from westaudit.generate.specs import Roles
from westaudit.spec.ruleset import Rule

Failing = dict[str, tuple[str, ...]]  # office -> keys of the rows the audit shows as evidence


def _value(ctx: EvalContext, value: float | int | str) -> float:
    return float(ctx.parameters.value(value, ctx.year) if isinstance(value, ParamRef) else value)


def _keys(ctx: EvalContext, table: str, rows: pd.DataFrame) -> pd.Series:
    key = ctx.contract[table].key
    text = rows[key[0]].astype(str)
    for column in key[1:]:
        text = text + "/" + rows[column].astype(str)
    return text


def _by_office(ctx: EvalContext, table: str, rows: pd.DataFrame) -> Failing:
    keys = _keys(ctx, table, rows)
    return {office: tuple(sorted(group)) for office, group in keys.groupby(rows[OFFICE], sort=True)}


def _lookup(ctx: EvalContext, offices: Iterable[str], find: Callable[[str], str | None]) -> dict[str, str | None]:
    return {office: find(office) for office in offices}


def _superior(ctx: EvalContext, office: str, role: str) -> str | None:
    parent = ctx.org.offices[office].parent_id
    return ctx.org.nearest_with_role(parent, role) if parent in ctx.org else None


def _document(rule: Rule, ctx: EvalContext, offices: list[str]) -> Failing:
    p = rule.check.params
    docs = p.documents.select(ctx)
    docs = docs[docs[OFFICE].isin(offices)]
    owner = docs[OFFICE]
    ok = pd.Series(True, index=docs.index)
    if p.submitted_to:
        superior = owner.map(_lookup(ctx, owner.unique(), lambda o: _superior(ctx, o, p.submitted_to)))
        ok &= docs["submitted_to"].eq(superior) & docs["submitted_on"].notna()
    if p.due:
        ok &= ~(docs["submitted_on"] > pd.Timestamp(ctx.parameters.deadline(p.due, ctx.year)))
    if p.approved_by:
        role = p.approved_by
        approver = owner.map(_lookup(ctx, owner.unique(), lambda o: o if role in ctx.org.offices[o].roles
                                     else _superior(ctx, o, role)))
        ok &= docs["approved_on"].notna() & docs["approved_by"].eq(approver)
    if p.published:
        ok &= docs["published_on"].notna()
    good = set(owner[ok])
    failing = [office for office in offices if office not in good]
    shown = _by_office(ctx, p.documents.table, docs[owner.isin(failing)])
    return {office: shown.get(office, ()) for office in failing}


def _deadline(rule: Rule, ctx: EvalContext, offices: list[str]) -> Failing:
    p = rule.check.params
    rows = p.records.select(ctx)
    rows = rows[rows[OFFICE].isin(offices)]
    if p.due:
        due = pd.Series(pd.Timestamp(ctx.parameters.deadline(p.due, ctx.year)), index=rows.index)
    elif p.due_column:
        due = rows[p.due_column]
    else:
        limit = _value(ctx, p.within.limit)
        due = rows[p.within.start_column] + pd.Timedelta(**{p.within.unit: limit})
    done = rows[p.date_column]
    late = rows[done.isna() | (done > due).fillna(False).astype(bool)]
    failing = _by_office(ctx, p.records.table, late)
    if p.when_none == "fail":
        present = set(rows[OFFICE])
        failing.update((office, ()) for office in offices if office not in present)
    return failing


def _periodic(rule: Rule, ctx: EvalContext, offices: list[str]) -> Failing:
    p = rule.check.params
    rows = p.activities.select(ctx)
    rows = rows[rows[OFFICE].isin(offices)]
    minimum = _value(ctx, p.min_count)
    counts = rows.groupby(OFFICE).size().reindex(offices, fill_value=0)
    failing = set(counts.index[counts < minimum])
    if p.max_gap_days is not None:
        start, end = ctx.year_start, ctx.year_end
        dated = pd.DataFrame({OFFICE: rows[OFFICE].to_numpy(), "_d": rows[p.date_column].to_numpy()})
        edges = pd.DataFrame({OFFICE: offices})
        framed = pd.concat([edges.assign(_d=start), dated, edges.assign(_d=end)]).sort_values([OFFICE, "_d"])
        gaps = framed.groupby(OFFICE)["_d"].diff().dt.days.groupby(framed[OFFICE]).max()
        failing |= set(gaps.index[gaps > _value(ctx, p.max_gap_days)])
    return {office: () for office in sorted(failing)}


def _ratio(rule: Rule, ctx: EvalContext, offices: list[str]) -> Failing:
    p = rule.check.params
    members = p.population.select(ctx)
    members = members[members[OFFICE].isin(offices)]
    achieved = set(p.achieved.select(ctx)[p.achieved_key].dropna())
    lacking = members[~members[p.member_key].isin(achieved)]
    share = 1 - lacking.groupby(OFFICE).size().reindex(members[OFFICE].unique(), fill_value=0) \
        / members.groupby(OFFICE).size()
    short = share.index[share < _value(ctx, p.min) - 1e-12]
    shown = _by_office(ctx, p.population.table, lacking)
    return {office: shown.get(office, ()) for office in sorted(short)}


def _row_condition(rule: Rule, ctx: EvalContext, offices: list[str]) -> Failing:
    p = rule.check.params
    rows = p.records.select(ctx)
    rows = rows[rows[OFFICE].isin(offices)]
    unmet = pd.Series(False, index=rows.index)
    for condition in p.require:
        values = rows[condition.column]
        if condition.filled:
            unmet |= values.isna()
        if condition.one_of is not None:
            unmet |= ~values.isin(condition.one_of).fillna(False).astype(bool)
        if condition.not_after:
            unmet |= (values > rows[condition.not_after]).fillna(False).astype(bool)
    failing = _by_office(ctx, p.records.table, rows[unmet])
    if p.when_none == "fail":
        present = set(rows[OFFICE])
        failing.update((office, ()) for office in offices if office not in present)
    return failing


JUDGES: dict[str, Callable[[Rule, EvalContext, list[str]], Failing]] = {
    "document": _document, "deadline": _deadline, "periodic": _periodic, "ratio": _ratio,
    "row_condition": _row_condition,
}


def failing_offices(rule: Rule, ctx: EvalContext, roles: Roles, among: set[str] | None = None) -> Failing:
    """Every office playing the rule's role (of `among`, if given) that the audit would fail, with the
    evidence it would show."""
    offices = list(roles.offices(rule.office))
    if among is not None:
        offices = [office for office in offices if office in among]
    return JUDGES[rule.check.name](rule, ctx, offices) if offices else {}


class Intent:
    """The violations a planter meant, and which offices' rows each touched, to word what follows from them."""

    def __init__(self) -> None:
        self.why: dict[tuple[str, str], str] = {}
        self.touched: dict[str, list[str]] = {}

    def plant(self, rule: str, office: str, why: str, touched: Iterable[str] = ()) -> None:
        self.why[(rule, office)] = why
        for other in {office, *touched}:
            self.touched.setdefault(other, []).append(f"{rule}@{office}")

    def following(self, rule: str, office: str, related: Callable[[str, str], bool]) -> str:
        causes = sorted({cause for cause in self.touched.get(office, ()) if related(rule, cause.partition("@")[0])})
        cause = "、".join(causes) if causes else "同批植入"
        return f"{office} 随 {cause} 的植入一并违反 {rule}（同一批记录）"


def settle(world: World, rules: Iterable[Rule], roles: Roles, intent: Intent,
           tables: dict[str, pd.DataFrame] | None = None,
           related: Callable[[str, str], bool] = lambda rule, cause: True) -> None:
    """Record as plants every (rule, office) the rows fail; refuse if a meant violation did not take.

    `related(rule, cause)` says whether a violation planted for `cause` can bring `rule` down with it
    (they read the same rows), to name the cause of a violation that follows."""
    ctx = roles.context(world, tables)
    found: set[tuple[str, str]] = set()
    for rule in rules:
        for office, evidence in failing_offices(rule, ctx, roles).items():
            found.add((rule.id, office))
            why = intent.why.get((rule.id, office)) or intent.following(rule.id, office, related)
            world.planted.append(Plant(rule.id, office, why, evidence))
    missed = sorted(set(intent.why) - found)
    if missed:
        raise RuntimeError(f"planted violations that the generated rows do not show: {missed[:10]}")


def unique_sorted(values: Iterable[str]) -> np.ndarray:
    return np.array(sorted(set(values)), dtype=object)

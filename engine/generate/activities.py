"""Activities and expenditures written from the rules that read them.

- `periodic` rules (visits, publicity, supervision... at least N times a year, at most N days apart; matching
  fund spending): each office holds enough of each kind its rules count, spread through the year where a gap
  is limited; a planted office falls one short, or bunches them in the first months.
- `ratio` rules whose achieved rows are activities (a prefecture supervises / assists every county): one
  activity per member aimed at it; a planted office leaves just enough members out to fall below the minimum.
- `row_condition` rules on these tables (management funds spent only on the listed purposes): every row meets
  the conditions; a planted office has one that does not.

Rules of one role counting overlapping kinds (a province both recruiting and serving counts its commendations
for two rules) are solved together, so breaking one keeps the other whole where the minimums allow.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from westaudit.checks.selectors import OFFICE
from westaudit.generate.base import Planter, World, sequence_ids
from westaudit.generate.expectations import Intent, settle
from westaudit.generate.specs import Roles, UnplantableRule, covered, days, single_where, threshold
from westaudit.spec.ruleset import Rule

TABLES = ("activities", "expenditures")
OWNER = "office_id"
ID_PREFIX = {"activities": "ACT", "expenditures": "EXP"}
# dates of a kind spread through the year move this many days either way; a limited gap leaves room for it
JITTER = 3
UNBOUNDED = math.inf
ROW_CONDITION_RECORDS = (1, 4)


def _selector(rule: Rule):
    p = rule.check.params
    return {"periodic": lambda: p.activities, "ratio": lambda: p.achieved, "row_condition": lambda: p.records}.get(
        rule.check.name, lambda: None)()


def _covers(rule: Rule) -> bool:
    selector = _selector(rule)
    return selector is not None and selector.table in TABLES


def _kinds(rule: Rule) -> set[str]:
    """The values a rule's rows are filtered to (kinds of activity, funds): rules sharing one read the same rows."""
    return {value for wanted in _selector(rule).where.values()
            for value in (wanted if isinstance(wanted, list) else [wanted])}


@dataclass(frozen=True)
class Counted:
    """A periodic rule as the solver sees it: the kinds it counts, how many, and the longest gap allowed."""

    rule: Rule
    table: str
    kind_column: str
    kinds: tuple[str, ...]
    date_column: str
    minimum: int
    gap: int | None

    @classmethod
    def of(cls, world: World, rule: Rule) -> Counted:
        p = rule.check.params
        selector = p.activities
        column, kinds = single_where(rule, selector.where)
        if column is None or selector.office_column != OWNER or selector.roll_up_to or selector.year_column \
                or selector.active_in_year or selector.date_in_year not in (None, p.date_column):
            raise UnplantableRule(rule, "activities are chosen by their own office, one kind column and their date")
        minimum = int(threshold(world, p.min_count))
        if minimum < 1:
            raise UnplantableRule(rule, "a minimum below one cannot be fallen short of")
        gap = int(threshold(world, p.max_gap_days)) if p.max_gap_days is not None else None
        if gap is not None and gap <= 2 * JITTER + 1:
            raise UnplantableRule(rule, f"a gap of {gap} days leaves no room to date activities")
        return cls(rule, selector.table, column, kinds, p.date_column, minimum, gap)

    def spread_count(self) -> int:
        """Enough activities, evenly spread and jittered, never to leave more than the gap between two."""
        return max(self.minimum, math.ceil(365 / (self.gap - 2 * JITTER - 1)) + 1)


Layout = tuple[str, int]  # ("random" | "spread" | "early", gap of the rule that asked for it)


def _solve(applicable: list[Counted], violated: dict[str, str]) -> dict[str, tuple[int, Layout]]:
    """How many activities of each kind one office holds, and how they are dated, so that the rules in
    `violated` fail (by 'short' of their minimum, or by a 'gap') and, where the minimums allow, no other."""
    upper: dict[str, float] = {}
    for counted in applicable:
        if violated.get(counted.rule.id) == "short":
            for kind in counted.kinds:
                cap = counted.minimum - 1 if kind == counted.kinds[0] else 0
                upper[kind] = min(upper.get(kind, UNBOUNDED), cap)
    count: Counter[str] = Counter()
    layout: dict[str, Layout] = {}
    for counted in applicable:
        mode = violated.get(counted.rule.id)
        if mode == "short":
            continue
        need = counted.spread_count() if counted.gap is not None and mode is None else counted.minimum
        have = sum(count[kind] for kind in counted.kinds)
        for kind in sorted(counted.kinds, key=lambda k: upper.get(k, UNBOUNDED) < UNBOUNDED):
            add = min(need - have, upper.get(kind, UNBOUNDED) - count[kind])
            if add > 0:
                count[kind] += int(add)
                have += int(add)
            if counted.gap is not None and count[kind]:
                layout[kind] = ("early", counted.gap) if mode == "gap" else layout.get(kind, ("spread", counted.gap))
    for counted in applicable:
        if violated.get(counted.rule.id) == "short":
            first = counted.kinds[0]
            count[first] = max(count[first], int(upper[first]))
    return {kind: (n, layout.get(kind, ("random", 0))) for kind, n in sorted(count.items()) if n > 0}


def _dated(rng: np.random.Generator, year: int, count: int, layout: Layout, offices: np.ndarray) -> np.ndarray:
    """`count` dates per office (offices repeated count times in a row), laid out as asked."""
    first = np.datetime64(f"{year}-01-01")
    style, gap = layout
    size = len(offices) * count
    if style == "spread":
        rank = np.tile(np.arange(count), len(offices))
        day = np.floor((rank + 0.5) * 365 / count).astype(int) + rng.integers(-JITTER, JITTER + 1, size)
        return first + np.clip(day, 0, 364).astype("timedelta64[D]")
    last = 364 if style == "random" else 365 - gap - 10
    return first + days(rng, 0, last, size)


class _Periodic:
    """The periodic rules of one table, solved per office pattern (its roles and the rules it breaks)."""

    def __init__(self, world: World, roles: Roles, rules: list[Rule]):
        self.world, self.roles = world, roles
        self.counted = [Counted.of(world, rule) for rule in rules]
        columns = {(c.kind_column, c.date_column) for c in self.counted}
        if len(columns) > 1:
            raise UnplantableRule(rules[0], f"periodic rules on one table count by one kind and date column: {columns}")
        (self.kind_column, self.date_column), = columns

    def rows(self, intent: Intent) -> pd.DataFrame:
        world, roles = self.world, self.roles
        violated: dict[str, dict[str, str]] = {}
        for counted in self.counted:
            rng = world.rng(f"activities:{counted.rule.id}")
            for turn, office in enumerate(world.violators(rng, roles.offices(counted.rule.office))):
                mode = "gap" if counted.gap is not None and turn % 2 == 0 else "short"
                violated.setdefault(office, {})[counted.rule.id] = mode
        offices = sorted({o for c in self.counted for o in roles.offices(c.rule.office)})
        patterns: dict[tuple, list[str]] = {}
        for office in offices:
            own_roles = roles.chart.offices[office].roles
            applicable = tuple(c.rule.id for c in self.counted if c.rule.office in own_roles)
            patterns.setdefault((applicable, tuple(sorted(violated.get(office, {}).items()))), []).append(office)
        by_id = {c.rule.id: c for c in self.counted}
        parts = []
        rng = world.rng(f"activities:{self.counted[0].table}:periodic")
        for (applicable, broken), members in sorted(patterns.items()):
            plan = _solve([by_id[r] for r in applicable], dict(broken))
            members = np.array(members, dtype=object)
            for kind, (count, layout) in plan.items():
                parts.append(pd.DataFrame({OWNER: np.repeat(members, count), self.kind_column: kind,
                                           self.date_column: _dated(rng, world.year, count, layout, members)}))
            for rule_id, mode in broken:
                counted = by_id[rule_id]
                held = sum(plan.get(kind, (0, None))[0] for kind in counted.kinds)
                for office in members:
                    intent.plant(rule_id, office, self._why(office, counted, mode, held))
        empty = pd.DataFrame({OWNER: [], self.kind_column: [], self.date_column: np.array([], "datetime64[D]")})
        return pd.concat([empty, *parts], ignore_index=True)

    def _why(self, office: str, counted: Counted, mode: str, held: int) -> str:
        values = self.world.contract[counted.table].columns[counted.kind_column].values
        what = "、".join(values[kind][0] for kind in counted.kinds)
        if mode == "gap":
            return f"{office} 全年{what} {held} 次，都在前 {365 - counted.gap - 10} 天，此后超过 {counted.gap} 天未开展"
        return f"{office} 全年{what}仅 {held} 次，少于 {counted.minimum} 次"


def _coverage_rows(world: World, roles: Roles, rule: Rule, periodic: list[Counted], intent: Intent) -> pd.DataFrame:
    """One activity of the rule's kind by each office aimed at each member; the planted leave members out."""
    p = rule.check.params
    column, kinds = single_where(rule, p.achieved.where)
    if column is None or p.achieved.office_column or p.achieved.year_column or p.achieved.date_in_year is None:
        raise UnplantableRule(rule, "achieved activities are chosen by kind and date in the year only")
    counted_by_role = {k for c in periodic if c.rule.office == rule.office for k in c.kinds}
    kind = next((k for k in kinds if k not in counted_by_role), kinds[0])
    members = p.population.select(roles.context(world))
    members = members[members[OFFICE].isin(roles.offices(rule.office))].sort_values([OFFICE, p.member_key])
    rng = world.rng(f"activities:{rule.id}")
    minimum = threshold(world, p.min)
    left_out = pd.Series(False, index=members.index)
    for office in world.violators(rng, np.unique(members[OFFICE].to_numpy(dtype=object))):
        own = members.index[members[OFFICE].eq(office)]
        lacking = len(own) - (math.ceil(minimum * len(own) - 1e-9) - 1)
        if lacking > len(own):
            raise UnplantableRule(rule, f"a minimum of {minimum:g} cannot be fallen short of")
        dropped = np.sort(rng.choice(own, size=lacking, replace=False))
        left_out[dropped] = True
        names = "、".join(members.loc[dropped, p.member_key])
        intent.plant(rule.id, office, f"{office} 下属 {len(own)} 个中 {lacking} 个（{names}）本年度无"
                                      f"{world.contract[p.achieved.table].columns[column].values[kind][0]}，低于 {minimum:.0%}")
    aimed = members[~left_out]
    return pd.DataFrame({OWNER: aimed[OFFICE].to_numpy(dtype=object), column: kind,
                         p.achieved.date_in_year: world.year_start + days(rng, 0, 364, len(aimed)),
                         p.achieved_key: aimed[p.member_key].to_numpy(dtype=object)})


def _condition_rows(world: World, roles: Roles, rule: Rule, intent: Intent) -> pd.DataFrame:
    """A few rows per office meeting every condition; the planted offices have one that does not."""
    p = rule.check.params
    selector = p.records
    if selector.office_column != OWNER or selector.roll_up_to or selector.year_column or selector.active_in_year:
        raise UnplantableRule(rule, "records are chosen by their own office, filters and date in the year only")
    rng = world.rng(f"activities:{rule.id}")
    offices = roles.offices(rule.office)
    rows = pd.DataFrame({OWNER: np.repeat(offices, rng.integers(ROW_CONDITION_RECORDS[0], ROW_CONDITION_RECORDS[1] + 1,
                                                                 len(offices)))})
    for column, wanted in selector.where.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        rows[column] = rng.choice(np.array(values, dtype=object), len(rows))
    if selector.date_in_year:
        rows[selector.date_in_year] = world.year_start + days(rng, 0, 364, len(rows))
    spec = world.contract[selector.table]
    for condition in p.require:
        if condition.one_of is None or condition.not_after:
            raise UnplantableRule(rule, "only conditions naming the allowed values are generated")
        rows[condition.column] = rng.choice(np.array(condition.one_of, dtype=object), len(rows))
    first_rows = rows.drop_duplicates(OWNER)
    violators = world.violators(rng, offices)
    broken = first_rows.index[first_rows[OWNER].isin(violators)]
    condition = p.require[0]
    others = [v for v in (spec.columns[condition.column].values or {}) if v not in condition.one_of]
    if not others:
        raise UnplantableRule(rule, f"every value of {condition.column} is allowed")
    rows.loc[broken, condition.column] = others[0]
    for office in violators:
        intent.plant(rule.id, office, f"{office} 有一笔{spec.columns[condition.column].zh}不满足"
                                      f"“{condition.label_zh or condition.column}”")
    return rows


def _allowed(rules: list[Rule], table: str, column: str, values: list[str]) -> list[str]:
    """Values of a column every row condition on the table accepts (rows outside a rule's filters too)."""
    for rule in rules:
        if rule.check.name == "row_condition" and rule.check.params.records.table == table:
            for condition in rule.check.params.require:
                if condition.column == column and condition.one_of is not None:
                    values = [v for v in values if v in condition.one_of]
    return values


def _finish(world: World, rng: np.random.Generator, table: str, rows: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """The columns no rule reads, then one id per row in office and date order."""
    spec = world.contract[table]
    count = len(rows)
    if table == "activities":
        names = {code: spellings[0] for code, spellings in spec.columns["activity_type"].values.items()}
        rows = rows.assign(participants=rng.integers(5, 81, count),
                           summary=rows["activity_type"].map(names).to_numpy().astype(str) + "工作")
    else:
        # purposes of the rows no row condition wrote (matching funds): ones every condition accepts
        allowed = np.array(_allowed(rules, table, "category", list(spec.columns["category"].values)), dtype=object)
        written = rows["category"] if "category" in rows else pd.Series(np.nan, index=rows.index, dtype=object)
        rows = rows.assign(category=written.fillna(pd.Series(rng.choice(allowed, count), index=rows.index)),
                           amount=np.round(rng.uniform(200, 30000, count), 2))
    date_column = "held_on" if table == "activities" else "spent_on"
    rows = rows.sort_values([OWNER, date_column], kind="mergesort", ignore_index=True)
    rows.insert(0, spec.key[0], sequence_ids(f"{ID_PREFIX[table]}{world.year}-", count, 7))
    return rows


class ActivitiesPlanter(Planter):
    name = "activities"
    tables = TABLES

    @property
    def rules(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(rule.id for rule in covered(_covers))

    def build(self, world: World, rng: np.random.Generator) -> None:
        roles = Roles.of(world)
        rules = list(covered(_covers))
        intent = Intent()
        parts: dict[str, list[pd.DataFrame]] = {table: [] for table in TABLES}
        periodic: list[Counted] = []
        for table in TABLES:
            counted = [rule for rule in rules if rule.check.name == "periodic" and _selector(rule).table == table]
            if counted:
                planner = _Periodic(world, roles, counted)
                periodic.extend(planner.counted)
                parts[table].append(planner.rows(intent))
        for rule in rules:
            if rule.check.name == "ratio":
                parts[_selector(rule).table].append(_coverage_rows(world, roles, rule, periodic, intent))
            elif rule.check.name == "row_condition":
                parts[_selector(rule).table].append(_condition_rows(world, roles, rule, intent))
        tables = {}
        for table in TABLES:
            rows = pd.concat(parts[table], ignore_index=True) if parts[table] else pd.DataFrame(columns=[OWNER])
            rows = _finish(world, world.rng(f"activities:{table}:columns"), table, rows, rules)
            tables[table] = rows[[c for c in world.contract[table].columns if c in rows]]
        reads = {rule.id: (_selector(rule).table, _kinds(rule)) for rule in rules}
        settle(world, rules, roles, intent, {**world.tables, **tables},
               related=lambda rule, cause: reads[rule][0] == reads[cause][0] and bool(reads[rule][1] & reads[cause][1]))
        for table in TABLES:
            world.add(table, tables[table])

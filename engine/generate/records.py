"""Records with a time limit each (grievances answered within days, assigned tasks done by their due date),
written from the deadline rules that read them: every office playing such a rule's role keeps a few records,
all done in time, except the planted offices, some of whose records are late or never done.

The rules on one table must share their selector and time limit (they do: the same duty for every level),
so a province both recruiting and serving breaks both of its rules on the one late record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Planter, World, sequence_ids
from westaudit.generate.expectations import Intent, settle
from westaudit.generate.specs import Roles, UnplantableRule, covered, days, deadline, threshold
from westaudit.spec.ruleset import Rule

TABLES = ("grievances", "tasks")
# records an office keeps in a year, by its level: (fewest, most)
RECORDS_PER_OFFICE = {"national": (8, 20), "province": (3, 8), "prefecture": (2, 6), "county": (2, 6),
                      "university": (1, 4), "unit": (1, 2)}
LATE_BY = (1, 20)
GRIEVANCES = np.array(["生活补贴发放延迟", "住宿条件需改善", "岗位与协议不符", "保险理赔咨询", "服务证明开具",
                       "交通补贴核发", "休假申请", "就业政策咨询"])
TASKS = np.array(["志愿者在岗情况专项检查", "年度考核材料报送", "安全健康排查", "宣传材料征集", "服务期满鉴定汇总",
                  "数据信息核对更新", "节日慰问安排", "政策落实情况调研"])


def _covers(rule: Rule) -> bool:
    return rule.check.name == "deadline" and rule.check.params.records.table in TABLES


def _shared_spec(rules: list[Rule]):
    """The one record shape every rule on the table judges; a rule that differs cannot share its rows."""
    first = rules[0].check.params
    for rule in rules[1:]:
        if rule.check.params.model_dump() != first.model_dump():
            raise UnplantableRule(rule, f"its {first.records.table} selector or limit differs from {rules[0].id}'s")
    selector = first.records
    if selector.where or selector.roll_up_to or selector.year_column or selector.active_in_year:
        raise UnplantableRule(rules[0], "records are chosen by their office and a date in the year only")
    return first


class _Limit:
    """A rule's time limit, as dates a record is done by (and the column it starts from)."""

    def __init__(self, world: World, rule: Rule):
        p = rule.check.params
        self.done = p.date_column
        self.start = p.records.date_in_year
        self.unit = "D"
        if p.within:
            self.unit = "D" if p.within.unit == "days" else "h"
            if self.start != p.within.start_column:
                raise UnplantableRule(rule, "the limit must run from the date the records are chosen by")
            self.limit = int(threshold(world, p.within.limit))
        elif p.due_column:
            if self.start != p.due_column:
                raise UnplantableRule(rule, "records must be chosen by their due date")
            self.limit = 0
        else:
            self.start, self.fixed_due = p.records.date_in_year, deadline(world, p.due)
        self.p = p

    def dates(self, world: World, rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
        """The start (or due) date in the audit year and a done date within the limit."""
        p = self.p
        if p.due:
            first = np.datetime64(f"{world.year}-01-01")
            done = first + days(rng, 0, int((self.fixed_due - first).astype(int)), count)
            return {self.done: done} | ({self.start: done} if self.start and self.start != self.done else {})
        start = np.datetime64(f"{world.year}-01-01") + days(rng, 0, 364, count)
        if p.due_column:
            return {self.start: start, self.done: start - days(rng, 0, 10, count)}
        taken = (rng.random(count) * (self.limit + 1)).astype(int).astype(f"timedelta64[{self.unit}]")
        return {self.start: start, self.done: start.astype(f"datetime64[{self.unit}]") + taken}

    def due(self, rows: pd.DataFrame) -> np.ndarray:
        p = self.p
        if p.due:
            return np.full(len(rows), self.fixed_due)
        start = rows[self.start].to_numpy().astype(f"datetime64[{self.unit}]")
        return start + np.timedelta64(self.limit, self.unit)


def _volunteer_pools(world: World, roles: Roles) -> pd.DataFrame:
    """(office, volunteer) for every office a volunteer's record may be kept by: unit, county, university,
    prefecture, province (serving or recruiting) and the national office."""
    volunteers = world.tables["volunteers"]
    org = world.org
    county = org.counties.set_index("office_id").reindex(volunteers["county_id"])
    university_province = org.universities.set_index("office_id")["province_id"].reindex(volunteers["university_id"])
    ids = volunteers["volunteer_id"].to_numpy()
    pools = [volunteers["unit_id"].to_numpy(), volunteers["county_id"].to_numpy(), volunteers["university_id"].to_numpy(),
             county["prefecture_id"].to_numpy(), county["province_id"].to_numpy(), university_province.to_numpy(),
             np.full(len(ids), "N", dtype=object)]
    frame = pd.concat([pd.DataFrame({"office": pool, "volunteer": ids}) for pool in pools], ignore_index=True)
    return frame.drop_duplicates().sort_values(["office", "volunteer"], ignore_index=True)


def _pick_volunteers(world: World, roles: Roles, rng: np.random.Generator, offices: np.ndarray) -> np.ndarray:
    """A volunteer of each record's office; an office with none of its own takes one of its nearest superior's."""
    pools = _volunteer_pools(world, roles)
    size = pools.groupby("office").size()
    start = size.cumsum() - size
    owner = pd.Series(offices, dtype=object, copy=True)
    while True:
        empty = ~owner.isin(size.index)
        if not empty.any():
            break
        owner[empty] = roles.parents(owner[empty].to_numpy())
        if owner.isna().any():
            raise ValueError("an office keeps grievances but no volunteer belongs to it or any office above it")
    offset = (rng.random(len(owner)) * size.reindex(owner).to_numpy()).astype(int)
    return pools["volunteer"].to_numpy()[start.reindex(owner).to_numpy() + offset]


def _grievance_columns(world: World, roles: Roles, rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(volunteer_id=_pick_volunteers(world, roles, rng, rows["office_id"].to_numpy()),
                       summary=rng.choice(GRIEVANCES, len(rows)))


def _task_columns(world: World, roles: Roles, rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    assignee = rows["assigned_to"].to_numpy()
    parent = roles.parents(assignee)
    # the national office's tasks come from the leading group, recorded as assigned by the office itself
    by = np.where(pd.isna(parent), assignee, parent)
    return rows.assign(assigned_by=by, title=rng.choice(TASKS, len(rows)),
                       assigned_on=rows["due_on"].to_numpy().astype("datetime64[D]") - days(rng, 10, 60, len(rows)))


COLUMNS = {"grievances": _grievance_columns, "tasks": _task_columns}


class RecordsPlanter(Planter):
    name = "deadline_records"
    tables = TABLES

    @property
    def rules(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(rule.id for rule in covered(_covers))

    def build(self, world: World, rng: np.random.Generator) -> None:
        roles = Roles.of(world)
        for table in TABLES:
            rules = [rule for rule in covered(_covers) if rule.check.params.records.table == table]
            if rules:
                self._build_table(world, roles, world.rng(f"{self.name}:{table}"), table, rules)

    def _build_table(self, world: World, roles: Roles, rng: np.random.Generator, table: str, rules: list[Rule]) -> None:
        params = _shared_spec(rules)
        owner = params.records.office_column
        limit = _Limit(world, rules[0])
        offices = np.array(sorted({o for rule in rules for o in roles.offices(rule.office)}), dtype=object)
        levels = world.tables["offices"].set_index("office_id")["level"].reindex(offices).to_numpy()
        low = np.array([RECORDS_PER_OFFICE[level][0] for level in levels])
        high = np.array([RECORDS_PER_OFFICE[level][1] for level in levels])
        count = rng.integers(low, high + 1)
        rows = pd.DataFrame({owner: np.repeat(offices, count)})
        rows = rows.assign(**limit.dates(world, rng, len(rows)))
        rows = COLUMNS[table](world, roles, rng, rows)
        key = world.contract[table].key[0]
        rows.insert(0, key, sequence_ids(f"{table[:2].upper()}{world.year}-", len(rows), 7))

        intent = Intent()
        for rule in rules:
            self._break(world, roles, rows, rule, limit, intent)
        settle(world, rules, roles, intent, {**world.tables, table: rows})
        world.add(table, rows[[c for c in world.contract[table].columns if c in rows]])

    def _break(self, world: World, roles: Roles, rows: pd.DataFrame, rule: Rule, limit: _Limit, intent: Intent) -> None:
        """Each planted office has one to three of its records done after the limit, every third never done."""
        rng = world.rng(f"{self.name}:{rule.id}")
        owner = rule.check.params.records.office_column
        keeping = np.intersect1d(rows[owner].unique().astype(str), roles.offices(rule.office).astype(str))
        violators = world.violators(rng, keeping.astype(object))
        if not len(violators):
            return
        own = rows[rows[owner].isin(violators)]
        shuffled = own.iloc[rng.permutation(len(own))]
        rank = shuffled.groupby(owner, sort=False).cumcount().to_numpy()
        wanted = pd.Series(rng.integers(1, 4, len(violators)), index=violators).reindex(shuffled[owner]).to_numpy()
        late = np.sort(shuffled.index[rank < wanted])
        due = limit.due(rows.loc[late])
        done = due + rng.integers(LATE_BY[0], LATE_BY[1] + 1, len(late)).astype(f"timedelta64[{limit.unit}]")
        if limit.unit == "D":
            done = done.astype("datetime64[D]")
        never = np.arange(len(late)) % 3 == 2
        rows.loc[late, limit.done] = np.where(never, np.datetime64("NaT"), done)
        key = world.contract[rule.check.params.records.table].key[0]
        for office, group in rows.loc[late].groupby(owner):
            undone = int(group[limit.done].isna().sum())
            intent.plant(rule.id, office, f"{office} 有 {len(group)} 条{world.contract[rule.check.params.records.table].title_zh}"
                                          f"超过时限" + (f"（其中 {undone} 条未完成）" if undone else "")
                                          + f"：{'、'.join(group[key])}")

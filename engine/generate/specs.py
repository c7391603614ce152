"""The rule set as the spec-driven planters read it: which rules a planter covers, the offices playing a
role and the superior each reports to, and the audit year's thresholds and deadlines.

Spec-driven planters write rows from the rules themselves (selectors, parameters, roles), so a rule added
with an existing kind on an existing table is planted without new generator code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from westaudit.checks.base import ParamRef
from westaudit.evaluate.context import EvalContext
from westaudit.generate.base import World
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import RULES_DIR, Rule, load_ruleset


@lru_cache(maxsize=1)
def rule_set_rules() -> tuple[Rule, ...]:
    """The rules the generator plants for: the shipped rule set (its parameters come from the world)."""
    return load_ruleset(RULES_DIR).rules


def covered(predicate: Callable[[Rule], bool]) -> tuple[Rule, ...]:
    return tuple(rule for rule in rule_set_rules() if predicate(rule))


class UnplantableRule(ValueError):
    """A rule whose spec a spec-driven planter cannot write rows for; raised at build so it is never silent."""

    def __init__(self, rule: Rule, why: str):
        super().__init__(f"{rule.file}: rule {rule.id}: the generator cannot plant it: {why}")


def single_where(rule: Rule, where: dict, column: str | None = None) -> tuple[str | None, tuple]:
    """The one column a selector filters on and the values it accepts (a planter writes rows with them)."""
    if not where:
        return None, ()
    if len(where) != 1 or (column is not None and column not in where):
        raise UnplantableRule(rule, f"selector filters on {sorted(where)}; one column{f' ({column})' if column else ''} expected")
    (name, wanted), = where.items()
    return name, tuple(wanted) if isinstance(wanted, list) else (wanted,)


@dataclass
class Roles:
    """The generated world's org chart as planters need it: offices by role, superiors and approvers."""

    chart: OrgChart
    names: pd.Series  # office_id -> name
    _by_role: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, world: World) -> Roles:
        offices = world.tables["offices"]
        return cls(OrgChart(offices), offices.set_index("office_id")["name"])

    def offices(self, role: str) -> np.ndarray:
        if role not in self._by_role:
            self._by_role[role] = np.array(self.chart.with_role(role), dtype=object)
        return self._by_role[role]

    def superiors(self, offices: np.ndarray, role: str) -> np.ndarray:
        """The nearest office above each (not itself) playing role, as the document check reads 'superior'."""
        lookup = {}
        for office in pd.unique(offices):
            parent = self.chart.offices[office].parent_id
            lookup[office] = self.chart.nearest_with_role(parent, role) if parent in self.chart else None
        return pd.Series(offices, dtype=object).map(lookup).to_numpy(dtype=object)

    def approvers(self, offices: np.ndarray, role: str) -> np.ndarray:
        """The office itself when it plays role (the national office approves its own), else its superior."""
        own = np.array([role in self.chart.offices[o].roles for o in offices], dtype=bool)
        return np.where(own, offices, self.superiors(offices, role))

    def parents(self, offices: np.ndarray) -> np.ndarray:
        return np.array([self.chart.offices[o].parent_id for o in offices], dtype=object)

    def context(self, world: World, tables: dict[str, pd.DataFrame] | None = None) -> EvalContext:
        return EvalContext(world.year, world.parameters, world.tables if tables is None else tables,
                           world.contract, self.chart)


def threshold(world: World, value: float | int | str) -> float:
    return float(world.parameters.value(value, world.year) if isinstance(value, ParamRef) else value)


def deadline(world: World, name: str) -> np.datetime64:
    return np.datetime64(world.parameters.deadline(name, world.year), "D")


def days(rng: np.random.Generator, low: int, high: int, count: int) -> np.ndarray:
    """count whole-day offsets from low to high inclusive."""
    return rng.integers(low, high + 1, count).astype("timedelta64[D]")


def dates_in_year(rng: np.random.Generator, year: int, count: int, last: np.datetime64 | None = None) -> np.ndarray:
    start = np.datetime64(f"{year}-01-01")
    end = np.datetime64(f"{year}-12-31") if last is None else last
    return start + days(rng, 0, int((end - start).astype(int)), count)

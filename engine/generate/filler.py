"""Rows for a contract table no planter knows yet: typed by the contract, owned by plausible offices,
referring to existing keys, so the package stays valid while its rules are reported as not planted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate import people
from westaudit.generate.base import World, sequence_ids
from westaudit.spec.tables import ColumnSpec, TableSpec

FILLER_TEXT = np.array(["已完成", "按要求办理", "见附件", "正常", "已归档"])
# an office column is read by its name: the level of office it most likely names
_LEVEL_WORDS = (("province", "provinces"), ("prefecture", "prefectures"), ("county", "counties"),
                ("unit", "units"), ("university", "universities"), ("school", "universities"))


def build_order(tables: dict[str, TableSpec], built: set[str]) -> list[str]:
    """Tables not yet built, each after the tables its ref columns point to."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in built or name in order or name in path:
            return
        for column in tables[name].columns.values():
            if column.type == "ref":
                visit(column.ref.split(".")[0], (*path, name))
        order.append(name)

    for name in sorted(tables):
        visit(name, ())
    return order


def _level_of(column: str) -> str:
    return next((level for word, level in _LEVEL_WORDS if word in column), "counties")


def _office_pool(world: World, column: str) -> np.ndarray:
    org = world.org
    frames = {"provinces": org.provinces[org.provinces["serves"]], "prefectures": org.prefectures,
              "counties": org.counties, "units": org.units, "universities": org.universities}
    return frames[_level_of(column)]["office_id"].to_numpy()


def _volunteer_offices(world: World, volunteer_ids: np.ndarray) -> dict[str, np.ndarray]:
    """The offices of each level a volunteer belongs to: a record about a volunteer is kept by them."""
    rows = world.tables["volunteers"].set_index("volunteer_id").reindex(volunteer_ids)
    county = world.org.counties.set_index("office_id").reindex(rows["county_id"])
    return {"counties": rows["county_id"].to_numpy(), "units": rows["unit_id"].to_numpy(),
            "universities": rows["university_id"].to_numpy(), "provinces": county["province_id"].to_numpy(),
            "prefectures": county["prefecture_id"].to_numpy()}


def _column(world: World, rng: np.random.Generator, table: TableSpec, name: str, column: ColumnSpec,
            count: int, known: dict[str, np.ndarray]) -> np.ndarray:
    if name in known:
        return known[name]
    if name in table.key:
        return sequence_ids(f"{table.name[:3].upper()}{world.year}-", count, 7)
    year_start = world.year_start
    if column.type == "string":
        return rng.choice(FILLER_TEXT, count)
    if column.type == "int":
        return np.full(count, world.year) if "year" in name else rng.integers(int(column.min or 0), 100, count)
    if column.type == "float":
        return np.round(rng.uniform(column.min or 0, 1000, count), 2)
    if column.type in ("date", "datetime"):
        return year_start + rng.integers(0, 365, count).astype("timedelta64[D]")
    if column.type == "bool":
        return rng.random(count) < 0.9
    if column.type == "enum":
        return rng.choice(np.array(list(column.values)), count)
    if column.type == "id_number":
        return people.id_numbers(rng, np.full(count, "620102"), (world.year - 40, world.year - 20))
    if column.type == "office":
        return rng.choice(_office_pool(world, name), count)
    target, _, key = column.ref.partition(".")
    return rng.choice(world.tables[target][key].to_numpy(), count)


def fill_table(world: World, rng: np.random.Generator, table: TableSpec) -> pd.DataFrame:
    """One row per volunteer for a table about volunteers, else one per office owning such rows."""
    known: dict[str, np.ndarray] = {}
    volunteer_refs = [n for n, c in table.columns.items() if c.type == "ref" and c.ref == "volunteers.volunteer_id"]
    if volunteer_refs:
        ids = world.tables["volunteers"]["volunteer_id"].to_numpy()
        known[volunteer_refs[0]] = ids
        offices = _volunteer_offices(world, ids)
        known.update((n, offices[_level_of(n)]) for n, c in table.columns.items() if c.type == "office")
        count = len(ids)
    else:
        owners = _office_pool(world, table.owner_column)
        known[table.owner_column] = owners
        count = len(owners)
    return pd.DataFrame({name: _column(world, rng, table, name, column, count, known)
                         for name, column in table.columns.items()})

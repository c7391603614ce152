"""One county's own package cut from the national world: the rows its offices own (less any that refer to
rows outside it), and the offices (with their ancestors) that any kept row names, so it loads cleanly."""

from __future__ import annotations

import pandas as pd

from westaudit.generate.base import Plant, World
from westaudit.generate.filler import build_order


def _ancestors_closure(offices: pd.DataFrame, wanted: set[str]) -> set[str]:
    parent = offices.set_index("office_id")["parent_id"]
    found = set(wanted)
    frontier = set(wanted)
    while frontier:
        parents = set(parent.reindex(list(frontier)).dropna()) - found
        found |= parents
        frontier = parents
    return found


def _drop_rows_referring_outside(world: World, kept: dict[str, pd.DataFrame]) -> None:
    """A county's package refers only to its own rows: targets are cut before the tables pointing at them."""
    for name in build_order(world.contract, set()):
        if name not in kept:
            continue
        for column_name, column in world.contract[name].columns.items():
            target, _, key = (column.ref or "").partition(".")
            if column.type == "ref" and target in kept:
                frame = kept[name]
                kept[name] = frame[frame[column_name].isna() | frame[column_name].isin(kept[target][key])]


def county_tables(world: World, county: str) -> tuple[dict[str, pd.DataFrame], list[Plant]]:
    offices = world.tables["offices"]
    own = {county} | set(offices.loc[offices["parent_id"].eq(county), "office_id"])
    kept: dict[str, pd.DataFrame] = {}
    for name, frame in world.tables.items():
        if name != "offices":
            kept[name] = frame[frame[world.contract[name].owner_column].isin(own)]
    _drop_rows_referring_outside(world, kept)
    named = set(own)
    for name, frame in kept.items():
        for column_name, column in world.contract[name].columns.items():
            if column.type == "office":
                named |= set(frame[column_name].dropna())
    kept["offices"] = offices[offices["office_id"].isin(_ancestors_closure(offices, named))]
    plants = [p for p in world.planted if p.office in own]
    return kept, plants

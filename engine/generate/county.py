"""One county's own package cut from the national world: its rows, the rows they refer to, and the
offices (with their ancestors) that any kept row names, so the package loads with nothing rejected."""

from __future__ import annotations

import pandas as pd

from westaudit.generate.base import Plant, World


def _ancestors_closure(offices: pd.DataFrame, wanted: set[str]) -> set[str]:
    parent = offices.set_index("office_id")["parent_id"]
    found = set(wanted)
    frontier = set(wanted)
    while frontier:
        parents = set(parent.reindex(list(frontier)).dropna()) - found
        found |= parents
        frontier = parents
    return found


def _add_referred_rows(world: World, kept: dict[str, pd.DataFrame]) -> bool:
    """Add the rows kept rows refer to; True if any were missing."""
    added = False
    for name, frame in list(kept.items()):
        for column_name, column in world.contract[name].columns.items():
            target, _, key = (column.ref or "").partition(".")
            if column.type != "ref" or target not in kept:
                continue
            missing = set(frame[column_name].dropna()) - set(kept[target][key])
            if missing:
                source = world.tables[target]
                kept[target] = pd.concat([kept[target], source[source[key].isin(missing)]])
                added = True
    return added


def county_tables(world: World, county: str) -> tuple[dict[str, pd.DataFrame], list[Plant]]:
    offices = world.tables["offices"]
    own = {county} | set(offices.loc[offices["parent_id"].eq(county), "office_id"])
    kept: dict[str, pd.DataFrame] = {}
    for name, frame in world.tables.items():
        if name != "offices":
            kept[name] = frame[frame[world.contract[name].owner_column].isin(own)]
    while _add_referred_rows(world, kept):
        pass
    named = set(own)
    for name, frame in kept.items():
        for column_name, column in world.contract[name].columns.items():
            if column.type == "office":
                named |= set(frame[column_name].dropna())
    kept["offices"] = offices[offices["office_id"].isin(_ancestors_closure(offices, named))]
    plants = [p for p in world.planted if p.office in own]
    return kept, plants

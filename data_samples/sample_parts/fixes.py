"""Applying a planted violation's fix to the world's rows: {table, key, set: {...}} or {table, add: {...}}."""

from __future__ import annotations

from sample_parts.world import World
from westaudit.spec.tables import load_contract


def apply_fix(world: World, fix: dict) -> None:
    table = fix["table"]
    if "add" in fix:
        # one missing row can be the violation of two rules (a county's and its unit's): added once
        if fix["add"] not in world.tables.get(table, []):
            world.add(table, **fix["add"])
        return
    key_column = load_contract()[table].key[0]
    matched = [row for row in world.tables[table] if row[key_column] == fix["key"]]
    if len(matched) != 1:
        raise ValueError(f"fix names {table} key {fix['key']!r}, which matches {len(matched)} rows")
    matched[0].update(fix["set"])


def apply_all(world: World, plants: list[dict]) -> None:
    for plant in plants:
        for fix in plant["fix"]:
            apply_fix(world, fix)

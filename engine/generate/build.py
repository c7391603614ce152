"""Building a national world: every planter in registry order, then filler rows for the remaining tables."""

from __future__ import annotations

from dataclasses import dataclass

from westaudit.generate.base import World
from westaudit.generate.filler import build_order, fill_table
from westaudit.generate.registry import PLANTERS
from westaudit.runtime.progress import Progress
from westaudit.spec.parameters import ParameterSet
from westaudit.spec.tables import TableSpec


@dataclass(frozen=True)
class GenerateOptions:
    scale: float = 1.0
    seed: int = 2025
    violation_share: float = 0.02
    year: int = 2025


def build_world(options: GenerateOptions, contract: dict[str, TableSpec], parameters: ParameterSet,
                progress: Progress | None = None) -> World:
    progress = progress or Progress(enabled=False)
    world = World(options.year, options.scale, options.seed, options.violation_share, contract, parameters)
    progress.stage("生成 generate")
    for done, planter in enumerate(PLANTERS, start=1):
        progress.step(f"{planter.name}: {', '.join(planter.tables)}", done, len(PLANTERS))
        missing = [t for t in planter.tables if t not in contract]
        if missing:
            raise ValueError(f"planter {planter.name!r} builds tables the contract no longer has: {missing}")
        planter.build(world, world.rng(planter.name))
    for table in build_order(contract, set(world.tables)):
        progress.step(f"filler: {table}")
        world.add(table, fill_table(world, world.rng(f"filler:{table}"), contract[table]))
    world.planted.sort(key=lambda plant: (plant.rule, plant.office))
    return world

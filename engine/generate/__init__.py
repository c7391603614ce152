"""A deterministic generator of national-scale submission packages with planted violations.

`generate_package` builds the world (planters in registry.py, one per table family), then writes the
national package or one county's own package; the same options and seed give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from westaudit.core.errors import UsageError
from westaudit.generate.build import GenerateOptions, build_world
from westaudit.generate.county import county_tables
from westaudit.generate.writer import write_package
from westaudit.runtime.progress import Progress
from westaudit.spec.parameters import ParameterSet
from westaudit.spec.tables import TableSpec

__all__ = ["GenerateOptions", "GeneratedPackage", "generate_package", "LARGEST_COUNTY"]

LARGEST_COUNTY = "largest"


@dataclass(frozen=True)
class GeneratedPackage:
    folder: Path
    office_id: str
    rows: dict[str, int]
    planted: int


def _largest_county(volunteers) -> str:
    counts = volunteers.groupby("county_id").size()
    return str(counts.sort_index().idxmax())


def generate_package(options: GenerateOptions, out: Path, contract: dict[str, TableSpec], parameters: ParameterSet,
                     county: str | None = None, progress: Progress | None = None) -> GeneratedPackage:
    """The national package, or with `county` (an office id, or "largest") that county's own package."""
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty; generate into a new or empty folder so no stale table stays behind")
    progress = progress or Progress(enabled=False)
    world = build_world(options, contract, parameters, progress)
    title = f"西部计划 {options.year} 年度生成数据（规模 {options.scale:g}，种子 {options.seed}）"
    if county is None:
        tables, plants, office = world.tables, world.planted, "N"
    else:
        office = _largest_county(world.tables["volunteers"]) if county == LARGEST_COUNTY else county
        if office not in set(world.org.counties["office_id"]):
            raise UsageError(f"{office!r} is not a county of this generated world")
        tables, plants = county_tables(world, office)
        title += f" · {office} 自查包"
    rows = write_package(out, tables, contract, (office, options.year, title), plants, progress)
    return GeneratedPackage(out, office, rows, len(plants))

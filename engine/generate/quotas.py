"""Quotas (指标分配) for the year's cohort, each allocating office to every office below it that it allocates to:
the national office gives each recruiting province a recruitment quota and each serving province a dispatch
quota (national-04, national-04.dispatch), a recruiting province its universities recruitment quotas
(recruit_province-02.quota), a serving province its counties dispatch quotas (service_province-03.quota) and a
county its units post quotas (service_county-02.posts). Each quota covers the volunteers counted for its holder
with some room to spare; where a violation is planted, one holder with volunteers got a quota smaller than the
number it took, or none at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World
from westaudit.generate.sampling import one_row_per_office

NATIONAL = "N"


@dataclass(frozen=True)
class Allocation:
    rule: str
    quota_type: str
    holders: pd.Series  # the allocating office of each holder, indexed by holder
    counted: pd.Series  # the year's recruits counted for each holder
    what_zh: str


def _allocations(world: World) -> tuple[Allocation, ...]:
    org = world.org
    recruits = world.tables["volunteers"]
    recruits = recruits[recruits["cohort_year"].eq(world.year)]
    county_province = org.counties.set_index("office_id")["province_id"]
    university_province = org.universities.set_index("office_id")["province_id"]
    by_recruit_province = university_province.reindex(recruits["university_id"]).value_counts()
    by_service_province = county_province.reindex(recruits["county_id"]).value_counts()
    recruit_provinces = org.provinces.loc[org.provinces["recruits"], "office_id"]
    serving_provinces = org.provinces.loc[org.provinces["serves"], "office_id"]
    return (
        Allocation("national-04", "recruit", pd.Series(NATIONAL, index=recruit_provinces.to_numpy()),
                   by_recruit_province, "招募指标"),
        Allocation("national-04.dispatch", "dispatch", pd.Series(NATIONAL, index=serving_provinces.to_numpy()),
                   by_service_province, "派遣指标"),
        Allocation("recruit_province-02.quota", "recruit", university_province,
                   recruits["university_id"].value_counts(), "招募指标"),
        Allocation("service_province-03.quota", "dispatch", county_province,
                   recruits["county_id"].value_counts(), "派遣指标"),
        Allocation("service_county-02.posts", "posts", org.units.set_index("office_id")["county_id"],
                   recruits["unit_id"].value_counts(), "岗位需求人数"),
    )


class QuotasPlanter(Planter):
    name = "quotas"
    tables = ("quotas",)
    rules = ("national-04", "national-04.dispatch", "recruit_province-02.quota", "service_province-03.quota",
             "service_county-02.posts")

    def build(self, world: World, rng: np.random.Generator) -> None:
        world.add("quotas", pd.concat([_allocate(world, rng, allocation) for allocation in _allocations(world)],
                                      ignore_index=True))


def _allocate(world: World, rng: np.random.Generator, allocation: Allocation) -> pd.DataFrame:
    holders = allocation.holders.sort_index()
    holder_ids = holders.index.to_numpy().astype(str)
    allocators = holders.to_numpy().astype(str)
    taken = allocation.counted.reindex(holder_ids).fillna(0).astype(int).to_numpy()
    number = taken + rng.integers(0, np.maximum(2, np.ceil(taken * 0.1)).astype(int) + 1)
    quota_ids = np.char.add(f"Q{world.year}-{allocation.quota_type.upper()}-", holder_ids)

    rows = one_row_per_office(rng, allocators, world.violators(rng, np.unique(allocators[taken > 0])), taken > 0)
    left_out = rows[rng.random(len(rows)) < 0.5]
    over = np.setdiff1d(rows, left_out)
    number[over] = taken[over] - rng.integers(1, np.minimum(3, taken[over]) + 1)
    world.planted.extend(
        Plant(allocation.rule, str(allocators[row]), f"{allocators[row]} 分给 {holder_ids[row]} 的{allocation.what_zh} "
              f"{number[row]} 人，实际 {taken[row]} 人，超出指标", (str(quota_ids[row]),)) for row in over)
    world.planted.extend(
        Plant(allocation.rule, str(allocators[row]), f"{allocators[row]} 未给 {holder_ids[row]} 分配"
              f"{allocation.what_zh}，实际 {taken[row]} 人") for row in left_out)
    kept = np.setdiff1d(np.arange(len(holder_ids)), left_out)
    return pd.DataFrame({"quota_id": quota_ids[kept], "year": world.year, "allocator_id": allocators[kept],
                         "office_id": holder_ids[kept], "quota_type": allocation.quota_type, "number": number[kept]})

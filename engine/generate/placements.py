"""Job placements (就业落实) and the county employment ratio (service_county-09): each county places at least
the required share of the volunteers serving in it during the year, except the planted ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids

EMPLOYERS = np.array(["当地事业单位", "县人民医院", "乡镇人民政府", "县第一中学", "农村信用合作社", "县供电公司",
                      "当地民营企业", "县融媒体中心", "社区卫生服务中心", "特岗教师岗位"])


class PlacementsPlanter(Planter):
    name = "placements"
    tables = ("job_placements",)
    rules = ("service_county-09",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        minimum = float(world.parameters.value("employment_ratio_min", world.year))
        volunteers = world.tables["volunteers"]
        year_start, year_end = world.year_start, np.datetime64(f"{world.year}-12-31")
        active = volunteers[(volunteers["service_start"] <= year_end) & (volunteers["service_end"] >= year_start)]
        serving = active.groupby("county_id", sort=True).size()
        violators = world.violators(rng, serving.index.to_numpy())
        rate = np.where(serving.index.isin(violators), rng.uniform(0.0, minimum * 0.75, len(serving)),
                        rng.uniform(minimum + 0.01, minimum * 2, len(serving)))
        needed = np.where(serving.index.isin(violators), np.floor(rate * serving.to_numpy()),
                          np.minimum(serving.to_numpy(), np.ceil(rate * serving.to_numpy()))).astype(int)

        # those finishing in the year are placed first, as counties do
        finishing = (active["service_end"] <= year_end).to_numpy()
        order = np.lexsort((rng.random(len(active)), ~finishing, active["county_id"].to_numpy()))
        ranked = active.iloc[order]
        rank_in_county = ranked.groupby("county_id", sort=False).cumcount().to_numpy()
        placed = ranked[rank_in_county < pd.Series(needed, index=serving.index).reindex(ranked["county_id"]).to_numpy()]
        placed = placed.sort_values("volunteer_id")

        end = placed["service_end"].to_numpy()
        day = np.clip(end - rng.integers(0, 120, len(placed)).astype("timedelta64[D]"), year_start, year_end)
        world.add("job_placements", pd.DataFrame({
            "placement_id": sequence_ids(f"J{world.year}", len(placed), 7),
            "volunteer_id": placed["volunteer_id"].to_numpy(),
            "county_id": placed["county_id"].to_numpy(),
            "placed_on": day,
            "employer": rng.choice(EMPLOYERS, len(placed)),
        }))
        counts = pd.Series(needed, index=serving.index)
        world.planted.extend(
            Plant("service_county-09", county,
                  f"{county} 在县服务 {serving[county]} 人，仅为 {counts[county]} 人落实就业"
                  f"（{counts[county] / serving[county]:.0%}，低于 {minimum:.0%}）")
            for county in violators)

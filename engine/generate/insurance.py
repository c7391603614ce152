"""Insurance (综合保障险, national-07): the national office insures every volunteer for the whole service period,
one policy a volunteer; where the violation is planted, a volunteer serving into the audit year was left
with last year's policy, which ran out before the year began and was not renewed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids
from westaudit.generate.sampling import days, one_row_per_office

NATIONAL = "N"


class InsurancePlanter(Planter):
    name = "insurance"
    tables = ("insurance",)
    rules = ("national-07",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        volunteers = world.tables["volunteers"]
        start = volunteers["service_start"].to_numpy().astype("datetime64[D]")
        end = volunteers["service_end"].to_numpy().astype("datetime64[D]")
        ids = volunteers["volunteer_id"].to_numpy()
        # policies bought a few days before arrival, running to the end of the service
        start_on = start - days(rng, 0, 7, len(ids))
        end_on = end.copy()

        before_year = world.year_start - np.timedelta64(1, "D")
        # only someone who arrived before the audit year can hold a policy that ran out before it
        eligible = (start < world.year_start) & (end >= world.year_start)
        national = np.full(len(ids), NATIONAL, dtype=object)
        rows = one_row_per_office(rng, national, world.violators(rng, np.array([NATIONAL])), eligible)
        end_on[rows] = before_year
        world.planted.extend(Plant("national-07", NATIONAL, f"志愿者 {ids[row]} 服务至 {end[row]}，保险于 {before_year} "
                                                            "到期后未续保", (str(ids[row]),)) for row in rows)
        world.add("insurance", pd.DataFrame({
            "policy_id": sequence_ids(f"P{world.year}", len(ids), 7),
            "volunteer_id": ids,
            "arranged_by": NATIONAL,
            "start_on": start_on,
            "end_on": end_on,
        }))

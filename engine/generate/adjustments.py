"""Post adjustments (岗位调整) inside the county (service_county-03.within_county): a few volunteers move
between units of their own county, with consent and approval dates and the approving province; planted moves cross into another county."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids

ADJUSTED_SHARE = 0.01


def _after(rng: np.random.Generator, dates: np.ndarray, low: int, high: int) -> np.ndarray:
    return dates + rng.integers(low, high, len(dates)).astype("timedelta64[D]")


class AdjustmentsPlanter(Planter):
    name = "adjustments"
    tables = ("post_adjustments",)
    rules = ("service_county-03.within_county",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        volunteers = world.tables["volunteers"]
        year_start = world.year_start
        movable = volunteers[volunteers["status"].isin(["serving", "extended"])]
        moved = movable[rng.random(len(movable)) < ADJUSTED_SHARE].copy()
        units = world.org.units
        # another unit of the same county: the next one in the county's list, wrapping round
        siblings = units.groupby("county_id", sort=False)["office_id"]
        next_in_county = pd.Series(siblings.shift(-1).fillna(siblings.transform("first")).to_numpy(),
                                   index=units["office_id"].to_numpy())
        moved["to_unit_id"] = next_in_county.reindex(moved["unit_id"]).to_numpy()
        moved = moved[moved["to_unit_id"] != moved["unit_id"]]
        province_of = world.org.counties.set_index("office_id")["province_id"]
        asked = np.maximum(moved["service_start"].to_numpy(), year_start) + rng.integers(
            10, 90, len(moved)).astype("timedelta64[D]")
        frame = pd.DataFrame({
            "adjustment_id": sequence_ids(f"T{world.year}", len(moved), 6),
            "volunteer_id": moved["volunteer_id"].to_numpy(),
            "county_id": moved["county_id"].to_numpy(),
            "from_unit_id": moved["unit_id"].to_numpy(),
            "to_unit_id": moved["to_unit_id"].to_numpy(),
            "volunteer_consent_on": asked,
            "unit_consent_on": _after(rng, asked, 0, 5),
            # the county's own service province approves (service_county-03 counts no other office's approval)
            "approved_by": province_of.reindex(moved["county_id"]).to_numpy(),
            "province_approved_on": _after(rng, asked, 5, 15),
            "effective_on": _after(rng, asked, 15, 25),
        })
        frame = frame[frame["effective_on"] <= np.datetime64(f"{world.year}-12-31")].reset_index(drop=True)
        all_units = units["office_id"].to_numpy()
        unit_county = units.set_index("office_id")["county_id"]
        for county in world.violators(rng, np.unique(frame["county_id"].to_numpy())):
            row = frame.index[frame["county_id"].eq(county)][0]
            elsewhere = all_units[unit_county.to_numpy() != county]
            frame.loc[row, "to_unit_id"] = elsewhere[rng.integers(0, len(elsewhere))]
            world.planted.append(Plant("service_county-03.within_county", county,
                                       f"{county} 把志愿者调整到外县的服务单位，超出本县范围",
                                       (frame.loc[row, "adjustment_id"],)))
        world.add("post_adjustments", frame)

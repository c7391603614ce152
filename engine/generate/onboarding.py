"""Arrival records of every volunteer: the service province's centralized training before dispatch (集中培训,
service_province-04.centralized), the three-party service agreement signed with unit and county on arrival
(三方服务协议, service_unit-02) and the unit's business training (业务培训, service_unit-02.training).

Each plant leaves one volunteer of the violating office without the record; no other rule reads these records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World
from westaudit.generate.sampling import days, one_row_per_office


class OnboardingPlanter(Planter):
    name = "onboarding"
    tables = ("agreements", "trainings")
    rules = ("service_province-04.centralized", "service_unit-02", "service_unit-02.training")

    def build(self, world: World, rng: np.random.Generator) -> None:
        volunteers = world.tables["volunteers"]
        count = len(volunteers)
        ids = volunteers["volunteer_id"].to_numpy()
        units, counties = volunteers["unit_id"].to_numpy(), volunteers["county_id"].to_numpy()
        province = world.org.counties.set_index("office_id")["province_id"].reindex(counties).to_numpy()
        start = volunteers["service_start"].to_numpy().astype("datetime64[D]")
        end = volunteers["service_end"].to_numpy().astype("datetime64[D]")
        serving = (start <= np.datetime64(f"{world.year}-12-31")) & (end >= world.year_start)
        arriving = (volunteers["cohort_year"] == world.year).to_numpy()

        untrained_centrally = self._plant(world, rng, "service_province-04.centralized", province, ids, arriving,
                                          "本年度新到志愿者未参加省级集中培训")
        unsigned = self._plant(world, rng, "service_unit-02", units, ids, serving, "在岗志愿者未签订三方服务协议")
        untrained = self._plant(world, rng, "service_unit-02.training", units, ids, serving, "在岗志愿者未接受业务培训")

        signed = ~unsigned
        # signed on arrival (service_unit-02 counts an agreement signed by then); the days are still drawn, so the
        # rest of a seed's world stays as it was
        days(rng, 0, 7, count)
        world.add_rows("agreements", pd.DataFrame({
            "agreement_id": np.char.add("SV-", ids[signed].astype(str)), "volunteer_id": ids[signed],
            "agreement_type": "service", "office_id": counties[signed], "unit_id": units[signed],
            "signed_on": start[signed]}))
        central, business = ~untrained_centrally, ~untrained
        world.add_rows("trainings", pd.concat([
            pd.DataFrame({"training_id": np.char.add("TC-", ids[central].astype(str)), "volunteer_id": ids[central],
                          "office_id": province[central], "training_type": "centralized",
                          "held_on": start[central] - days(rng, 1, 6, count)[central]}),
            pd.DataFrame({"training_id": np.char.add("TB-", ids[business].astype(str)), "volunteer_id": ids[business],
                          "office_id": units[business], "training_type": "business",
                          "held_on": start[business] + days(rng, 7, 40, count)[business]}),
        ], ignore_index=True))

    @staticmethod
    def _plant(world: World, rng: np.random.Generator, rule: str, offices: np.ndarray, ids: np.ndarray,
               counted: np.ndarray, why: str) -> np.ndarray:
        """Leaves one counted volunteer of each violating office without the record; returns who is left out."""
        rows = one_row_per_office(rng, offices, world.violators(rng, np.unique(offices[counted])), counted)
        world.planted.extend(Plant(rule, str(offices[row]), f"{offices[row]} {why}（{ids[row]}）", (str(ids[row]),))
                             for row in rows)
        left_out = np.zeros(len(ids), dtype=bool)
        left_out[rows] = True
        return left_out

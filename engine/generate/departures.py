"""Departures (离岗手续) of the volunteers whose service ends in the audit year: the unit appraises and reports to
the county (service_unit-04), the county appraises, fills in the certificate and hands over (service_county-10),
all before the volunteer leaves.

Dates are laid back from the leaving day, so each plant moves only what its own rule reads: a unit plant puts
the unit's appraisal too long before its report (the county never reads it); a county plant drops the
hand-over, puts it after the leaving day, or appraises too long after the unit's report (the unit's appraisal
moving back with that report, so the unit's own gap stays within its limit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World
from westaudit.generate.sampling import days, one_row_per_office

COUNTY_FAULTS = ("no_handover", "handover_after_leaving", "late_appraisal")


class DeparturesPlanter(Planter):
    name = "departures"
    tables = ("departures",)
    rules = ("service_unit-04", "service_county-10")

    def build(self, world: World, rng: np.random.Generator) -> None:
        unit_limit = int(world.parameters.value("departure_unit_report_days", world.year))
        county_limit = int(world.parameters.value("departure_county_appraisal_days", world.year))
        volunteers = world.tables["volunteers"]
        end = volunteers["service_end"].to_numpy().astype("datetime64[D]")
        leaving = volunteers[(end >= world.year_start) & (end <= np.datetime64(f"{world.year}-12-31"))]
        count = len(leaving)
        left_on = leaving["service_end"].to_numpy().astype("datetime64[D]")
        units, counties = leaving["unit_id"].to_numpy(), leaving["county_id"].to_numpy()
        departure_ids = np.char.add("D-", leaving["volunteer_id"].to_numpy().astype(str))

        certificate_gap, appraisal_gap = days(rng, 0, 5, count), days(rng, 0, 5, count)
        county_gap, unit_gap = days(rng, 0, county_limit, count), days(rng, 0, unit_limit, count)
        handover_gap = days(rng, 0, 10, count)
        handover = (left_on - handover_gap).astype("datetime64[D]")

        county_violators = world.violators(rng, np.unique(counties))
        county_rows = one_row_per_office(rng, counties, county_violators)
        faults = rng.choice(len(COUNTY_FAULTS), len(county_rows))
        late = county_rows[faults == 2]
        county_gap[late] = days(rng, county_limit + 1, 2 * county_limit, len(late))
        after = county_rows[faults == 1]
        handover[after] = left_on[after] + days(rng, 1, 5, len(after))
        handover[county_rows[faults == 0]] = np.datetime64("NaT")

        unit_violators = world.violators(rng, np.unique(units))
        unit_rows = one_row_per_office(rng, units, unit_violators)
        unit_gap[unit_rows] = days(rng, unit_limit + 1, 2 * unit_limit, len(unit_rows))

        certificate = left_on - certificate_gap
        county_appraisal = certificate - appraisal_gap
        unit_report = county_appraisal - county_gap
        unit_appraisal = unit_report - unit_gap
        world.add("departures", pd.DataFrame({
            "departure_id": departure_ids, "volunteer_id": leaving["volunteer_id"].to_numpy(),
            "unit_id": units, "county_id": counties, "left_on": left_on,
            "unit_appraisal_on": unit_appraisal, "unit_reported_to_county_on": unit_report,
            "county_appraisal_on": county_appraisal, "certificate_filled_on": certificate, "handover_on": handover,
        }))

        county_why = {0: "离岗时未办理工作交接", 1: "工作交接晚于离岗日期",
                      2: f"县级服务鉴定晚于服务单位上报超过 {county_limit} 天"}
        for row, fault in zip(county_rows, faults, strict=True):
            world.planted.append(Plant("service_county-10", str(counties[row]),
                                       f"{counties[row]} 一名志愿者（{departure_ids[row]}）{county_why[int(fault)]}",
                                       (str(departure_ids[row]),)))
        for row in unit_rows:
            world.planted.append(Plant(
                "service_unit-04", str(units[row]),
                f"{units[row]} 完成服务鉴定 {unit_gap[row].astype(int)} 天后才上报县级项目办（限 {unit_limit} 天）",
                (str(departure_ids[row]),)))

"""The volunteer roster: about 80,000 at scale 1, spread very unevenly over counties, three cohorts active in
the audit year (the previous-but-one extended, the previous finishing or extending, the new one arriving).

Each volunteer also carries the records the offices keep on them (notice, certificate, file, registration,
housing...), all in order; volunteer_plants.py then breaks them for the violating offices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate import people
from westaudit.generate.base import Planter, World, scaled, sequence_ids
from westaudit.generate.sampling import days
from westaudit.generate.volunteer_plants import ROW_RULES, plant_row_violations

VOLUNTEERS_AT_SCALE_1 = 80_000
# share of the roster by cohort: two years back (extended into the audit year), last year, this year
COHORT_SHARES = (0.05, 0.45, 0.50)
EXTENDED_SHARE = 0.08
LEFT_EARLY_SHARE = 0.02


def _days(rng: np.random.Generator, first: str, last: str, count: int) -> np.ndarray:
    start, end = np.datetime64(first), np.datetime64(last)
    return start + rng.integers(0, (end - start).astype(int) + 1, size=count).astype("timedelta64[D]")


def _on(years: np.ndarray, month_day: str) -> np.ndarray:
    return np.char.add(years.astype(str), f"-{month_day}").astype("datetime64[D]")


def _records(world: World, rng: np.random.Generator, roster: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every record in order: notice and certificate before arrival, the file opened before it, registration
    within the limit after it, a completed volunteer's employment certificate on leaving."""
    count = len(roster)
    cohort = roster["cohort_year"].to_numpy()
    start = roster["service_start"].to_numpy().astype("datetime64[D]")
    end = roster["service_end"].to_numpy().astype("datetime64[D]")
    registration_days = int(world.parameters.value("national_registration_days", world.year))
    completed = roster["status"].eq("completed").to_numpy()
    return {
        "archive_created_on": start - days(rng, 5, 30, count),
        "registered_on": start + days(rng, 0, registration_days, count),
        "confirmation_notice_on": _on(cohort, "06-01") + days(rng, 0, 29, count),
        "service_certificate_on": _on(cohort, "07-01") + days(rng, 0, 13, count),
        "records_kept_at_university": np.ones(count, dtype=bool),
        "org_relations_transferred": np.ones(count, dtype=bool),
        "employment_certificate_on": np.where(completed, end - days(rng, 0, 20, count), np.datetime64("NaT")),
        "housing_free": np.ones(count, dtype=bool),
        "staff_managed": np.ones(count, dtype=bool),
    }


class VolunteersPlanter(Planter):
    name = "volunteers"
    tables = ("volunteers",)
    rules = ROW_RULES

    def build(self, world: World, rng: np.random.Generator) -> None:
        org = world.org
        year = world.year
        total = max(len(org.counties), scaled(VOLUNTEERS_AT_SCALE_1, world.scale))
        weights = rng.lognormal(0.0, 0.9, size=len(org.counties))
        per_county = 1 + rng.multinomial(total - len(org.counties), weights / weights.sum())
        county_row = np.repeat(np.arange(len(org.counties)), per_county)
        county = org.counties["office_id"].to_numpy()[county_row]
        # units are listed county by county, in the order of the counties frame
        units_per_county = org.units.groupby("county_id", sort=False).size().reindex(org.counties["office_id"])
        first_unit = (np.cumsum(units_per_county.to_numpy()) - units_per_county.to_numpy())[county_row]
        offset = (rng.random(total) * units_per_county.to_numpy()[county_row]).astype(int)
        unit = org.units["office_id"].to_numpy()[first_unit + offset]

        universities = org.universities
        uni_weights = rng.lognormal(0.0, 1.0, size=len(universities))
        university_row = rng.choice(len(universities), size=total, p=uni_weights / uni_weights.sum())
        university = universities["office_id"].to_numpy()[university_row]
        home_region = np.char.add(universities["province_id"].to_numpy()[university_row].astype(str),
                                  np.char.zfill(rng.integers(101, 3000, size=total).astype(str), 4))

        cohort_index = rng.choice(3, size=total, p=COHORT_SHARES)
        cohort = year - 2 + cohort_index
        start = np.where(cohort_index == 0, _days(rng, f"{year - 2}-07-15", f"{year - 2}-08-31", total),
                         np.where(cohort_index == 1, _days(rng, f"{year - 1}-07-15", f"{year - 1}-08-31", total),
                                  _days(rng, f"{year}-07-15", f"{year}-08-31", total)))
        nominal_end = (cohort + 1).astype(str).astype(object) + "-07-31"
        end = pd.to_datetime(pd.Series(nominal_end)).to_numpy().astype("datetime64[D]")
        status = np.where(cohort_index == 2, "serving", "completed").astype(object)
        extended = (cohort_index == 1) & (rng.random(total) < EXTENDED_SHARE)
        end = np.where(extended, end + np.timedelta64(365, "D"), end)
        end = np.where(cohort_index == 0, end + np.timedelta64(365, "D"), end)
        status[extended] = "extended"
        left = (cohort_index > 0) & ~extended & (rng.random(total) < LEFT_EARLY_SHARE)
        early_end = start + rng.integers(60, 300, size=total).astype("timedelta64[D]")
        end = np.where(left, np.minimum(early_end, end), end)
        status[left] = "left"

        roster = pd.DataFrame({
            "volunteer_id": sequence_ids(f"V{year}", total, 7),
            "name": people.names(rng, total),
            "id_number": people.id_numbers(rng, home_region, (year - 27, year - 21)),
            "phone": people.phones(rng, total),
            "university_id": university,
            "county_id": county,
            "unit_id": unit,
            "cohort_year": cohort,
            "service_start": start,
            "service_end": end,
            "status": status,
        })
        # streams of their own, so the roster (which every later planter reads) stays as it was
        records = _records(world, world.rng("volunteers:records"), roster)
        plant_row_violations(world, world.rng("volunteers:plants"), roster, records)
        world.add("volunteers", roster.assign(**records))

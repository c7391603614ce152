"""Extension filings (延期备案) and their deadline (service_province-07): every serving province reports its
volunteers' extensions to the national office by the end of March, except the planted late ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids


class ExtensionsPlanter(Planter):
    name = "extensions"
    tables = ("extension_filings",)
    rules = ("service_province-07",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        year = world.year
        due = np.datetime64(world.parameters.deadline("extension_filing_deadline", year))
        volunteers = world.tables["volunteers"]
        province_of = world.org.counties.set_index("office_id")["province_id"]
        # last year's extended cohort files this year; the one extended a year earlier filed last year
        this_year = volunteers[volunteers["status"].eq("extended")]
        earlier = volunteers[volunteers["cohort_year"].eq(year - 2)]
        filings = pd.concat([this_year.assign(year=year), earlier.assign(year=year - 1)], ignore_index=True)
        filing_year = filings["year"].to_numpy()
        window_start = (filing_year.astype(str).astype(object) + "-02-10").astype("datetime64[D]")
        window_days = (due - np.datetime64(f"{year}-02-10")).astype(int)
        frame = pd.DataFrame({
            "filing_id": sequence_ids(f"EF{year}", len(filings), 6),
            "volunteer_id": filings["volunteer_id"].to_numpy(),
            "province_id": province_of.reindex(filings["county_id"]).to_numpy(),
            "year": filing_year,
            "reported_on": window_start + rng.integers(0, window_days + 1, len(filings)).astype("timedelta64[D]"),
        })
        in_year = frame[frame["year"].eq(year)]
        violators = world.violators(rng, np.unique(in_year["province_id"].to_numpy()))
        for province in violators:
            rows = in_year.index[in_year["province_id"].eq(province)]
            late = np.sort(rng.choice(rows, size=min(len(rows), int(rng.integers(1, 4))), replace=False))
            days_late = rng.integers(1, 60, len(late)).astype("timedelta64[D]")
            dates = (due + days_late).astype("datetime64[ns]")
            dates[0 if len(late) > 1 else len(late)::3] = np.datetime64("NaT")  # some never dated at all
            frame.loc[late, "reported_on"] = dates
            world.planted.append(Plant("service_province-07", province,
                                       f"{province} 有 {len(late)} 条延期备案晚于 {due} 上报或未填上报日期",
                                       tuple(frame.loc[late, "filing_id"])))
        world.add("extension_filings", frame)

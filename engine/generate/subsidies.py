"""Subsidy payments (生活补贴、交通补贴, service_county-08 and .transport): the county pays every volunteer serving
in it a living and a transport subsidy for each month of the audit year they serve, up to leaving (the roster's
end is the departure date of one who left early), by the due day of that month, counted from arrival in the month
of arrival (about two million rows a year at scale 1). Where the violation is planted, one volunteer's living
subsidy for one month was paid after the due day, or not paid at all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids
from westaudit.generate.sampling import days, one_row_per_office

# monthly amounts (yuan) a serving province pays: living by the hardship of the region, transport flat
LIVING_AMOUNTS = np.array([2000.0, 2200.0, 2500.0, 2800.0, 3200.0])
TRANSPORT_AMOUNTS = np.array([150.0, 200.0, 300.0])
TYPES = np.array(["living", "transport"], dtype=object)


def _months_served(world: World, volunteers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each volunteer's first month in the audit year and how many months they serve in it (0 if none)."""
    start = volunteers["service_start"].to_numpy().astype("datetime64[D]")
    end = volunteers["service_end"].to_numpy().astype("datetime64[D]")
    year_end = np.datetime64(f"{world.year}-12-31")
    first = np.maximum(start, world.year_start).astype("datetime64[M]")
    last = np.minimum(end, year_end).astype("datetime64[M]")
    return first, np.maximum((last - first).astype(int) + 1, 0)


class SubsidiesPlanter(Planter):
    name = "subsidies"
    tables = ("subsidies",)
    rules = ("service_county-08",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        due_day = int(world.parameters.value("subsidy_payment_day", world.year))
        volunteers = world.tables["volunteers"]
        first, months = _months_served(world, volunteers)
        # one (volunteer, month) per pay slot, volunteer by volunteer; each slot pays both subsidies on one day
        owner = np.repeat(np.arange(len(volunteers)), months)
        block_start = np.cumsum(months) - months
        month = first[owner] + (np.arange(len(owner)) - block_start[owner]).astype("timedelta64[M]")
        month_day_one = month.astype("datetime64[D]")
        # the month of arrival is paid counting from the arrival, as the rule judges it
        start = volunteers["service_start"].to_numpy().astype("datetime64[D]")[owner]
        pay_from = np.maximum(month_day_one, start)
        paid_on = pay_from + days(rng, max(0, due_day - 10), due_day - 1, len(owner))

        counties = volunteers["county_id"].to_numpy()
        late, unpaid = self._plant(world, rng, volunteers, counties, months, block_start, due_day)
        paid_on[late] = pay_from[late] + days(rng, due_day, due_day + 15, len(late))

        province_of = world.org.counties.set_index("office_id")["province_id"]
        provinces = world.org.provinces["office_id"].to_numpy()
        living = pd.Series(rng.choice(LIVING_AMOUNTS, len(provinces)), index=provinces)
        transport = pd.Series(rng.choice(TRANSPORT_AMOUNTS, len(provinces)), index=provinces)
        province = province_of.reindex(counties).to_numpy()[owner]

        slot = np.repeat(np.arange(len(owner)), 2)
        kind = np.tile([0, 1], len(owner))
        paid_living = paid_on.copy()
        paid_living[unpaid] = np.datetime64("NaT")
        world.add("subsidies", pd.DataFrame({
            "payment_id": sequence_ids(f"S{world.year}", len(slot), 8),
            "volunteer_id": volunteers["volunteer_id"].to_numpy()[owner][slot],
            "county_id": counties[owner][slot],
            "subsidy_type": TYPES[kind],
            "month": month_day_one[slot],
            "amount": np.where(kind == 0, living.reindex(province).to_numpy()[slot],
                               transport.reindex(province).to_numpy()[slot]),
            "paid_on": np.where(kind == 0, paid_living[slot], paid_on[slot]),
        }))

    @staticmethod
    def _plant(world: World, rng: np.random.Generator, volunteers: pd.DataFrame, counties: np.ndarray,
               months: np.ndarray, block_start: np.ndarray, due_day: int) -> tuple[np.ndarray, np.ndarray]:
        """Pay slots paid late and left unpaid: one month of one volunteer in each violating county."""
        eligible = months > 0
        violators = world.violators(rng, np.unique(counties[eligible]))
        rows = one_row_per_office(rng, counties, violators, eligible)
        slots = block_start[rows] + (rng.random(len(rows)) * months[rows]).astype(int)
        is_late = rng.random(len(rows)) < 0.5
        ids = volunteers["volunteer_id"].to_numpy()
        first_month = np.maximum(volunteers["service_start"].to_numpy().astype("datetime64[D]"),
                                 world.year_start).astype("datetime64[M]")
        for row, slot, late in zip(rows, slots, is_late, strict=True):
            month = first_month[row] + np.timedelta64(int(slot - block_start[row]), "M")
            what = f"{due_day} 日后才发放" if late else "未发放"
            world.planted.append(Plant("service_county-08", str(counties[row]),
                                       f"{counties[row]} 志愿者 {ids[row]} {month} 生活补贴{what}", (str(ids[row]),)))
        return slots[is_late], slots[~is_late]

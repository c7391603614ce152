"""Job placements (就业落实): each service unit places at least its required share of the volunteers serving in it
during the year (service_unit-06), and so each county at least its own required share (service_county-09).

Planted: a violating county places too few in every unit, so each of its units with volunteers fails too (a
county's share is its units' shares pooled, and cannot fall short while every unit reaches the same bar); a
violating unit of another county places too few, its county making up the difference in its other units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids

EMPLOYERS = np.array(["当地事业单位", "县人民医院", "乡镇人民政府", "县第一中学", "农村信用合作社", "县供电公司",
                      "当地民营企业", "县融媒体中心", "社区卫生服务中心", "特岗教师岗位"])


def _within_county(counties: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running total of values over the units before each one in its county (units listed county by county)."""
    totals = np.cumsum(values) - values
    first = np.r_[True, counties[1:] != counties[:-1]]
    return totals - np.maximum.accumulate(np.where(first, totals, 0))


class PlacementsPlanter(Planter):
    name = "placements"
    tables = ("job_placements",)
    rules = ("service_county-09", "service_unit-06")

    def build(self, world: World, rng: np.random.Generator) -> None:
        county_min = float(world.parameters.value("employment_ratio_min", world.year))
        unit_min = float(world.parameters.value("unit_employment_ratio_min", world.year))
        volunteers = world.tables["volunteers"]
        year_start, year_end = world.year_start, np.datetime64(f"{world.year}-12-31")
        active = volunteers[(volunteers["service_start"] <= year_end) & (volunteers["service_end"] >= year_start)]

        units = active.groupby(["county_id", "unit_id"], sort=True).size().reset_index(name="serving")
        county_of, serving = units["county_id"].to_numpy(), units["serving"].to_numpy()
        county_serving = units.groupby("county_id", sort=True)["serving"].sum()
        failing_counties = world.violators(rng, county_serving.index.to_numpy())
        in_failing_county = np.isin(county_of, failing_counties)
        # a unit can fall short on its own only if the rest of its county can make up for it
        room_elsewhere = county_serving.reindex(county_of).to_numpy() - serving >= serving
        failing_units = np.isin(units["unit_id"], world.violators(
            rng, np.sort(units.loc[~in_failing_county & room_elsewhere, "unit_id"].to_numpy())))

        bar = max(county_min, unit_min)
        short = in_failing_county | failing_units
        rate = np.where(short, rng.uniform(0.0, min(county_min, unit_min) * 0.75, len(units)),
                        rng.uniform(bar + 0.01, max(bar * 2, bar + 0.05), len(units)))
        placed = np.where(short, np.floor(rate * serving), np.minimum(serving, np.ceil(rate * serving))).astype(int)
        placed, failing_units = self._make_up(units, placed, failing_units, in_failing_county, county_min, bar)

        frame = self._placements(world, rng, active, pd.Series(placed, index=units["unit_id"]))
        world.add("job_placements", frame)
        self._record(world, units, placed, county_serving, failing_counties, in_failing_county | failing_units,
                     (county_min, unit_min), active, frame)

    @staticmethod
    def _make_up(units: pd.DataFrame, placed: np.ndarray, failing_units: np.ndarray, in_failing_county: np.ndarray,
                 county_min: float, bar: float) -> tuple[np.ndarray, np.ndarray]:
        """Counties with a failing unit place more in their other units until the county reaches its minimum; in
        a county that cannot (its failing units too many), they reach the bar after all and are not planted."""
        county_of, serving = units["county_id"].to_numpy(), units["serving"].to_numpy()
        by_county = pd.DataFrame({"county": county_of, "serving": serving, "placed": placed,
                                  "room": np.where(failing_units | in_failing_county, 0, serving - placed)})
        sums = by_county.groupby("county", sort=True)[["serving", "placed", "room"]].sum()
        needed = np.ceil(sums["serving"] * county_min - 1e-9) - sums["placed"]
        failing_county = sums.index.isin(county_of[in_failing_county])
        impossible = np.isin(county_of, needed.index[(needed > sums["room"]).to_numpy() & ~failing_county])
        failing_units = failing_units & ~impossible
        placed = np.where(impossible, np.maximum(placed, np.ceil(serving * bar - 1e-9)).astype(int), placed)
        room = by_county["room"].to_numpy()
        deficit = np.clip(needed.reindex(county_of).to_numpy(), 0, None)
        deficit[impossible | in_failing_county] = 0
        extra = np.clip(deficit - _within_county(county_of, room), 0, room).astype(int)
        return placed + extra, failing_units

    @staticmethod
    def _placements(world: World, rng: np.random.Generator, active: pd.DataFrame, placed: pd.Series) -> pd.DataFrame:
        """The placed volunteers of each unit: those finishing in the year first, as counties do."""
        year_start, year_end = world.year_start, np.datetime64(f"{world.year}-12-31")
        finishing = (active["service_end"] <= year_end).to_numpy()
        order = np.lexsort((rng.random(len(active)), ~finishing, active["unit_id"].to_numpy()))
        ranked = active.iloc[order]
        rank_in_unit = ranked.groupby("unit_id", sort=False).cumcount().to_numpy()
        chosen = ranked[rank_in_unit < placed.reindex(ranked["unit_id"]).to_numpy()].sort_values("volunteer_id")
        end = chosen["service_end"].to_numpy()
        day = np.clip(end - rng.integers(0, 120, len(chosen)).astype("timedelta64[D]"), year_start, year_end)
        return pd.DataFrame({
            "placement_id": sequence_ids(f"J{world.year}", len(chosen), 7),
            "volunteer_id": chosen["volunteer_id"].to_numpy(),
            "county_id": chosen["county_id"].to_numpy(),
            "placed_on": day,
            "employer": rng.choice(EMPLOYERS, len(chosen)),
        })

    @staticmethod
    def _record(world: World, units: pd.DataFrame, placed: np.ndarray, county_serving: pd.Series,
                failing_counties: np.ndarray, failing_units: np.ndarray, minimums: tuple[float, float],
                active: pd.DataFrame, frame: pd.DataFrame) -> None:
        county_min, unit_min = minimums
        county_placed = pd.Series(placed, index=units["county_id"]).groupby(level=0).sum()
        world.planted.extend(
            Plant("service_county-09", county,
                  f"{county} 在县服务 {county_serving[county]} 人，仅为 {county_placed[county]} 人落实就业"
                  f"（{county_placed[county] / county_serving[county]:.0%}，低于 {county_min:.0%}）")
            for county in failing_counties)
        failing = units["unit_id"][failing_units]
        unplaced = active[active["unit_id"].isin(failing) & ~active["volunteer_id"].isin(frame["volunteer_id"])]
        unplaced_by_unit = unplaced.groupby("unit_id")["volunteer_id"].agg(lambda ids: tuple(sorted(ids)))
        for unit, serving, count in zip(failing, units["serving"][failing_units],
                                        placed[failing_units], strict=True):
            world.planted.append(Plant("service_unit-06", unit, f"{unit} 在岗 {serving} 人，本年落实就业 {count} 人，"
                                       f"低于 {unit_min:.0%}", unplaced_by_unit.get(unit, ())))

"""Annual assessments (年度考核) with last-place elimination (末位淘汰): every county assesses each of its service
units (service_county-05, service_unit-07) and every province each of its counties (service_province-12) and
universities (recruit_province-05.assessment); the bottom-ranked are eliminated.

A province ranks only its counties (the ranking check ranks the subjects playing the ranked role), so its
universities, assessed in the same table, neither take a place nor make a single county rankable.

Planted, in this order so that no plant hides another: a county whose assessments of its units were filed under
last year (its units are not assessed this year, and the county has not assessed them: both recorded); a university
left unassessed, only where its province still has two subjects to rank; the last-ranked kept on (not where a
unit went unassessed, since that failure is reported first and names no rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World

# counties and units score below this, universities from it up
UNIVERSITY_FLOOR = 95.0


def _frame(assessors: np.ndarray, subjects: np.ndarray, scores: np.ndarray, ranked: bool, year: int) -> pd.DataFrame:
    return pd.DataFrame({"assessment_id": np.char.add(f"A{year}-", subjects.astype(str)), "year": year,
                         "assessor_id": assessors, "subject_id": subjects, "score": np.round(scores, 1),
                         "_ranked": ranked})


def _outcomes(frame: pd.DataFrame, bottom: int, year: int) -> pd.DataFrame:
    """Outcomes by place among the assessor's rows of the year; only counties and units are ever eliminated."""
    ranked = frame[frame["year"].eq(year) & frame["_ranked"]]
    place = ranked.groupby("assessor_id")["score"].rank(method="min", ascending=True)
    rankable = ranked.groupby("assessor_id")["score"].transform("size") >= 2
    frame["_last"] = ((place <= bottom) & rankable).reindex(frame.index, fill_value=False)
    frame["outcome"] = np.select([frame["_last"], frame["score"] >= 90, frame["score"] < 65],
                                 ["eliminated", "excellent", "basic"], "qualified")
    return frame


def _keep_on(world: World, rng: np.random.Generator, frame: pd.DataFrame, rule: str, what: str,
             excluded: set[str]) -> None:
    """The planted violators keep their last-ranked subjects on."""
    rankable = sorted(set(frame.loc[frame["_last"], "assessor_id"]) - excluded)
    for assessor in world.violators(rng, np.array(rankable, dtype=object)):
        spared = frame.index[frame["_last"] & frame["assessor_id"].eq(assessor)]
        frame.loc[spared, "outcome"] = "qualified"
        world.planted.append(Plant(rule, assessor, f"{assessor} 年度考核末位的{what}未被淘汰",
                                   tuple(frame.loc[spared, "assessment_id"])))


class AssessmentsPlanter(Planter):
    name = "assessments"
    tables = ("assessments",)
    rules = ("service_county-05", "service_province-12", "service_unit-07", "recruit_province-05.assessment")

    def build(self, world: World, rng: np.random.Generator) -> None:
        year = world.year
        bottom = int(world.parameters.value("last_place_elimination_count", year))
        org = world.org

        def scores(count: int) -> np.ndarray:
            return rng.normal(82, 8, count).clip(40, UNIVERSITY_FLOOR - 0.1)

        of_units = _frame(org.units["county_id"].to_numpy(), org.units["office_id"].to_numpy(),
                          scores(len(org.units)), True, year)
        of_counties = _frame(org.counties["province_id"].to_numpy(), org.counties["office_id"].to_numpy(),
                             scores(len(org.counties)), True, year)
        of_universities = _frame(org.universities["province_id"].to_numpy(), org.universities["office_id"].to_numpy(),
                                 rng.uniform(UNIVERSITY_FLOOR, 100, len(org.universities)), False, year)

        unassessed_counties = self._file_under_last_year(world, rng, of_units)
        of_provinces = pd.concat([of_counties, of_universities], ignore_index=True)
        of_provinces = self._leave_out_universities(world, rng, of_provinces)
        of_units, of_provinces = _outcomes(of_units, bottom, year), _outcomes(of_provinces, bottom, year)
        _keep_on(world, rng, of_units, "service_county-05", "服务单位", unassessed_counties)
        _keep_on(world, rng, of_provinces, "service_province-12", "服务县", set())
        world.add("assessments", pd.concat([of_provinces, of_units], ignore_index=True).drop(columns=["_ranked", "_last"]))

    @staticmethod
    def _file_under_last_year(world: World, rng: np.random.Generator, of_units: pd.DataFrame) -> set[str]:
        """Counties that filed this year's assessment of their units under last year: each unit of theirs is not
        assessed this year, and the county has not assessed its units. Choosing counties rather than units
        keeps both rules near the violation share (units chosen one by one would fail most counties)."""
        counties = world.violators(rng, np.unique(of_units["assessor_id"].to_numpy()))
        rows = of_units.index[of_units["assessor_id"].isin(counties)]
        of_units.loc[rows, "year"] = world.year - 1
        for unit in of_units.loc[rows, "subject_id"]:
            world.planted.append(Plant("service_unit-07", unit, f"{unit} 的年度考核记录年度填为 {world.year - 1}，"
                                       "本年度未接受县项目办考核", (unit,)))
        for county in counties:
            world.planted.append(Plant("service_county-05", str(county),
                                       f"{county} 本年度对服务单位的考核记录年度均填为 {world.year - 1}，未完成年度考核"))
        return {str(county) for county in counties}

    @staticmethod
    def _leave_out_universities(world: World, rng: np.random.Generator, of_provinces: pd.DataFrame) -> pd.DataFrame:
        """One university of each violating province left unassessed, where the province keeps two rows to rank."""
        serving = set(world.org.provinces.loc[world.org.provinces["serves"], "office_id"])
        size = of_provinces.groupby("assessor_id").size()
        universities = of_provinces[~of_provinces["_ranked"]]
        candidates = [p for p in sorted(set(universities["assessor_id"])) if p not in serving or size[p] >= 3]
        dropped = []
        for province in world.violators(rng, np.array(candidates, dtype=object)):
            own = universities.index[universities["assessor_id"].eq(province)]
            row = own[int(rng.integers(0, len(own)))]
            dropped.append(row)
            university = of_provinces.at[row, "subject_id"]
            world.planted.append(Plant("recruit_province-05.assessment", province,
                                       f"{province} 本年度未对高校项目办 {university} 进行考核", (university,)))
        return of_provinces.drop(index=dropped).reset_index(drop=True)

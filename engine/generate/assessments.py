"""Annual assessments (年度考核) with last-place elimination (末位淘汰): every county assesses each of its service
units (service_county-05) and every serving province each of its counties (service_province-12); the
bottom-ranked are eliminated, except where a violation is planted and the last-ranked is kept on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World


def _assessments(rng: np.random.Generator, assessors: np.ndarray, subjects: np.ndarray, bottom: int,
                 prefix: str, year: int) -> pd.DataFrame:
    frame = pd.DataFrame({"assessor_id": assessors, "subject_id": subjects,
                          "score": np.round(rng.normal(82, 8, len(subjects)).clip(40, 100), 1)})
    place = frame.groupby("assessor_id")["score"].rank(method="min", ascending=True)
    rankable = frame.groupby("assessor_id")["score"].transform("size") >= 2
    frame["outcome"] = np.select([rankable & (place <= bottom), frame["score"] >= 90, frame["score"] < 65],
                                 ["eliminated", "excellent", "basic"], "qualified")
    frame["_last"] = rankable & (place <= bottom)
    frame.insert(0, "assessment_id", prefix + frame["subject_id"])
    frame.insert(1, "year", year)
    return frame


def _keep_on(world: World, rng: np.random.Generator, frame: pd.DataFrame, rule: str, what: str) -> None:
    """The planted violators keep their last-ranked subjects on."""
    rankable = frame.loc[frame["_last"], "assessor_id"].unique()
    for assessor in world.violators(rng, np.sort(rankable)):
        spared = frame.index[frame["_last"] & frame["assessor_id"].eq(assessor)]
        frame.loc[spared, "outcome"] = "qualified"
        world.planted.append(Plant(rule, assessor, f"{assessor} 年度考核末位的{what}未被淘汰",
                                   tuple(frame.loc[spared, "assessment_id"])))


class AssessmentsPlanter(Planter):
    name = "assessments"
    tables = ("assessments",)
    rules = ("service_county-05", "service_province-12")

    def build(self, world: World, rng: np.random.Generator) -> None:
        bottom = int(world.parameters.value("last_place_elimination_count", world.year))
        org = world.org
        of_units = _assessments(rng, org.units["county_id"].to_numpy(), org.units["office_id"].to_numpy(), bottom,
                                f"A{world.year}-", world.year)
        of_counties = _assessments(rng, org.counties["province_id"].to_numpy(), org.counties["office_id"].to_numpy(),
                                   bottom, f"A{world.year}-", world.year)
        _keep_on(world, rng, of_units, "service_county-05", "服务单位")
        _keep_on(world, rng, of_counties, "service_province-12", "服务县")
        world.add("assessments", pd.concat([of_counties, of_units], ignore_index=True).drop(columns="_last"))

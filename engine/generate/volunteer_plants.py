"""Violations of the rules that judge each volunteer's own records (row_condition, deadline): for each violating
office, one volunteer of the rule's population gets the record the rule reads left blank, late or refused.

Each plant touches only what its own rule reads, with one coupling that cannot be avoided: the national file rule
(national-13) reads the same volunteers and the same condition as the service provinces' (service_province-13),
so it fails exactly when one of theirs is planted, and is recorded so with their volunteers as evidence.
The recruiting provinces' file rule (recruit_province-11, by the service start) is kept apart by giving it
this year's recruits filed after arrival, and the service provinces' plants earlier cohorts with no file at all.
A blank confirmation notice (national-05) also breaks the recruiting province's recruit_province-04; the
recruitment planter, which builds that rule's records, records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, World
from westaudit.generate.sampling import days, one_row_per_office

NATIONAL = "N"
NOT_DATED = np.datetime64("NaT")


@dataclass(frozen=True)
class Roster:
    """The volunteers as arrays, with the office each counts for at every level the rules roll up to."""

    ids: np.ndarray
    cohort: np.ndarray
    start: np.ndarray
    end: np.ndarray
    status: np.ndarray
    offices: dict[str, np.ndarray]
    year: int

    @property
    def active(self) -> np.ndarray:
        return (self.start <= np.datetime64(f"{self.year}-12-31")) & (self.end >= np.datetime64(f"{self.year}-01-01"))

    @property
    def recruits(self) -> np.ndarray:
        return self.cohort == self.year


@dataclass(frozen=True)
class Spoiling:
    """What a plant changes (the record columns, in place) and what it reads to do so."""

    records: dict[str, np.ndarray]
    roster: Roster
    rng: np.random.Generator
    world: World


@dataclass(frozen=True)
class RowPlant:
    rule: str
    level: str  # key of Roster.offices: the office the rule judges the volunteer under
    population: Callable[[Roster], np.ndarray]
    spoil: Callable[[Spoiling, np.ndarray], None]
    why_zh: str
    # the last audit year the rule is in force (its `in_force.until`; tests/test_generate_people.py checks they
    # agree): no violation is planted for a year the audit does not judge
    last_year: int | None = None


def _blank(column: str) -> Callable[[Spoiling, np.ndarray], None]:
    def spoil(target: Spoiling, rows: np.ndarray) -> None:
        target.records[column][rows] = NOT_DATED
    return spoil


def _refused(*columns: str) -> Callable[[Spoiling, np.ndarray], None]:
    """One of the yes/no records answered no (which one, at random)."""
    def spoil(target: Spoiling, rows: np.ndarray) -> None:
        which = target.rng.integers(0, len(columns), len(rows))
        for index, column in enumerate(columns):
            target.records[column][rows[which == index]] = False
    return spoil


def _registered_late(target: Spoiling, rows: np.ndarray) -> None:
    limit = int(target.world.parameters.value("national_registration_days", target.world.year))
    target.records["registered_on"][rows] = target.roster.start[rows] + days(target.rng, limit + 1, limit + 40,
                                                                            len(rows))


def _filed_after_arrival(target: Spoiling, rows: np.ndarray) -> None:
    # after the start (recruit_province-11) but long before the end (national-13, service_province-13 pass)
    target.records["archive_created_on"][rows] = target.roster.start[rows] + days(target.rng, 1, 30, len(rows))


def _in_year(dates: np.ndarray, year: int) -> np.ndarray:
    return (dates >= np.datetime64(f"{year}-01-01")) & (dates <= np.datetime64(f"{year}-12-31"))


ROW_PLANTS = (
    RowPlant("national-05", "national", lambda r: r.recruits, _blank("confirmation_notice_on"),
             "一名本年度入选志愿者未发放《确认通知书》"),
    RowPlant("national-05.certificate", "national", lambda r: r.recruits, _blank("service_certificate_on"),
             "一名本年度入选志愿者未发放《志愿服务证》"),
    RowPlant("national-14", "national", lambda r: _in_year(r.start, r.year), _registered_late,
             "一名本年度到岗志愿者超过时限才在信息管理系统登记"),
    RowPlant("recruit_province-11", "recruit_province", lambda r: r.recruits, _filed_after_arrival,
             "一名本省高校的入选志愿者到岗后才建立信息档案"),
    RowPlant("service_province-13", "service_province", lambda r: r.active & ~r.recruits,
             _blank("archive_created_on"), "一名在本省服务的往届志愿者未建立信息档案"),
    RowPlant("service_unit-02.staff", "unit", lambda r: r.active, _refused("staff_managed"),
             "一名在岗志愿者未纳入单位职工序列管理"),
    RowPlant("service_unit-03", "unit", lambda r: r.active, _refused("housing_free"), "一名在岗志愿者未落实免费住宿"),
    RowPlant("university-06", "university", lambda r: r.active & np.isin(r.status, ["serving", "extended"]),
             _refused("records_kept_at_university", "org_relations_transferred"),
             "一名在岗的本校毕业生户籍档案未保留在学校或党团关系未转至服务地"),
    RowPlant("university-08", "university", lambda r: (r.status == "completed") & _in_year(r.end, r.year),
             _blank("employment_certificate_on"), "一名本年度期满的本校毕业生未办理就业报到证", last_year=2022),
)
# national-13 has no plant of its own: it fails with any service_province-13 plant (see the module text)
ROW_RULES = (*(plant.rule for plant in ROW_PLANTS), "national-13")


def _roster(world: World, frame: pd.DataFrame) -> Roster:
    counties = world.org.counties.set_index("office_id")
    university_province = world.org.universities.set_index("office_id")["province_id"]
    county = frame["county_id"]
    return Roster(
        ids=frame["volunteer_id"].to_numpy(),
        cohort=frame["cohort_year"].to_numpy(),
        start=frame["service_start"].to_numpy().astype("datetime64[D]"),
        end=frame["service_end"].to_numpy().astype("datetime64[D]"),
        status=frame["status"].to_numpy().astype(str),
        offices={
            "national": np.full(len(frame), NATIONAL, dtype=object),
            "recruit_province": university_province.reindex(frame["university_id"]).to_numpy(),
            "service_province": counties["province_id"].reindex(county).to_numpy(),
            "unit": frame["unit_id"].to_numpy(),
            "university": frame["university_id"].to_numpy(),
        },
        year=world.year,
    )


def plant_row_violations(world: World, rng: np.random.Generator, frame: pd.DataFrame,
                         records: dict[str, np.ndarray]) -> None:
    """Spoil `records` (the roster's record columns, changed in place) for each rule's violating offices."""
    roster = _roster(world, frame)
    target = Spoiling(records, roster, rng, world)
    spoiled: dict[str, np.ndarray] = {}
    for plant in ROW_PLANTS:
        offices = roster.offices[plant.level]
        eligible = plant.population(roster)
        violators = world.violators(rng, np.unique(offices[eligible]))
        rows = one_row_per_office(rng, offices, violators, eligible)
        if plant.last_year is not None and world.year > plant.last_year:
            continue  # drawn all the same, so every later plant of the seed spoils the rows it always did
        plant.spoil(target, rows)
        spoiled[plant.rule] = rows
        world.planted.extend(Plant(plant.rule, str(offices[row]), f"{offices[row]} {plant.why_zh}（{roster.ids[row]}）",
                                   (str(roster.ids[row]),)) for row in rows)
    unfiled = spoiled["service_province-13"]
    if len(unfiled):
        world.planted.append(Plant("national-13", NATIONAL, f"{len(unfiled)} 名在岗志愿者未建立信息档案",
                                   tuple(sorted(str(v) for v in roster.ids[unfiled]))))

"""Safety and health incidents (安全健康事件) and their reporting up the chain (事件上报记录).

Every serious incident is reported unit → county → prefecture → province → national office, each hop within
the limit of the office sending it (service_unit-05, service_county-04, service_prefecture-02,
service_province-06). A plant makes one hop of one incident late: only the sending office's rule breaks, since
each rule times its own hop from the report its office received (the unit's from the incident itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, scaled, sequence_ids
from westaudit.generate.sampling import minutes, one_row_per_office

SERIOUS_AT_SCALE_1 = 600
ORDINARY_AT_SCALE_1 = 2400
SERIOUS = np.array(["志愿者下乡途中交通事故受伤", "志愿者突发急病住院", "志愿者在岗期间遭遇自然灾害受伤", "志愿者财物被盗并受轻伤"])
ORDINARY = np.array(["志愿者感冒发热，已就医", "志愿者轻微扭伤", "志愿者手机遗失", "志愿者饮食不适，已就医"])


@dataclass(frozen=True)
class _Hop:
    """One level of the chain: the rule of the sending office, its limit parameter and its words."""

    rule: str
    limit: str
    sender: str  # the column naming the sending office
    receiver_zh: str
    start_zh: str


HOPS = (
    _Hop("service_unit-05", "incident_unit_report_hours", "unit_id", "县级项目办", "事件发生"),
    _Hop("service_county-04", "incident_county_report_hours", "county_id", "上级项目办", "收到报告"),
    _Hop("service_prefecture-02", "incident_prefecture_report_hours", "prefecture_id", "省级项目办", "收到报告"),
    _Hop("service_province-06", "incident_province_report_hours", "province_id", "全国项目办", "收到报告"),
)


def _occurrences(world: World, rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Incidents of volunteers serving in the audit year, at a minute inside their service that year."""
    volunteers = world.tables["volunteers"]
    first = np.maximum(volunteers["service_start"].to_numpy().astype("datetime64[D]"), world.year_start)
    last = np.minimum(volunteers["service_end"].to_numpy().astype("datetime64[D]"),
                      np.datetime64(f"{world.year}-12-31"))
    serving = np.flatnonzero(last >= first)
    chosen = serving[rng.integers(0, len(serving), count)]
    span = ((last[chosen] - first[chosen]).astype(int) + 1) * 24 * 60
    at = first[chosen].astype("datetime64[m]") + (rng.random(count) * span).astype(int).astype("timedelta64[m]")
    rows = volunteers.iloc[chosen]
    counties = world.org.counties.set_index("office_id").reindex(rows["county_id"])
    return pd.DataFrame({
        "volunteer_id": rows["volunteer_id"].to_numpy(), "unit_id": rows["unit_id"].to_numpy(),
        "county_id": rows["county_id"].to_numpy(), "prefecture_id": counties["prefecture_id"].to_numpy(),
        "province_id": counties["province_id"].to_numpy(), "occurred_at": at,
    })


class IncidentsPlanter(Planter):
    name = "incidents"
    tables = ("incidents", "incident_reports")
    rules = tuple(hop.rule for hop in HOPS)

    def build(self, world: World, rng: np.random.Generator) -> None:
        serious_count = scaled(SERIOUS_AT_SCALE_1, world.scale)
        ordinary_count = scaled(ORDINARY_AT_SCALE_1, world.scale)
        events = _occurrences(world, rng, serious_count + ordinary_count)
        events["serious"] = np.arange(len(events)) < serious_count
        events = events.sort_values(["occurred_at", "volunteer_id"], kind="stable").reset_index(drop=True)
        events["incident_id"] = sequence_ids(f"E{world.year}", len(events), 6)
        serious = events[events["serious"]].reset_index(drop=True)
        gaps = self._gaps(world, rng, serious)
        world.add("incidents", pd.DataFrame({
            "incident_id": events["incident_id"], "volunteer_id": events["volunteer_id"],
            "unit_id": events["unit_id"], "county_id": events["county_id"], "occurred_at": events["occurred_at"],
            "severity": np.where(events["serious"], "serious", "ordinary"),
            "description": np.where(events["serious"], rng.choice(SERIOUS, len(events)),
                                    rng.choice(ORDINARY, len(events))),
        }))
        world.add("incident_reports", pd.concat([self._chain(serious, gaps), self._ordinary(rng, events)],
                                                ignore_index=True))

    def _gaps(self, world: World, rng: np.random.Generator, serious: pd.DataFrame) -> np.ndarray:
        """Minutes each hop took (one column per hop); the planted hops overrun their office's limit."""
        gaps = np.empty((len(serious), len(HOPS)), dtype="timedelta64[m]")
        for level, hop in enumerate(HOPS):
            limit = int(round(float(world.parameters.value(hop.limit, world.year)) * 60))
            gaps[:, level] = minutes(rng, 5, limit, len(serious))  # exactly on the limit passes
            offices = serious[hop.sender].to_numpy()
            violators = world.violators(rng, np.unique(offices))
            planted = one_row_per_office(rng, offices, violators)
            gaps[planted, level] = minutes(rng, limit + 1, 3 * limit, len(planted))
            for row in planted:
                late = gaps[row, level].astype(int)
                world.planted.append(Plant(
                    hop.rule, str(offices[row]),
                    f"{offices[row]} 对重大事件 {serious.at[row, 'incident_id']} {hop.start_zh}后 {late // 60} 小时 "
                    f"{late % 60} 分才上报{hop.receiver_zh}（限 {limit // 60} 小时）",
                    (str(serious.at[row, "incident_id"]),)))
        return gaps

    @staticmethod
    def _chain(serious: pd.DataFrame, gaps: np.ndarray) -> pd.DataFrame:
        """One report per hop, incident by incident: unit → county → prefecture → province → N."""
        senders = np.column_stack([serious[hop.sender].to_numpy() for hop in HOPS])
        receivers = np.column_stack([senders[:, 1:], np.full(len(serious), "N")])
        at = serious["occurred_at"].to_numpy().astype("datetime64[m]")[:, None] + np.cumsum(gaps, axis=1)
        incident = np.repeat(serious["incident_id"].to_numpy(), len(HOPS))
        hop_number = np.tile(np.arange(1, len(HOPS) + 1).astype(str), len(serious))
        return pd.DataFrame({
            "report_id": np.char.add(np.char.add(incident.astype(str), "-R"), hop_number),
            "incident_id": incident, "from_office_id": senders.ravel(), "to_office_id": receivers.ravel(),
            "reported_at": at.ravel(),
        })

    @staticmethod
    def _ordinary(rng: np.random.Generator, events: pd.DataFrame) -> pd.DataFrame:
        """Ordinary incidents are reported to the county when the unit gets to it; no limit applies."""
        ordinary = events[~events["serious"]]
        return pd.DataFrame({
            "report_id": np.char.add(ordinary["incident_id"].to_numpy().astype(str), "-R1"),
            "incident_id": ordinary["incident_id"].to_numpy(), "from_office_id": ordinary["unit_id"].to_numpy(),
            "to_office_id": ordinary["county_id"].to_numpy(),
            "reported_at": ordinary["occurred_at"].to_numpy().astype("datetime64[m]")
            + minutes(rng, 30, 72 * 60, len(ordinary)),
        })

"""What every planter works with: the world built so far, the violations it plants, and its random stream.

A planter writes the rows of one table family at national scale and, for the rules it knows, makes a
chosen share of the offices playing the rule's role break it, saying which office and which rows.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from westaudit.spec.parameters import ParameterSet
from westaudit.spec.tables import TableSpec


@dataclass(frozen=True)
class Plant:
    """One planted violation: the audit must find `rule` failing for `office`, with `evidence` rows among it."""

    rule: str
    office: str
    why: str
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # planters index numpy arrays; numpy strings would not serialise into planted.yaml
        object.__setattr__(self, "office", str(self.office))
        object.__setattr__(self, "evidence", tuple(str(key) for key in self.evidence))


@dataclass(frozen=True)
class OrgFrames:
    """The hierarchy as frames a planter can join against; every id is an office of the offices table."""

    provinces: pd.DataFrame     # office_id, name, recruits, serves
    prefectures: pd.DataFrame   # office_id, province_id
    counties: pd.DataFrame      # office_id, prefecture_id, province_id, name
    units: pd.DataFrame         # office_id, county_id
    universities: pd.DataFrame  # office_id, province_id


@dataclass
class World:
    year: int
    scale: float
    seed: int
    violation_share: float
    contract: dict[str, TableSpec]
    # the rules' own dated thresholds, so a planted violation breaks exactly what the rule checks
    parameters: ParameterSet
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    planted: list[Plant] = field(default_factory=list)
    org: OrgFrames | None = None

    @property
    def year_start(self) -> np.datetime64:
        return np.datetime64(f"{self.year}-01-01")

    def rng(self, name: str) -> np.random.Generator:
        """A stream of its own per planter, so adding a planter leaves every other table unchanged."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode("utf-8"))])

    def violators(self, rng: np.random.Generator, candidates: np.ndarray) -> np.ndarray:
        """The offices made to break a rule: the violation share of the candidates, at least one if any."""
        candidates = np.asarray(candidates)
        if self.violation_share <= 0 or len(candidates) == 0:
            return candidates[:0]
        count = min(len(candidates), max(1, round(self.violation_share * len(candidates))))
        return np.sort(rng.choice(candidates, size=count, replace=False))

    def add(self, table: str, frame: pd.DataFrame) -> None:
        if table in self.tables:
            raise ValueError(f"table {table!r} is built twice")
        unknown = sorted(set(frame.columns) - set(self.contract[table].columns))
        if unknown:
            raise ValueError(f"table {table!r}: columns not in the contract: {unknown}")
        self.tables[table] = frame.reset_index(drop=True)

    def add_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Rows of a table two families share (agreements: recruitment and service), appended to what is there."""
        if table not in self.tables:
            self.add(table, frame)
            return
        built = self.tables.pop(table)
        self.add(table, pd.concat([built, frame], ignore_index=True))

    def set_columns(self, table: str, columns: dict[str, np.ndarray]) -> None:
        """Optional columns of a table another planter built (a volunteer's notice and leaving dates)."""
        unknown = sorted(set(columns) - set(self.contract[table].columns))
        if unknown:
            raise ValueError(f"table {table!r}: columns not in the contract: {unknown}")
        self.tables[table] = self.tables[table].assign(**columns)


class Planter(ABC):
    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    rules: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def build(self, world: World, rng: np.random.Generator) -> None:
        """Add this family's tables to the world and its plants to world.planted."""


def scaled(count: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(count * scale))


def sequence_ids(prefix: str, count: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, count + 1).astype(str), width))

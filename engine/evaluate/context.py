"""What a check kind may read while it evaluates: the accepted tables, the org chart, the parameters in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from westaudit.checks.base import ParamRef
from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW  # noqa: F401 - re-exported
from westaudit.core.results import RejectedRow
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.parameters import ParameterSet
from westaudit.spec.tables import TableSpec


@dataclass
class EvalContext:
    year: int
    parameters: ParameterSet
    tables: dict[str, pd.DataFrame]
    contract: dict[str, TableSpec]
    org: OrgChart
    # (table, None): offices with rows of the table rejected whole (or not sent); (table, column): offices with
    # rows kept whose cell in that column was rejected. Results resting on them say so (engine/evaluate/audit.py)
    incomplete: dict[tuple[str, str | None], set[str]] = field(default_factory=dict)
    # None: every contract column counts as submitted (rule test cases)
    submitted_columns: dict[str, frozenset[str]] | None = None
    # the package's rejected rows: the rows to correct, and the kept rows a rule reading their bad cell leaves out
    rejected: tuple[RejectedRow, ...] = ()

    @property
    def year_start(self) -> pd.Timestamp:
        return pd.Timestamp(dt.date(self.year, 1, 1))

    @property
    def year_end(self) -> pd.Timestamp:
        return pd.Timestamp(dt.date(self.year, 12, 31))

    def resolve(self, value: float | int | str) -> float | int | str:
        """A literal threshold as written, or the value of the named parameter in force in the audit year."""
        if isinstance(value, ParamRef):
            return self.parameters.value(value, self.year)
        return value

    def deadline(self, value: str) -> pd.Timestamp:
        return pd.Timestamp(self.parameters.deadline(value, self.year))

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def has_column(self, table: str, column: str) -> bool:
        if self.submitted_columns is None or not column:
            return True
        return column in self.submitted_columns.get(table, frozenset())

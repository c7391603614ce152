"""Choosing the rows a rule looks at, and the office each row counts for, as whole-table pandas operations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from westaudit.checks.base import ColumnRef
from westaudit.core.offices import OFFICE_CODES
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext

OFFICE = "_office"
Scalar = str | int | float | bool
OfficeCode = Literal[OFFICE_CODES]  # type: ignore[valid-type]


def _true(mask: pd.Series) -> pd.Series:
    """A comparison with a blank cell is not a match (nullable columns give NA, not False)."""
    return mask.fillna(False).astype(bool)


class RowSelector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    office_column: str | None = None
    roll_up_to: OfficeCode | None = None
    where: dict[str, Scalar | list[Scalar]] = {}
    year_column: str | None = None
    date_in_year: str | None = None
    active_in_year: tuple[str, str] | None = None
    # -1 looks at the year before the audit year (e.g. last year's report, due early in the audit year)
    year_offset: int = 0

    def column_refs(self, field: str) -> Iterator[ColumnRef]:
        named = [self.office_column, self.year_column, self.date_in_year, *self.where, *(self.active_in_year or ())]
        yield ColumnRef(self.table, "", field)  # the table itself must exist
        for column in named:
            if column:
                yield ColumnRef(self.table, column, field)

    def select(self, ctx: EvalContext) -> pd.DataFrame:
        rows = ctx.tables[self.table]
        year = ctx.year + self.year_offset
        year_start, year_end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31, 23, 59, 59)
        keep = pd.Series(True, index=rows.index)
        for column, wanted in self.where.items():
            keep &= _true(rows[column].isin(wanted if isinstance(wanted, list) else [wanted]))
        if self.year_column:
            keep &= _true(rows[self.year_column] == year)
        if self.date_in_year:
            keep &= _true(rows[self.date_in_year].between(year_start, year_end))
        if self.active_in_year:
            start, end = self.active_in_year
            keep &= _true(rows[start] <= year_end) & _true(rows[end] >= year_start)
        # one copy of the chosen rows, to add the office column to (a boolean index, then .copy(), made two)
        chosen = rows.take(keep.to_numpy().nonzero()[0])
        if self.office_column:
            offices = chosen[self.office_column]
            chosen[OFFICE] = ctx.org.rollup_map(offices, self.roll_up_to) if self.roll_up_to else offices
        return chosen

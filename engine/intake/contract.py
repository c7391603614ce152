"""The data contract's row rules, described as plain data, for the runners that execute them.

Parsing (engine/intake/coerce.py) turns text into typed columns and rejects only cells that are not of their type
at all (a date that is no date). Everything else the contract says of a row is a rule here: blanks where a value
is required, value sets, minimums and maximums, date windows, ID check digits, foreign keys and unique keys.

Two runners execute the same description and give the same violations (tests/test_contract_runners.py):
Great Expectations (engine/intake/validation.py), the validator of record for `westaudit audit` and `validate`,
and vectorised pandas (engine/intake/contract_pandas.py), which answers an office's self-check in a fraction of
the time and without importing Great Expectations (5-7 s on the 2-core machine). This module imports neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations: `--help` imports this module for VALIDATORS, so no pydantic, no pandas
    import pandas as pd

    from westaudit.spec.tables import ColumnSpec, TableSpec

# The West Plan began in 2003; a date outside this window is a typing slip, not an event of the plan.
DEFAULT_EARLIEST = dt.date(2003, 1, 1)
DEFAULT_LATEST = dt.date(2100, 12, 31)
OFFICES_KEY_SET = "offices.office_id"

EXPECTED_NOT_BLANK = "不能为空 must not be blank"
EXPECTED_ID_NUMBER = "18位身份证号（校验位正确）valid ID number (GB 11643 check digit)"
EXPECTED_OFFICE = "组织机构表中的机构编号 an office id of the offices table"
EXPECTED_UNIQUE = "编号不得重复 unique key (first occurrence kept)"

GREAT_EXPECTATIONS, PANDAS = "great-expectations", "pandas"
VALIDATORS = (GREAT_EXPECTATIONS, PANDAS)


class Check(Enum):
    """What a rule checks; blanks break only FILLED (the other checks judge the values that are there)."""

    FILLED = "filled"  # every listed column holds a value
    IN_SET = "in_set"
    ID_NUMBER = "id_number"  # 18 characters, GB 11643 check character right
    BETWEEN = "between"  # low <= value <= high, either bound may be open
    KNOWN_KEY = "known_key"  # the value is a key of key_set (another table's keys, or the offices')
    UNIQUE = "unique"  # no two rows share the columns' values together


@dataclass(frozen=True)
class ContractRule:
    """One rule of one table and what the office is told about a row that breaks it.

    A FILLED rule over several columns is the not-blank rule of all required columns at once (Great Expectations
    spends tens of milliseconds per expectation, so one instead of one per column); its violations are told
    apart per blank column, each naming one column.
    """

    check: Check
    columns: tuple[str, ...]
    expected: str
    value_set: tuple[str, ...] = ()
    low: float | dt.datetime | None = None
    high: float | dt.datetime | None = None
    key_set: str | None = None

    @property
    def column(self) -> str:
        """The column a rejection names (a compound key's first column)."""
        return self.columns[0]

    @property
    def is_key(self) -> bool:
        return self.check is Check.UNIQUE


@dataclass(frozen=True)
class Violation:
    """The rows (frame index labels, in frame order) breaking one rule."""

    rule: ContractRule
    rows: pd.Index


def enum_expected(column: ColumnSpec) -> str:
    return "取值之一 one of: " + "、".join(f"{code}（{'/'.join(s)}）" for code, s in column.values.items())


def date_window_expected(column: ColumnSpec) -> str:
    """What a date column's window rejection says (also for a date no datetime holds, such as 9999-12-31)."""
    return "日期在 date within " + _window_text(column.min_date or DEFAULT_EARLIEST, column.max_date or DEFAULT_LATEST)


def _window_text(low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"{low} – {high}"
    return f">= {low}" if low is not None else f"<= {high}"


def _number_text(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _must_be_filled(name: str, column: ColumnSpec, spec: TableSpec) -> bool:
    return not column.nullable or name in spec.key


def _filled_rule(spec: TableSpec) -> ContractRule | None:
    columns = tuple(name for name, column in spec.columns.items() if _must_be_filled(name, column, spec))
    return ContractRule(Check.FILLED, columns, EXPECTED_NOT_BLANK) if columns else None


def _column_rules(name: str, column: ColumnSpec, key_sets: frozenset[str]) -> Iterator[ContractRule]:
    if column.type == "enum":
        yield ContractRule(Check.IN_SET, (name,), enum_expected(column), value_set=tuple(sorted(column.values)))
    if column.type == "id_number":
        yield ContractRule(Check.ID_NUMBER, (name,), EXPECTED_ID_NUMBER)
    if column.type in ("int", "float") and (column.min is not None or column.max is not None):
        yield ContractRule(Check.BETWEEN, (name,), _window_text(_number_text(column.min), _number_text(column.max)),
                           low=column.min, high=column.max)
    if column.type in ("date", "datetime"):
        low, high = column.min_date or DEFAULT_EARLIEST, column.max_date or DEFAULT_LATEST
        yield ContractRule(Check.BETWEEN, (name,), date_window_expected(column),
                           low=dt.datetime.combine(low, dt.time.min), high=dt.datetime.combine(high, dt.time.max))
    if column.type == "office" and OFFICES_KEY_SET in key_sets:
        yield ContractRule(Check.KNOWN_KEY, (name,), EXPECTED_OFFICE, key_set=OFFICES_KEY_SET)
    if column.type == "ref" and column.ref in key_sets:
        target = column.ref.split(".")[0]
        yield ContractRule(Check.KNOWN_KEY, (name,), f"{target} 表中已有的编号 an id present in {target}",
                           key_set=column.ref)


def contract_rules(spec: TableSpec, key_sets: frozenset[str]) -> tuple[ContractRule, ...]:
    """Every rule the contract implies for one table, in a fixed order (violations come in this order);
    foreign keys only where their key set is known."""
    filled = _filled_rule(spec)
    rules = [filled] if filled else []
    rules += [rule for name, column in spec.columns.items() for rule in _column_rules(name, column, key_sets)]
    rules.append(ContractRule(Check.UNIQUE, tuple(spec.key), EXPECTED_UNIQUE))
    return tuple(rules)


def violations_of(rule: ContractRule, rows: pd.Index, frame: pd.DataFrame) -> list[Violation]:
    """A failing rule's violations: one, or for a FILLED rule one per column blank in some of its rows."""
    if rule.check is not Check.FILLED or len(rule.columns) == 1:
        return [Violation(rule, rows)]
    violations = []
    for column in rule.columns:
        blank = rows[frame.loc[rows, column].isna().to_numpy()]
        if len(blank):
            violations.append(Violation(ContractRule(Check.FILLED, (column,), rule.expected), blank))
    return violations

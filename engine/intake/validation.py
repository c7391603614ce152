"""The data contract run with Great Expectations: one suite per table, generated from checks/tables/*.yaml.

Parsing (engine/intake/coerce.py) turns text into typed columns and rejects only cells that are not of their type
at all (a date that is no date). Everything else the contract says of a row is an expectation here: blanks
where a value is required, value sets, minimums and maximums, date windows, ID check digits, foreign keys
and unique keys. Each failing expectation's unexpected rows become rejected rows, so there is one way a
row gets rejected after parsing, and one accounting.

Great Expectations is imported only by this module. One ephemeral context and each table's suite are built
once per process. A table is validated with the lean BOOLEAN_ONLY result format; row indices are fetched,
in one more pass, only for the expectations that failed.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # an audit never phones home
import great_expectations as gx  # noqa: E402  (after the analytics switch)
import great_expectations.expectations as gxe  # noqa: E402
import tqdm.std  # noqa: E402  (a dependency of Great Expectations)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import PandasExecutionEngine, pandas_execution_engine  # noqa: E402
from great_expectations.expectations.expectation import (  # noqa: E402
    ColumnMapExpectation,
    Expectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics import (  # noqa: E402
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider import MulticolumnMapMetricProvider  # noqa: E402
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (  # noqa: E402
    multicolumn_condition_partial,
)

from westaudit.intake import cells
from westaudit.spec.tables import ColumnSpec, TableSpec  # noqa: E402

# GE's progress bars are off, but every tqdm bar it makes, even a disabled one, starts tqdm's monitor thread,
# and a running thread makes the forks of an audit unsafe (engine/runtime/parallel.py: other_threads)
tqdm.std.tqdm.monitor_interval = 0

# The West Plan began in 2003; a date outside this window is a typing slip, not an event of the plan.
DEFAULT_EARLIEST = dt.date(2003, 1, 1)
DEFAULT_LATEST = dt.date(2100, 12, 31)
OFFICES_KEY_SET = "offices.office_id"

EXPECTED_NOT_BLANK = "不能为空 must not be blank"
EXPECTED_ID_NUMBER = "18位身份证号（校验位正确）valid ID number (GB 11643 check digit)"
EXPECTED_OFFICE = "组织机构表中的机构编号 an office id of the offices table"
EXPECTED_UNIQUE = "编号不得重复 unique key (first occurrence kept)"

# Key sets (office ids, volunteer ids) run to millions: in an expectation's configuration Great
# Expectations would serialise them dozens of times per run, so the metric looks them up here instead.
_KEY_SETS: contextvars.ContextVar[dict[str, np.ndarray]] = contextvars.ContextVar("westaudit_key_sets")


# Great Expectations fingerprints every batch by hashing every cell (for tables under 1 GB); nothing here
# reads the fingerprint, and on a national table the hash costs as much as all expectations together.
if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
    pandas_execution_engine.HASH_THRESHOLD = 0


class ColumnValuesResidentIdValid(ColumnMapMetricProvider):
    condition_metric_name = "column_values.westaudit_resident_id_valid"
    # blanks are judged by the not-blank expectation; handling them here spares Great Expectations a
    # filtered copy of the whole table per expectation
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        # typed cells are normalised already (coerce.py), so the check skips normalising again
        return column.isna() | cells.id_number_valid(column, normalised=True)


class ExpectColumnValuesToBeResidentIdNumbers(ColumnMapExpectation):
    """18-character resident ID numbers whose GB 11643 check character is right."""

    map_metric = "column_values.westaudit_resident_id_valid"
    success_keys = ("mostly",)


class ColumnValuesKnownKeys(ColumnMapMetricProvider):
    condition_metric_name = "column_values.westaudit_known_key"
    condition_value_keys = ("key_set",)
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, key_set, **kwargs):
        return column.isna() | column.isin(_KEY_SETS.get()[key_set])


class ExpectColumnValuesToBeKnownKeys(ColumnMapExpectation):
    """Foreign keys: each value is a key of another table (``key_set`` names it, e.g. volunteers.volunteer_id)."""

    key_set: str
    map_metric = "column_values.westaudit_known_key"
    success_keys = ("key_set", "mostly")


class MulticolumnValuesFilled(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.westaudit_filled"
    condition_domain_keys = ("batch_id", "table", "column_list", "row_condition", "condition_parser", "ignore_row_if")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        return column_list.notna().all(axis=1)


class ExpectColumnsToBeFilled(MulticolumnMapExpectation):
    """Every listed column holds a value in every row: the not-blank rule of all required columns at once.

    Great Expectations spends tens of milliseconds building each expectation's metric graph, which is
    most of the cost of checking an office's small package; one expectation per table instead of one per
    required column saves that many times over. A failing row is reported per blank column all the same.
    """

    map_metric = "multicolumn_values.westaudit_filled"
    ignore_row_if: str = "never"


@dataclass(frozen=True)
class ContractRule:
    """One generated expectation and what the office is told about a row that breaks it."""

    expectation: Expectation
    column: str
    expected: str
    is_key: bool = False
    # the not-blank rule of several columns at once: its rows are told apart per blank column afterwards
    filled_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    """The rows (frame index labels) breaking one rule."""

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
    columns = [name for name, column in spec.columns.items() if _must_be_filled(name, column, spec)]
    if not columns:
        return None
    if len(columns) == 1:
        return ContractRule(gxe.ExpectColumnValuesToNotBeNull(column=columns[0]), columns[0], EXPECTED_NOT_BLANK)
    return ContractRule(ExpectColumnsToBeFilled(column_list=columns), columns[0], EXPECTED_NOT_BLANK,
                        filled_columns=tuple(columns))


def _column_rules(name: str, column: ColumnSpec, spec: TableSpec, key_sets: frozenset[str]) -> Iterator[ContractRule]:
    if column.type == "enum":
        yield ContractRule(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=sorted(column.values)),
                           name, enum_expected(column))
    if column.type == "id_number":
        yield ContractRule(ExpectColumnValuesToBeResidentIdNumbers(column=name), name, EXPECTED_ID_NUMBER)
    if column.type in ("int", "float") and (column.min is not None or column.max is not None):
        yield ContractRule(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=column.min, max_value=column.max),
                           name, _window_text(_number_text(column.min), _number_text(column.max)))
    if column.type in ("date", "datetime"):
        low, high = column.min_date or DEFAULT_EARLIEST, column.max_date or DEFAULT_LATEST
        yield ContractRule(gxe.ExpectColumnValuesToBeBetween(
            column=name, min_value=dt.datetime.combine(low, dt.time.min), max_value=dt.datetime.combine(high, dt.time.max)),
            name, date_window_expected(column))
    if column.type == "office" and OFFICES_KEY_SET in key_sets:
        yield ContractRule(ExpectColumnValuesToBeKnownKeys(column=name, key_set=OFFICES_KEY_SET), name, EXPECTED_OFFICE)
    if column.type == "ref" and column.ref in key_sets:
        target = column.ref.split(".")[0]
        yield ContractRule(ExpectColumnValuesToBeKnownKeys(column=name, key_set=column.ref), name,
                           f"{target} 表中已有的编号 an id present in {target}")


def contract_rules(spec: TableSpec, key_sets: frozenset[str]) -> tuple[ContractRule, ...]:
    """Every expectation the contract implies for one table; foreign keys only where their key set is known."""
    filled = _filled_rule(spec)
    rules = [filled] if filled else []
    rules += [rule for name, column in spec.columns.items() for rule in _column_rules(name, column, spec, key_sets)]
    key = list(spec.key)
    unique = gxe.ExpectColumnValuesToBeUnique(column=key[0]) if len(key) == 1 \
        else gxe.ExpectCompoundColumnsToBeUnique(column_list=key)
    rules.append(ContractRule(unique, key[0], EXPECTED_UNIQUE, is_key=True))
    return tuple(rules)


@cache
def _context():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.data_sources.add_pandas("westaudit")
    return context


@cache
def _batch_definition(table: str):
    asset = _context().data_sources.get("westaudit").add_dataframe_asset(table)
    return asset.add_batch_definition_whole_dataframe("whole table")


def prepare(tables: list[str]) -> None:
    """Build the Great Expectations context and each table's batch definition now rather than on the first
    validation (the workspace does it at start-up, so no office waits for it)."""
    for table in tables:
        _batch_definition(table)


@dataclass(frozen=True)
class _TableSuite:
    rules: tuple[ContractRule, ...]
    suite: gx.ExpectationSuite


@cache
def _table_suite(spec_json: str, key_sets: frozenset[str]) -> _TableSuite:
    context = _context()  # expectations and suites can only be made once a context exists
    spec = TableSpec.model_validate_json(spec_json)
    rules = contract_rules(spec, key_sets)
    suite = gx.ExpectationSuite(name=f"{spec.name}:{','.join(sorted(key_sets))}")
    for index, rule in enumerate(rules):
        rule.expectation.meta = {"rule": index}
        suite.add_expectation(rule.expectation)
    return _TableSuite(rules, context.suites.add(suite))


def _failed_rule_indices(results) -> list[int]:
    failed = []
    for result in results:
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {result.expectation_config.type} raised: "
                               f"{result.exception_info.get('exception_message')}")
        if not result.success:
            failed.append(result.expectation_config.meta["rule"])
    return sorted(failed)


@contextmanager
def _key_sets_in_use(key_sets: dict[str, set]) -> Iterator[None]:
    # as arrays, which Series.isin takes as they are; a set it would copy into one on every call
    token = _KEY_SETS.set({name: np.array(list(keys), dtype=object) for name, keys in key_sets.items()})
    try:
        yield
    finally:
        _KEY_SETS.reset(token)


def validate_table(spec: TableSpec, frame: pd.DataFrame, key_sets: dict[str, set]) -> list[Violation]:
    """Run the table's contract suite over its typed frame (contract columns, any index).

    ``key_sets`` maps "table.column" (and "offices.office_id") to the keys foreign keys may name; a
    foreign key whose key set is not given is not checked (its table was not submitted).
    """
    if frame.empty:
        return []
    table_suite = _table_suite(spec.model_dump_json(), frozenset(key_sets))
    batch = _batch_definition(spec.name).get_batch(batch_parameters={"dataframe": frame})
    with _key_sets_in_use(key_sets):
        summary = batch.validate(table_suite.suite, result_format="BOOLEAN_ONLY")
        failed = _failed_rule_indices(summary.results)
        if not failed:
            return []
        detail_suite = gx.ExpectationSuite(name=f"{spec.name} failed", expectations=[
            copy.copy(table_suite.rules[index].expectation) for index in failed])
        detail = batch.validate(detail_suite, result_format={"result_format": "COMPLETE",
                                                             "return_unexpected_index_query": False})
    by_rule = {result.expectation_config.meta["rule"]: result for result in detail.results}
    violations = []
    for index in failed:
        rule, rows = table_suite.rules[index], pd.Index(by_rule[index].result["unexpected_index_list"])
        if not rule.filled_columns:
            violations.append(Violation(rule, rows))
            continue
        for column in rule.filled_columns:
            blank = rows[frame.loc[rows, column].isna().to_numpy()]
            if len(blank):
                violations.append(Violation(dataclasses.replace(rule, column=column), blank))
    return violations

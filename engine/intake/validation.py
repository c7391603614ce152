"""The data contract (engine/intake/contract.py) run with Great Expectations: the validator of record.

`westaudit audit` (the supervisors' consolidated audit) and `validate` run the contract here; an office's
self-check (`check`, the workspace) runs the same rules with engine/intake/contract_pandas.py, and
tests/test_contract_runners.py holds the two to the same violations.

Great Expectations is imported only by this module. One ephemeral context and each table's suite are built
once per process. A table is validated with the lean BOOLEAN_ONLY result format; row indices are fetched,
in one more pass, only for the expectations that failed.
"""

from __future__ import annotations

import contextvars
import copy
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
from westaudit.intake.contract import Check, ContractRule, Violation, contract_rules, violations_of
from westaudit.spec.tables import TableSpec

# GE's progress bars are off, but every tqdm bar it makes, even a disabled one, starts tqdm's monitor thread,
# and a running thread makes the forks of an audit unsafe (engine/runtime/parallel.py: other_threads)
tqdm.std.tqdm.monitor_interval = 0

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


def _expectation(rule: ContractRule) -> Expectation:
    """The Great Expectations form of one contract rule."""
    column = rule.column
    if rule.check is Check.FILLED:
        return gxe.ExpectColumnValuesToNotBeNull(column=column) if len(rule.columns) == 1 \
            else ExpectColumnsToBeFilled(column_list=list(rule.columns))
    if rule.check is Check.IN_SET:
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(rule.value_set))
    if rule.check is Check.ID_NUMBER:
        return ExpectColumnValuesToBeResidentIdNumbers(column=column)
    if rule.check is Check.BETWEEN:
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=rule.low, max_value=rule.high)
    if rule.check is Check.KNOWN_KEY:
        return ExpectColumnValuesToBeKnownKeys(column=column, key_set=rule.key_set)
    if len(rule.columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=column)
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.columns))


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
    expectations: tuple[Expectation, ...]
    suite: gx.ExpectationSuite


@cache
def _table_suite(spec_json: str, key_sets: frozenset[str]) -> _TableSuite:
    context = _context()  # expectations and suites can only be made once a context exists
    spec = TableSpec.model_validate_json(spec_json)
    rules = contract_rules(spec, key_sets)
    suite = gx.ExpectationSuite(name=f"{spec.name}:{','.join(sorted(key_sets))}")
    expectations = []
    for index, rule in enumerate(rules):
        expectation = _expectation(rule)
        expectation.meta = {"rule": index}
        suite.add_expectation(expectation)
        expectations.append(expectation)
    return _TableSuite(rules, tuple(expectations), context.suites.add(suite))


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
            copy.copy(table_suite.expectations[index]) for index in failed])
        detail = batch.validate(detail_suite, result_format={"result_format": "COMPLETE",
                                                             "return_unexpected_index_query": False})
    by_rule = {result.expectation_config.meta["rule"]: result for result in detail.results}
    violations = []
    for index in failed:
        rows = pd.Index(by_rule[index].result["unexpected_index_list"])
        violations += violations_of(table_suite.rules[index], rows, frame)
    return violations

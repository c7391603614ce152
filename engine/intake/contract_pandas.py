"""The data contract (engine/intake/contract.py) run as vectorised pandas: an office's self-check in milliseconds.

Each rule is one boolean mask over the typed frame, with Great Expectations' semantics for the same
expectation, so both runners reject the same rows (tests/test_contract_runners.py):
- every check but FILLED judges only the values present (a blank is FILLED's to report);
- UNIQUE marks every row of a repeated key, the first included (coerce.py keeps the first);
  a compound key ignores rows whose key columns are all blank;
- BETWEEN compares inclusively, an open bound not compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.intake import cells
from westaudit.intake.contract import Check, ContractRule, Violation, contract_rules, violations_of
from westaudit.spec.tables import TableSpec


def _broken(rule: ContractRule, frame: pd.DataFrame, key_sets: dict[str, np.ndarray]) -> np.ndarray:
    """A boolean array over the frame's rows: True where the row breaks the rule."""
    if rule.check is Check.FILLED:
        return frame[list(rule.columns)].isna().any(axis=1).to_numpy()
    if rule.check is Check.UNIQUE:
        return _repeated(frame, list(rule.columns))
    column = frame[rule.column]
    present = column.notna().to_numpy()
    if rule.check is Check.IN_SET:
        fits = column.isin(list(rule.value_set))
    elif rule.check is Check.ID_NUMBER:
        # typed cells are normalised already (coerce.py), so the check skips normalising again
        fits = column.isna() | cells.id_number_valid(column, normalised=True)
    elif rule.check is Check.KNOWN_KEY:
        fits = column.isin(key_sets[rule.key_set])
    else:
        broken = np.zeros(len(frame), dtype=bool)
        broken[present] = ~_within(column[present], rule.low, rule.high)
        return broken
    return present & ~fits.to_numpy(dtype=bool)


def _within(values: pd.Series, low: object, high: object) -> np.ndarray:
    fits = np.ones(len(values), dtype=bool)
    if low is not None:
        fits &= (values >= low).to_numpy(dtype=bool)
    if high is not None:
        fits &= (values <= high).to_numpy(dtype=bool)
    return fits


def _repeated(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    if len(key) == 1:
        column = frame[key[0]]
        present = column.notna().to_numpy()
        repeated = np.zeros(len(frame), dtype=bool)
        repeated[present] = column[present].duplicated(keep=False).to_numpy()
        return repeated
    considered = frame[key].notna().any(axis=1).to_numpy()
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[considered] = frame.loc[considered, key].duplicated(keep=False).to_numpy()
    return repeated


def validate_table(spec: TableSpec, frame: pd.DataFrame, key_sets: dict[str, set]) -> list[Violation]:
    """The table's contract over its typed frame (contract columns, any index): engine/intake/validation.py's
    validate_table, with the same arguments and the same violations in the same order."""
    if frame.empty:
        return []
    # as arrays, which Series.isin takes as they are; a set it would copy into one on every call
    arrays = {name: np.array(list(keys), dtype=object) for name, keys in key_sets.items()}
    violations = []
    for rule in contract_rules(spec, frozenset(key_sets)):
        broken = _broken(rule, frame, arrays)
        if broken.any():
            violations += violations_of(rule, frame.index[broken], frame)
    return violations

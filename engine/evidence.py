"""Turning the rows a check points at into evidence: source file and row kept, personal numbers masked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit import cells
from westaudit.context import SOURCE_FILE, SOURCE_ROW
from westaudit.results import EvidenceRow
from westaudit.tables import TableSpec

# a report shows a readable sample; the count of all offending rows is kept beside it
EVIDENCE_LIMIT = 500
_MASKS = {"id_number": cells.mask_id_numbers, "phone": cells.mask_phones}


def mask_pii(values: pd.Series, pii: str | None) -> pd.Series:
    """Personal numbers never leave westaudit whole: every report and finding shows them masked."""
    return _MASKS[pii](values.astype("string").fillna("")) if pii else values


_MASK_ONE = {"id_number": cells.mask_id_number, "phone": cells.mask_phone}


def cell_text(value: object) -> str:
    """A typed cell shown as an office would write it (dates without a time of day as dates)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_texts(values: list[object], pii: str | None) -> list[str]:
    if pii:
        mask = _MASK_ONE[pii]
        return [mask(value) for value in values]
    return [cell_text(value) for value in values]


def _in_source_order(rows: pd.DataFrame) -> pd.DataFrame:
    """The first EVIDENCE_LIMIT rows by source file and row; no copy when they already come in that order."""
    files, _ = pd.factorize(rows[SOURCE_FILE].to_numpy(), sort=True)
    order = np.lexsort((rows[SOURCE_ROW].to_numpy(), files))[:EVIDENCE_LIMIT]
    if len(order) == len(rows) and (order[1:] > order[:-1]).all():
        return rows
    return rows.iloc[order]


def evidence_rows(rows: pd.DataFrame | None, spec: TableSpec) -> tuple[tuple[EvidenceRow, ...], int]:
    if rows is None or rows.empty:
        return (), 0
    total = len(rows)
    # A bad national package has thousands of failing results, each sampled here: a few numpy and pandas
    # calls per sample and plain Python per cell (at most EVIDENCE_LIMIT rows) keep that cheap.
    sample = _in_source_order(rows)
    names = list(sample.columns)
    cells_by_column = dict(zip(names, sample.to_numpy(dtype=object).T, strict=True))
    columns = [c for c in spec.columns if c in cells_by_column]
    texts = {name: _column_texts(list(cells_by_column[name]), spec.columns[name].pii) for name in columns}
    reasons = cells_by_column.get("_reason", [""] * len(sample))
    evidence = []
    for index, (source, row, reason) in enumerate(zip(cells_by_column[SOURCE_FILE], cells_by_column[SOURCE_ROW],
                                                      reasons, strict=True)):
        values = tuple((name, texts[name][index]) for name in columns)
        key = "/".join(texts[k][index] for k in spec.key)
        evidence.append(EvidenceRow(spec.name, str(source), int(row), key, values, str(reason or "")))
    return tuple(evidence), total

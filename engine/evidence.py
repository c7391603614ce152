"""Turning the rows a check points at into evidence: source file and row kept, personal numbers masked."""

from __future__ import annotations

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


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evidence_rows(rows: pd.DataFrame | None, spec: TableSpec) -> tuple[tuple[EvidenceRow, ...], int]:
    if rows is None or rows.empty:
        return (), 0
    total = len(rows)
    sample = rows.sort_values([SOURCE_FILE, SOURCE_ROW]).head(EVIDENCE_LIMIT)
    columns = [c for c in spec.columns if c in sample]
    # column by column as plain lists: row-wise .iloc costs more than the rest of an audit together
    texts = {name: [_text(v) for v in mask_pii(sample[name], spec.columns[name].pii).tolist()] for name in columns}
    reasons = sample["_reason"] if "_reason" in sample else pd.Series("", index=sample.index)
    evidence = []
    for index, (source, row, reason) in enumerate(zip(sample[SOURCE_FILE], sample[SOURCE_ROW], reasons, strict=True)):
        values = tuple((name, texts[name][index]) for name in columns)
        key = "/".join(texts[k][index] for k in spec.key)
        evidence.append(EvidenceRow(spec.name, str(source), int(row), key, values, str(reason or "")))
    return tuple(evidence), total

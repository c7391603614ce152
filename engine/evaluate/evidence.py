"""Turning the rows a check points at into evidence: source file and row kept, personal numbers masked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.results import EvidenceRow
from westaudit.intake.masking import _MASK_ONE, cell_text, mask_pii  # noqa: F401 - mask_pii, cell_text re-exported
from westaudit.spec.tables import TableSpec

# a report shows a readable sample; the count of all offending rows is kept beside it
EVIDENCE_LIMIT = 500
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
    # why each row is evidence, as the check wrote it: _reason in Chinese, _reason_en in English
    reasons = cells_by_column.get("_reason", [""] * len(sample))
    reasons_en = cells_by_column.get("_reason_en", [""] * len(sample))
    evidence = []
    for index, (source, row, reason, reason_en) in enumerate(zip(
            cells_by_column[SOURCE_FILE], cells_by_column[SOURCE_ROW], reasons, reasons_en, strict=True)):
        values = tuple((name, texts[name][index]) for name in columns)
        key = "/".join(texts[k][index] for k in spec.key)
        evidence.append(EvidenceRow(spec.name, str(source), int(row), key, values, str(reason or ""),
                                    str(reason_en or "")))
    return tuple(evidence), total

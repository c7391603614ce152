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
def _column_texts(column: pd.Series, pii: str | None) -> list[str]:
    """Each cell of the column as the office would write it (cell_text), personal numbers masked; the common
    dtypes without a Python call per cell (a national audit samples thousands of findings)."""
    # numpy's own dtypes only: pandas' nullable ones hold pd.NA, which cell_text writes as a blank
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if pii:
        mask = _MASK_ONE[pii]
        return [mask(value) for value in column.to_numpy(dtype=object)]
    if kind == "M":  # dates without a time of day as dates, as cell_text writes a Timestamp
        return [("" if text == "NaT" else text[:10] if text.endswith("T00:00") else text.replace("T", " "))
                for text in np.datetime_as_string(column.to_numpy(), unit="m").tolist()]
    if kind == "f":
        return ["" if value != value else str(int(value)) if value.is_integer() else str(value)
                for value in column.to_numpy().tolist()]
    if kind in "iub":
        return [str(value) for value in column.to_numpy().tolist()]
    return [cell_text(value) for value in column.to_numpy(dtype=object)]


def _in_source_order(rows: pd.DataFrame) -> pd.DataFrame:
    """The first EVIDENCE_LIMIT rows by source file and row; no copy when they already come in that order (the
    check kinds' rows usually do: checks/office_rows.py)."""
    files, numbers = rows[SOURCE_FILE].to_numpy(), rows[SOURCE_ROW].to_numpy()
    if (files == files[0]).all():  # one file, as every CSV table
        if len(numbers) <= EVIDENCE_LIMIT and (numbers[1:] > numbers[:-1]).all():
            return rows
        return rows.iloc[np.argsort(numbers, kind="stable")[:EVIDENCE_LIMIT]]
    codes, _ = pd.factorize(files, sort=True)
    order = np.lexsort((numbers, codes))[:EVIDENCE_LIMIT]
    if len(order) == len(rows) and (order[1:] > order[:-1]).all():
        return rows
    return rows.iloc[order]


def evidence_rows(rows: pd.DataFrame | None, spec: TableSpec) -> tuple[tuple[EvidenceRow, ...], int]:
    """The rows a check points at as evidence (at most EVIDENCE_LIMIT, in source order), with how many there were."""
    return evidence_of_each([rows], spec)[0]


def evidence_of_each(frames: list[pd.DataFrame | None], spec: TableSpec) -> list[tuple[tuple[EvidenceRow, ...], int]]:
    """evidence_rows of each frame, the cells of all frames with the same columns written at once, column by
    column: a national audit samples thousands of findings of a rule, and a pandas call per column of each sample
    cost more than the rest of evaluating the rule."""
    evidence: list[tuple[tuple[EvidenceRow, ...], int]] = [((), 0)] * len(frames)
    alike: dict[tuple, list[int]] = {}
    for index, frame in enumerate(frames):
        if frame is not None and not frame.empty:
            alike.setdefault(tuple(frame.columns), []).append(index)
    for indexes in alike.values():
        samples = [_in_source_order(frames[index]) for index in indexes]
        rows, start = _written(samples, spec), 0
        for index, sample in zip(indexes, samples, strict=True):
            evidence[index] = rows[start:start + len(sample)], len(frames[index])
            start += len(sample)
    return evidence


def _written(samples: list[pd.DataFrame], spec: TableSpec) -> tuple[EvidenceRow, ...]:
    """The rows of samples with the same columns, in order (a cell is written by its value, whatever the dtype
    its column takes when they are put together)."""
    whole = samples[0] if len(samples) == 1 else pd.concat(samples, ignore_index=True, copy=False)
    columns = [c for c in spec.columns if c in whole.columns]
    texts = {name: _column_texts(whole[name], spec.columns[name].pii) for name in columns}
    # why each row is evidence, as the check wrote it: _reason in Chinese, _reason_en in English
    blank = [""] * len(whole)
    reasons = whole["_reason"].to_numpy(dtype=object) if "_reason" in whole.columns else blank
    reasons_en = whole["_reason_en"].to_numpy(dtype=object) if "_reason_en" in whole.columns else blank
    return tuple(EvidenceRow(spec.name, str(source), int(row), "/".join(texts[k][at] for k in spec.key),
                             tuple((name, texts[name][at]) for name in columns), str(reason or ""),
                             str(reason_en or ""))
                 for at, (source, row, reason, reason_en) in enumerate(zip(
                     whole[SOURCE_FILE].to_numpy(dtype=object), whole[SOURCE_ROW].to_numpy().tolist(), reasons,
                     reasons_en, strict=True)))

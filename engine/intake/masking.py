"""Personal numbers masked where a table's values leave westaudit; typed cells shown as an office wrote them."""

from __future__ import annotations

import pandas as pd

from westaudit.core.personal_numbers import ID_NUMBER_PATTERN
from westaudit.intake import cells

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


def mostly_id_numbers(values: pd.Series, sample: int = 1000) -> bool:
    """More than half of (the first ``sample`` of) the non-blank values are shaped as resident ID numbers: a
    key column is one practice or the other throughout, so the first thousand rows tell."""
    head = values.head(sample).dropna().astype(str).str.strip()
    head = head[head != ""]
    return bool(len(head)) and bool(head.str.fullmatch(ID_NUMBER_PATTERN).mean() > 0.5)

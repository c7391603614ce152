"""Typing a raw (all-text) table by its contract; every row comes out accepted or rejected with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from westaudit import cells
from westaudit.context import SOURCE_FILE, SOURCE_ROW
from westaudit.evidence import mask_pii
from westaudit.results import RejectedRow
from westaudit.tables import ColumnSpec, TableSpec

_EXPECTED = {
    "int": "整数 whole number", "float": "数字 number", "date": "日期 date (2025-03-31 / 2025年3月31日)",
    "datetime": "日期时间 date and time", "bool": "是/否 yes/no", "id_number": "18位身份证号（校验位正确）valid ID number",
}


@dataclass(frozen=True)
class TypedTable:
    spec: TableSpec
    frame: pd.DataFrame
    rejected: tuple[RejectedRow, ...]


def _is_blank(raw: pd.Series) -> pd.Series:
    return raw.isna() | (raw.astype(str).str.strip() == "")


def _parse_column(name: str, column: ColumnSpec, raw: pd.Series) -> cells.Parsed:
    parsers: dict[str, Callable[[pd.Series], cells.Parsed]] = {
        "int": cells.parse_int, "float": cells.parse_float, "date": cells.parse_date,
        "datetime": cells.parse_datetime, "bool": cells.parse_bool,
    }
    if column.type in parsers:
        return parsers[column.type](raw)
    if column.type == "enum":
        return cells.parse_enum(raw, column.enum_mapping())
    text = cells.normalise_text(raw)
    blank = _is_blank(raw)
    if column.type == "id_number":
        text = text.str.upper()
        return cells.Parsed(text.where(~blank), ~blank & ~cells.id_number_valid(text))
    return cells.Parsed(text.where(~blank), pd.Series(False, index=raw.index))


def _expected_text(column: ColumnSpec) -> str:
    if column.type == "enum":
        return "取值之一 one of: " + "、".join(f"{code}（{'/'.join(s)}）" for code, s in column.values.items())
    return _EXPECTED.get(column.type, "text")


class _Rejections:
    """Collects why rows are rejected; a row may have several reasons, each is reported."""

    def __init__(self, table: str, raw: pd.DataFrame, owner_column: str):
        self.table, self.raw, self.owner_column = table, raw, owner_column
        self.rows: list[RejectedRow] = []
        self.mask = pd.Series(False, index=raw.index)

    def add(self, mask: pd.Series, column: str, expected: str, pii: str | None = None) -> None:
        if not mask.any():
            return
        self.mask |= mask
        hit = self.raw[mask]
        owners = hit[self.owner_column] if self.owner_column in hit else pd.Series(None, index=hit.index)
        values = hit[column].astype("string").fillna("") if column in hit else pd.Series("", index=hit.index)
        values = mask_pii(values, pii)
        for source, row, value, owner in zip(hit[SOURCE_FILE], hit[SOURCE_ROW], values, owners, strict=True):
            self.rows.append(RejectedRow(self.table, source, int(row), column, "" if value is None else str(value),
                                         expected, owner if isinstance(owner, str) and owner else None))


def type_table(spec: TableSpec, raw: pd.DataFrame, known_offices: set[str] | None,
               known_keys: dict[str, set[str]]) -> TypedTable:
    """raw has canonical column names (absent optional columns may be missing) plus the source columns."""
    rejections = _Rejections(spec.name, raw, spec.owner_column)
    typed = pd.DataFrame({SOURCE_FILE: raw[SOURCE_FILE], SOURCE_ROW: raw[SOURCE_ROW].astype(int)}, index=raw.index)
    for name, column in spec.columns.items():
        if name not in raw:
            typed[name] = None
            continue
        parsed = _parse_column(name, column, raw[name])
        rejections.add(parsed.bad, name, _expected_text(column), column.pii)
        blank = parsed.values.isna() & ~parsed.bad
        if not column.nullable or name in spec.key:
            rejections.add(blank, name, "不能为空 must not be blank")
        if column.min is not None:
            rejections.add(parsed.values.lt(column.min).fillna(False).astype(bool), name, f">= {column.min:g}")
        if column.type == "office" and known_offices is not None:
            rejections.add(~blank & ~parsed.bad & ~parsed.values.isin(known_offices), name,
                           "组织机构表中的机构编号 an office id of the offices table")
        if column.type == "ref" and column.ref.split(".")[0] in known_keys:
            target = column.ref.split(".")[0]
            rejections.add(~blank & ~parsed.bad & ~parsed.values.isin(known_keys[target]), name,
                           f"{target} 表中已有的编号 an id present in {target}")
        typed[name] = parsed.values
    key = list(spec.key)
    duplicate = typed[key].duplicated(keep="first") & typed[key].notna().all(axis=1) & ~rejections.mask
    rejections.add(duplicate, key[0], "编号不得重复 unique key (first occurrence kept)")
    accepted = typed[~rejections.mask].reset_index(drop=True)
    return TypedTable(spec, accepted, tuple(rejections.rows))

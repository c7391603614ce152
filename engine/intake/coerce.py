"""Typing a raw (all-text) table by its contract; every row comes out accepted or rejected with its reason.

Two stages, one accounting: parsing rejects cells that are not of their column's type at all; the contract
(engine/intake/contract.py) then rejects rows breaking any other rule, run by one of its two runners: Great
Expectations (engine/intake/validation.py, the validator of record) or vectorised pandas
(engine/intake/contract_pandas.py, the self-check's), which give the same violations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.results import RejectedRow
from westaudit.intake import cells
from westaudit.intake.contract import (
    GREAT_EXPECTATIONS,
    OFFICES_KEY_SET,
    PANDAS,
    VALIDATORS,
    Violation,
    date_window_expected,
    enum_expected,
)
from westaudit.intake.masking import mask_pii
from westaudit.spec.tables import ColumnSpec, TableSpec

_EXPECTED = {
    "int": "整数 whole number", "float": "数字 number", "date": "日期 date (2025-03-31 / 2025年3月31日)",
    "datetime": "日期时间 date and time", "bool": "是/否 yes/no",
    "id_number": "身份证号须存为文本：Excel 把它存成了数字，后几位已丢失；把该列设为文本格式后重新填写 an ID number "
                 "stored as text: Excel stored it as a number and lost its last digits; format the column as "
                 "text and type the numbers again",
}


@dataclass(frozen=True)
class TypedTable:
    spec: TableSpec
    frame: pd.DataFrame
    rejected: tuple[RejectedRow, ...]


def _parse_column(column: ColumnSpec, raw: pd.Series) -> cells.Parsed:
    parsers: dict[str, Callable[[pd.Series], cells.Parsed]] = {
        "int": cells.parse_int, "float": cells.parse_float, "date": cells.parse_date,
        "datetime": cells.parse_datetime, "bool": cells.parse_bool,
    }
    if column.type in parsers:
        return parsers[column.type](raw)
    text = cells.normalise_text(raw)
    # blank after normalising: spaces, zero-width and control characters alone are no value
    text = text.where(text.notna() & (text != ""))
    not_bad = pd.Series(False, index=raw.index)
    if column.type == "enum":
        # an unknown spelling is kept as written, so the contract's value-set expectation rejects it
        codes = cells.parse_enum(raw, column.enum_mapping())
        return cells.Parsed(codes.values.where(~codes.bad, text), not_bad)
    if column.type == "id_number":
        upper = text.str.upper()
        # Excel's form of a number it kept to 15 digits: judging its check digit would only mislead
        stored_as_number = upper.str.fullmatch(r"[0-9](?:\.[0-9]+)?E\+?[0-9]+", na=False)
        return cells.Parsed(upper.where(~stored_as_number), stored_as_number)
    return cells.Parsed(text, not_bad)


def _expected_text(column: ColumnSpec) -> str:
    return enum_expected(column) if column.type == "enum" else _EXPECTED.get(column.type, "text")


class _Rejections:
    """Collects why rows are rejected; a row may have several reasons, each is reported.

    A bad cell rejects its row only where the row cannot stand without it: a key column (the row could not be told
    apart), a duplicate key, or any cell of the offices table (the org chart every duty rests on). Elsewhere the
    row is kept with that cell blank, and the duties reading the column leave the row out and say their data is
    incomplete (engine/evaluate/audit.py); the duties that never read it still count the row.
    """

    def __init__(self, spec: TableSpec, raw: pd.DataFrame):
        self.table, self.raw, self.owner_column = spec.name, raw, spec.owner_column
        self.whole_row_columns = set(spec.columns) if spec.name == "offices" else set(spec.key)
        self.rows: list[RejectedRow] = []
        self.row_mask = pd.Series(False, index=raw.index)
        self.cells: dict[str, pd.Series] = {}

    def add(self, mask: pd.Series, column: str, expected: str, pii: str | None = None,
            whole_row: bool = False) -> None:
        if not mask.any():
            return
        whole_row = whole_row or column in self.whole_row_columns
        if whole_row:
            self.row_mask |= mask
        else:
            self.cells[column] = self.cells.get(column, pd.Series(False, index=self.raw.index)) | mask
        hit = self.raw[mask]
        owners = hit[self.owner_column] if self.owner_column in hit else pd.Series(None, index=hit.index)
        values = hit[column].astype("string").fillna("") if column in hit else pd.Series("", index=hit.index)
        values = mask_pii(values, pii)
        for source, row, value, owner in zip(hit[SOURCE_FILE], hit[SOURCE_ROW], values, owners, strict=True):
            self.rows.append(RejectedRow(self.table, source, int(row), column, "" if value is None else str(value),
                                         expected, owner if isinstance(owner, str) and owner else None,
                                         row_kept=not whole_row))

    def settled(self) -> tuple[RejectedRow, ...]:
        """The rejections, a cell rejection of a row that is rejected whole anyway marked as such."""
        dropped = {(r.source_file, r.source_row) for r in self.rows if not r.row_kept}
        return tuple(replace(r, row_kept=False) if r.row_kept and (r.source_file, r.source_row) in dropped else r
                     for r in self.rows)

    def blank_cells(self, typed: pd.DataFrame) -> pd.DataFrame:
        """The kept rows' rejected cells blanked, so no duty reads a value the contract refused."""
        for column, mask in self.cells.items():
            typed[column] = typed[column].mask(mask & ~self.row_mask)
        return typed


def _key_sets(spec: TableSpec, known_offices: set[str] | None, known_keys: dict[str, set[str]]) -> dict[str, set]:
    key_sets: dict[str, set] = {} if known_offices is None else {OFFICES_KEY_SET: known_offices}
    for column in spec.columns.values():
        if column.type == "ref" and column.ref.split(".")[0] in known_keys:
            key_sets[column.ref] = known_keys[column.ref.split(".")[0]]
    return key_sets


def validate_table(spec: TableSpec, frame: pd.DataFrame, key_sets: dict[str, set],
                   validator: str = GREAT_EXPECTATIONS) -> list[Violation]:
    """The contract's violations in the typed frame, found by the chosen runner (imported only when chosen:
    Great Expectations takes seconds to import)."""
    if validator == PANDAS:
        from westaudit.intake import contract_pandas as runner
    elif validator == GREAT_EXPECTATIONS:
        from westaudit.intake import validation as runner
    else:
        raise ValueError(f"validator {validator!r} is none of {VALIDATORS}")
    return runner.validate_table(spec, frame, key_sets)


def _first_of_each_key(rows: pd.Index, typed: pd.DataFrame, key: list[str], rejected: pd.Series) -> pd.Series:
    """Of rows sharing a key, the first not rejected for another reason is kept; the others are duplicates."""
    candidates = typed.loc[rows.difference(rejected[rejected].index), key]
    duplicate = pd.Series(False, index=typed.index)
    duplicate[candidates.index[candidates.duplicated(keep="first")]] = True
    return duplicate


def type_table(spec: TableSpec, raw: pd.DataFrame, known_offices: set[str] | None,
               known_keys: dict[str, set[str]], validator: str = GREAT_EXPECTATIONS) -> TypedTable:
    """raw has canonical column names (absent optional columns may be missing) plus the source columns.

    known_offices: office ids foreign keys of type office must name (None: not checked); known_keys: table ->
    its keys, for ref columns (a table absent there is not checked). validator: the contract's runner
    (engine/intake/contract.py VALIDATORS).
    """
    rejections = _Rejections(spec, raw)
    columns: dict[str, object] = {SOURCE_FILE: raw[SOURCE_FILE], SOURCE_ROW: raw[SOURCE_ROW].astype(int)}
    unparsed: dict[str, pd.Series] = {}
    for name, column in spec.columns.items():
        if name not in raw:
            columns[name] = None
            continue
        parsed = _parse_column(column, raw[name])
        beyond = cells.dates_beyond_range(raw[name].where(parsed.bad)) if column.type in ("date", "datetime") \
            and parsed.bad.any() else None
        if beyond is not None and beyond.any():
            rejections.add(beyond, name, date_window_expected(column), column.pii)
            rejections.add(parsed.bad & ~beyond, name, _expected_text(column), column.pii)
        else:
            rejections.add(parsed.bad, name, _expected_text(column), column.pii)
        unparsed[name] = parsed.bad
        columns[name] = parsed.values
    # built in one go, so the frame is consolidated once rather than on every filtered copy made of it
    typed = pd.DataFrame(columns, index=raw.index)
    violations = validate_table(spec, typed[list(spec.columns)], _key_sets(spec, known_offices, known_keys),
                                validator)
    for violation in (v for v in violations if not v.rule.is_key):
        rows = pd.Series(typed.index.isin(violation.rows), index=typed.index)
        if violation.rule.column in unparsed:  # already rejected as not of its type; one reason is enough
            rows &= ~unparsed[violation.rule.column]
        rejections.add(rows, violation.rule.column, violation.rule.expected, spec.columns[violation.rule.column].pii)
    for violation in (v for v in violations if v.rule.is_key):
        duplicate = _first_of_each_key(violation.rows, typed, list(spec.key), rejections.row_mask)
        rejections.add(duplicate, violation.rule.column, violation.rule.expected, spec.columns[violation.rule.column].pii,
                       whole_row=True)
    accepted = rejections.blank_cells(typed)[~rejections.row_mask].reset_index(drop=True)
    return TypedTable(spec, accepted, rejections.settled())

"""The submission's data contract: which tables exist, their columns, types, keys and Chinese aliases.

The contract is data (checks/tables/*.yaml); this module only reads and validates it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from westaudit.core.errors import SpecError, SpecProblem
from westaudit.spec.locations import CONTRACT_DIR
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

ColumnType = Literal["string", "int", "float", "date", "datetime", "bool", "enum", "id_number", "office", "ref"]


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ColumnType
    zh: str = Field(description="the Chinese header offices write")
    aliases: tuple[str, ...] = ()
    description_zh: str = ""
    example: str = ""
    required: bool = True
    nullable: bool = True
    pii: Literal["id_number", "phone"] | None = None
    values: dict[str, tuple[str, ...]] | None = None
    ref: str | None = None
    min: float | None = None
    max: float | None = None
    # dates outside [min_date, max_date] are rejected; unset bounds default to the plan's years (validation.py)
    min_date: dt.date | None = None
    max_date: dt.date | None = None

    @model_validator(mode="after")
    def _type_needs(self) -> ColumnSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum column needs 'values' (code: [accepted spellings])")
        if self.type == "ref" and not (self.ref and "." in self.ref):
            raise ValueError("a ref column needs 'ref: table.column'")
        return self

    def accepted_headers(self, name: str) -> tuple[str, ...]:
        return (name, self.zh, *self.aliases)

    def enum_mapping(self) -> dict[str, str]:
        """Every accepted spelling (lower-cased) to its code."""
        mapping: dict[str, str] = {}
        for code, spellings in (self.values or {}).items():
            for spelling in (code, *spellings):
                mapping[spelling.lower()] = code
        return mapping


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    description_zh: str = ""
    key: tuple[str, ...]
    owner_column: str = Field(description="the column naming the office each row belongs to")
    columns: dict[str, ColumnSpec]

    @model_validator(mode="after")
    def _columns_exist(self) -> TableSpec:
        for column in (*self.key, self.owner_column):
            if column not in self.columns:
                raise ValueError(f"{column!r} is named as key or owner but is not a column")
        return self

    def file_stems(self) -> tuple[str, ...]:
        return (self.name, self.title_zh)


@cache
def load_contract(directory: Path = CONTRACT_DIR) -> dict[str, TableSpec]:
    problems: list[SpecProblem] = []
    tables: dict[str, TableSpec] = {}
    for path in sorted(directory.glob("*.yaml")):
        spec = parse_model(TableSpec, load_yaml(path), str(path), "", problems)
        if spec is None:
            continue
        if spec.name != path.stem:
            problems.append(SpecProblem(str(path), None, "name", f"must equal the file name {path.stem!r}"))
        tables[spec.name] = spec
    for spec in tables.values():
        for name, column in spec.columns.items():
            if column.type == "ref":
                table, _, target = column.ref.partition(".")
                if table not in tables or target not in tables[table].columns:
                    problems.append(SpecProblem(str(directory / f"{spec.name}.yaml"), None,
                                                f"columns.{name}.ref", f"{column.ref!r} names no column"))
    if problems:
        raise SpecError(problems)
    return tables

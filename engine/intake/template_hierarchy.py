"""Where a template's offices rows come from: a package or an offices file of the supervising office.

A template pre-fills the offices an office's rows name: its own row, the chain above it (its rows name its
parent, and parent_id must name a row of the offices table), the offices below it, and, when a whole
package is given, every office that package's rows name next to one of those (the universities a county's
volunteers graduated from, the counties a university's volunteers serve in), with their chains above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from westaudit.core.errors import InputError
from westaudit.core.results import RejectedRow
from westaudit.intake import cells, filereader
from westaudit.intake.coerce import type_table
from westaudit.intake.contract import PANDAS
from westaudit.intake.orgchart import OrgChart
from westaudit.intake.table_typing import canonical_frame
from westaudit.spec.tables import TableSpec

OFFICE_COLUMNS = ("office_id", "name", "level", "parent_id", "recruits", "serves")


@dataclass(frozen=True)
class OfficeRow:
    """One row of the offices table as the template writes it (recruits/serves only for provinces)."""

    office_id: str
    name: str
    level: str
    parent_id: str | None
    recruits: bool | None = None
    serves: bool | None = None


@dataclass(frozen=True)
class Hierarchy:
    """The typed offices table, plus for each office the offices named beside it in the source's rows."""

    source: str
    offices: pd.DataFrame
    named_beside: dict[str, frozenset[str]]

    def chart(self) -> OrgChart:
        return OrgChart(self.offices)

    def row(self, office_id: str) -> OfficeRow:
        found = self.offices[self.offices["office_id"] == office_id].iloc[0]
        return OfficeRow(office_id, found["name"], found["level"], _text_or_none(found["parent_id"]),
                         _flag(found.get("recruits")), _flag(found.get("serves")))


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _flag(value: object) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _typed_offices(raw: filereader.RawTable, spec: TableSpec) -> pd.DataFrame:
    frame, _ = canonical_frame(raw, spec)
    if frame.empty:
        raise InputError(raw.source, "the offices table (组织机构) has no rows",
                         message_zh="「组织机构」表没有数据行：请先填写本机构及其上下级机构，再生成模板")
    known = set(cells.normalise_text(frame["office_id"]).dropna())
    typed = type_table(spec, frame, known, {}, PANDAS)  # the same rows as Great Expectations, without its import
    if typed.rejected:  # a template built on a wrong hierarchy would mislead every office that fills it
        raise _rejected_office_row(typed.rejected, spec)
    return typed.frame


def _rejected_office_row(rejected: list[RejectedRow] | tuple[RejectedRow, ...], spec: TableSpec) -> InputError:
    """The first rejected row of the offices table, with how many there are: fix them before any template."""
    first = rejected[0]
    column = spec.columns.get(first.column) if first.column else None
    return InputError(first.source_file, f"offices row rejected: expected {first.expected}"
                                         f" ({len(rejected)} rejected in all; fix the offices table first)",
                      row=first.source_row, column=first.column, value=first.value,
                      column_zh=column.zh if column is not None else None,
                      message_zh=f"「组织机构」表的行被拒收：应为 {first.expected}（共 {len(rejected)} 行被拒收；"
                                 "请先改正组织机构表，再生成模板）")


def _offices_raw_table(path: Path, spec: TableSpec) -> filereader.RawTable:
    if path.suffix.lower() == ".csv":
        return filereader.read_csv_table(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(str(path), "an offices file is a .csv or .xlsx file",
                         message_zh="组织机构文件须为 .csv 或 .xlsx 文件：请另存为其中一种格式")
    sheets = {title: raw for title, raw in filereader.read_xlsx_sheets(path).items() if raw.headers}
    stems = {stem.lower() for stem in spec.file_stems()}
    named = [raw for title, raw in sheets.items() if title.strip().lower() in stems]
    if named:
        return named[0]
    if len(sheets) == 1:
        return next(iter(sheets.values()))
    raise InputError(str(path), "no sheet named offices or 组织机构, and more than one sheet with data",
                     message_zh="工作簿中没有名为「组织机构」（offices）的工作表，且有数据的工作表不止一张："
                                "请把组织机构表的工作表命名为「组织机构」")


def hierarchy_from_offices_file(path: Path, contract: dict[str, TableSpec]) -> Hierarchy:
    if not path.is_file():
        raise InputError(str(path), "offices file does not exist",
                         message_zh="组织机构文件不存在：请核对 --offices 给出的路径")
    return Hierarchy(str(path), _typed_offices(_offices_raw_table(path, contract["offices"]), contract["offices"]), {})


def _named_beside(tables: dict[str, pd.DataFrame], contract: dict[str, TableSpec]) -> dict[str, frozenset[str]]:
    """For every office, the other offices that share a row with it in any table but offices."""
    pairs: dict[str, set[str]] = {}
    for name, frame in tables.items():
        columns = [c for c, spec in contract[name].columns.items() if spec.type == "office" and c in frame]
        if name == "offices" or len(columns) < 2:
            continue
        named = frame[columns].drop_duplicates()
        for values in named.itertuples(index=False):
            present = {v for v in values if isinstance(v, str) and v}
            for office in present:
                pairs.setdefault(office, set()).update(present - {office})
    return {office: frozenset(others) for office, others in pairs.items()}


def hierarchy_from_package(folder: Path, contract: dict[str, TableSpec]) -> Hierarchy:
    from westaudit.intake.package import load_package

    package = load_package(folder, contract)
    rejected = [row for row in package.rejected if row.table == "offices"]
    if rejected:
        raise _rejected_office_row(rejected, contract["offices"])
    return Hierarchy(str(folder), package.tables["offices"], _named_beside(package.tables, contract))


def offices_to_prefill(hierarchy: Hierarchy, office_id: str) -> list[OfficeRow]:
    """The office, its subtree, the offices its subtree's rows name, and every chain above them: in source order."""
    chart = hierarchy.chart()
    wanted = set(chart.subtree(office_id))
    for office in list(wanted):
        wanted |= {o for o in hierarchy.named_beside.get(office, ()) if o in chart}
    for office in list(wanted):
        wanted.update(chart.ancestors(office))
    return [hierarchy.row(o) for o in hierarchy.offices["office_id"] if o in wanted]

"""Cutting one package into the packages offices would submit: each office's subtree, as its own folder.

The cut is made on the submitted text (cells copied as written), so a split package reads back exactly as
the rows of the original did. Used by the consolidation and receipt tests.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import yaml

from westaudit.intake.filereader import match_headers, read_csv_table
from westaudit.intake.package import DATA_SUFFIXES
from westaudit.spec.tables import TableSpec, load_contract

RowFilter = Callable[[str], bool]


def _table_of(path: Path, contract: dict[str, TableSpec]) -> TableSpec:
    by_stem = {stem: spec for spec in contract.values() for stem in spec.file_stems()}
    return by_stem[path.stem]


def _columns_of(spec: TableSpec, headers: tuple[str, ...]) -> dict[str, str]:
    """header -> contract column, matched as the package reader matches them."""
    aliases = {name: list(column.accepted_headers(name)) for name, column in spec.columns.items()}
    return dict(match_headers(headers, aliases).mapping)


def _header_of(spec: TableSpec, column: str, headers: tuple[str, ...]) -> str:
    return next(h for h, name in _columns_of(spec, headers).items() if name == column)


def _hierarchy(source: Path, contract: dict[str, TableSpec]) -> dict[str, str | None]:
    raw = read_csv_table(source / f"{contract['offices'].title_zh}.csv")
    office = _header_of(contract["offices"], "office_id", raw.headers)
    parent = _header_of(contract["offices"], "parent_id", raw.headers)
    return {row[office]: (row[parent] or None) for row in raw.frame.to_dict("records")}


def subtree(parents: dict[str, str | None], office_id: str) -> set[str]:
    found = {office_id}
    changed = True
    while changed:
        before = len(found)
        found |= {o for o, p in parents.items() if p in found}
        changed = len(found) != before
    return found


def ancestors(parents: dict[str, str | None], office_id: str) -> list[str]:
    chain, current = [], parents.get(office_id)
    while current:
        chain.append(current)
        current = parents.get(current)
    return chain


def write_rows(path: Path, headers: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([row[h] for h in headers] for row in rows)


def read_rows(path: Path) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    raw = read_csv_table(path)
    return raw.headers, [{h: row[h] for h in raw.headers} for row in raw.frame.to_dict("records")]


def split_package(source: Path, target: Path, office_id: str, own_rows_only: bool = False) -> Path:
    """The package `office_id` submits: rows owned by an office of its subtree (only its own rows when
    own_rows_only, as a supervisor's own package beside its subordinates'), the offices of its subtree and
    the chain above it. A table left without rows is written header-only (nothing to report), except in an
    own-rows package, which leaves it out (a supervisor need not resubmit its subordinates' tables)."""
    contract = load_contract()
    parents = _hierarchy(source, contract)
    owners = {office_id} if own_rows_only else subtree(parents, office_id)
    hierarchy = subtree(parents, office_id) | set(ancestors(parents, office_id))
    target.mkdir(parents=True, exist_ok=True)
    manifest = yaml.safe_load((source / "manifest.yaml").read_text(encoding="utf-8"))
    (target / "manifest.yaml").write_text(yaml.safe_dump(
        {"office_id": office_id, "year": manifest["year"], "title": f"{office_id} 报送"}, allow_unicode=True),
        encoding="utf-8")
    tables: dict[str, tuple[TableSpec, tuple[str, ...], list[dict[str, str]]]] = {}
    mentioned: set[str] = set()
    for path in sorted(p for p in source.iterdir() if p.suffix.lower() in DATA_SUFFIXES):
        spec = _table_of(path, contract)
        headers, rows = read_rows(path)
        if spec.name != "offices":
            owner = _header_of(spec, spec.owner_column, headers)
            rows = [row for row in rows if row[owner] in owners]
            mentioned |= {row[h] for row in rows for h in _office_headers(spec, headers)}
        tables[spec.name] = (spec, headers, rows)
    # offices a kept row names (a volunteer's university elsewhere) come along, with the chain above them
    hierarchy |= {a for o in mentioned if o in parents for a in (o, *ancestors(parents, o))}
    for spec, headers, rows in tables.values():
        if spec.name == "offices":
            rows = [row for row in rows if row[_header_of(spec, "office_id", headers)] in hierarchy]
        if rows or not own_rows_only:
            write_rows(target / f"{spec.title_zh}.csv", headers, rows)
    return target


def _office_headers(spec: TableSpec, headers: tuple[str, ...]) -> list[str]:
    return [h for h, name in _columns_of(spec, headers).items() if spec.columns[name].type == "office"]


def edit_cell(package: Path, table_title: str, key: str, column_header: str, value: str) -> None:
    """Change one cell of the row whose first column is `key` (the key column comes first in the samples)."""
    path = package / f"{table_title}.csv"
    headers, rows = read_rows(path)
    row = next(r for r in rows if r[headers[0]] == key)
    row[column_header] = value
    write_rows(path, headers, rows)


def append_row(package: Path, table_title: str, row: dict[str, str]) -> None:
    path = package / f"{table_title}.csv"
    headers, rows = read_rows(path)
    write_rows(path, headers, [*rows, {h: row.get(h, "") for h in headers}])


def fill_template(workbook: Path, package: Path) -> None:
    """Type a CSV package's rows into a `westaudit template` workbook, cell text as written, under the
    template's headers. The offices sheet keeps the hierarchy the template pre-filled."""
    import openpyxl

    contract = load_contract()
    book = openpyxl.load_workbook(workbook)
    for path in sorted(package.glob("*.csv")):
        spec = _table_of(path, contract)
        headers, rows = read_rows(path)
        if spec.name == "offices" or not rows:
            continue
        sheet = book[spec.title_zh]  # a table with rows the template has no sheet for is a template bug
        by_column = {name: header for header, name in _columns_of(spec, headers).items()}
        sheet_headers = tuple(str(cell.value) for cell in sheet[1])
        template_columns = [_columns_of(spec, sheet_headers)[h] for h in sheet_headers]
        for offset, row in enumerate(rows, start=2):
            for index, name in enumerate(template_columns, start=1):
                text = row.get(by_column.get(name, ""), "")
                sheet.cell(offset, index, text or None)
    book.save(workbook)

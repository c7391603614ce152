"""Writing a generated package as an office would send it: Chinese headers, enum values and yes/no in
Chinese, UTF-8 with BOM, one CSV per table, a manifest, and the planted violations beside it."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from westaudit.generate.base import Plant
from westaudit.runtime.progress import Progress
from westaudit.spec.tables import ColumnSpec, TableSpec

ENCODING = "utf-8-sig"


def _cells(values: pd.Series, column: ColumnSpec) -> pd.Series:
    if column.type == "enum":
        spelled = {code: spellings[0] if spellings else code for code, spellings in column.values.items()}
        return values.map(spelled)
    if column.type == "bool":
        return values.map({True: "是", False: "否"})
    if column.type in ("date", "datetime"):
        return _date_cells(values, "m" if column.type == "datetime" else "D")
    if column.type == "int" and values.dtype.kind == "f":
        return values.astype("Int64")
    return values


def _date_cells(values: pd.Series, unit: str) -> pd.Series:
    """Dates as text, each distinct date formatted once (a million subsidy rows share a few hundred days);
    incident reports are judged in hours, so a datetime keeps its minutes."""
    distinct, position = np.unique(values.to_numpy().astype(f"datetime64[{unit}]"), return_inverse=True)
    text = np.array([day.replace("T", " ") for day in np.datetime_as_string(distinct, unit=unit)], dtype=object)
    text[np.isnat(distinct)] = ""
    return pd.Series(text[position.reshape(-1)], index=values.index, dtype=object)


def write_table(frame: pd.DataFrame, spec: TableSpec, path: Path) -> None:
    columns = [name for name in spec.columns if name in frame]
    text = pd.DataFrame({spec.columns[name].zh: _cells(frame[name], spec.columns[name]) for name in columns})
    text.to_csv(path, index=False, encoding=ENCODING, lineterminator="\n", float_format="%.10g")


def write_manifest(folder: Path, office_id: str, year: int, title: str) -> None:
    (folder / "manifest.yaml").write_text(
        yaml.safe_dump({"office_id": office_id, "year": year, "title": title}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")


def write_planted(folder: Path, plants: Iterable[Plant]) -> None:
    plants = list(plants)
    documents = [{"rule": p.rule, "office": p.office, "why": p.why, "evidence": list(p.evidence)} for p in plants]
    (folder / "planted.yaml").write_text(
        "# Violations the generator planted; the audit must find each (rule, office) failing.\n"
        + yaml.safe_dump(documents, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # tab-separated: every .csv in a package folder must be a table, so the list cannot be one
    with (folder / "planted.tsv").open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["rule", "office", "evidence", "why"])
        writer.writerows([p.rule, p.office, ";".join(p.evidence), p.why] for p in plants)


def write_package(folder: Path, tables: dict[str, pd.DataFrame], contract: dict[str, TableSpec],
                  manifest: tuple[str, int, str], plants: Iterable[Plant], progress: Progress) -> dict[str, int]:
    """Returns rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    progress.stage("写出 write")
    for done, name in enumerate(sorted(tables), start=1):
        progress.step(f"{name} ({len(tables[name]):,} rows)", done, len(tables))
        write_table(tables[name], contract[name], folder / f"{contract[name].title_zh}.csv")
    write_manifest(folder, *manifest)
    write_planted(folder, plants)
    progress.done()
    return {name: len(frame) for name, frame in sorted(tables.items())}

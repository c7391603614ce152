"""Applying the fixes planted.yaml describes to a copy of a sample package, at the level of its CSV files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from westaudit.tables import load_contract

ENCODINGS = ("utf-8-sig", "gb18030")


def load_planted(package: Path) -> list[dict]:
    return yaml.safe_load((package / "planted.yaml").read_text(encoding="utf-8"))


def _read(path: Path) -> tuple[list[list[str]], str]:
    for encoding in ENCODINGS:
        try:
            with path.open(encoding=encoding, newline="") as handle:
                return list(csv.reader(handle)), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError(f"cannot decode {path}")


def apply_fixes(package: Path, target: Path, fixes: list[dict]) -> Path:
    shutil.copytree(package, target)
    contract = load_contract()
    for fix in fixes:
        spec = contract[fix["table"]]
        path = target / f"{spec.title_zh}.csv"
        rows, encoding = _read(path)
        header = rows[0]
        position = {name: header.index(column.zh) for name, column in spec.columns.items() if column.zh in header}
        key_at = position[spec.key[0]]
        if "add" in fix:
            rows.append(["" for _ in header])
            for name, value in fix["add"].items():
                rows[-1][position[name]] = str(value)
        else:
            matched = [row for row in rows[1:] if row[key_at] == fix["key"]]
            assert len(matched) == 1, f"fix names key {fix['key']!r}, found {len(matched)} rows"
            for name, value in fix["set"].items():
                matched[0][position[name]] = str(value)
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return target

"""The package an office sends to its supervisor: its workbook (or CSV files), manifest and self-check receipt,
zipped and named by office and year; `westaudit audit` reads the zip as it is (engine/intake/archive.py).

The files are those the self-check read, byte for byte, so the supervisor's consolidation finds the receipt
matching (与自查一致). A package sent with findings still open carries the office's note in 报送说明.txt,
which the package reader ignores (only the manifest and tables are read, and checksummed).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from westaudit.core.submission import RECEIPT_NAME
from westaudit.reports.model import slug
from westaudit.spec.manifest import MANIFEST_NAMES

NOTE_NAME = "报送说明.txt"
_PACKAGE_SUFFIXES = (".csv", ".xlsx")


def submission_name(office_id: str, year: int) -> str:
    return f"{slug(office_id)}-{year}-报送包.zip"


def build_submission(package: Path, office_id: str, year: int, note: str | None, out: Path) -> Path:
    """Write the zip into `out` (created); returns its path. Members sit at the zip's root."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / submission_name(office_id, year)
    members = sorted(p for p in package.iterdir() if p.is_file() and (
        p.suffix.lower() in _PACKAGE_SUFFIXES or p.name in MANIFEST_NAMES or p.name == RECEIPT_NAME))
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.write(member, member.name)
        if note:
            archive.writestr(NOTE_NAME, note.strip() + "\n")
    partial.replace(target)
    return target

"""What a package's files are: name, sha256 and size of every file the loader reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from westaudit.intake.package import DATA_SUFFIXES, Package


@dataclass(frozen=True)
class InputFile:
    name: str
    sha256: str
    size: int


def package_files(package: Package) -> tuple[InputFile, ...]:
    """The sha256 of every file the package loader reads: the manifest and every CSV/XLSX beside it; for a
    consolidated package (engine/evaluate/consolidate.py), those of each package it merged, named ``<package>/<file>``."""
    parts = getattr(package, "parts", ())
    if parts:
        return tuple(InputFile(f"{part.label}/{f.name}", f.sha256, f.size)
                     for part in parts for f in package_files(part.package))
    files = sorted(p for p in package.path.iterdir() if p.is_file() and not p.name.startswith("~$")
                   and (p.suffix.lower() in DATA_SUFFIXES or p.name.startswith(("manifest.", "清单."))))
    return tuple(InputFile(p.name, hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size) for p in files)

"""The manifest of a submission package: who submits, for which audit year, and optional file names."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from westaudit.core.errors import InputError, SpecError
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "清单.yaml")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    office_id: str = Field(description="the submitting office")
    year: int = Field(ge=2003, le=2100)
    title: str = ""
    encoding: str | None = None
    files: dict[str, str] = {}


def find_manifest(folder: Path) -> Path:
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise InputError(str(folder), f"no manifest: expected one of {', '.join(MANIFEST_NAMES)}")


def load_manifest(path: Path) -> Manifest:
    try:
        node = load_yaml(path)
    except SpecError as exc:
        raise InputError(str(path), f"malformed manifest: {exc}") from exc
    problems = []
    manifest = parse_model(Manifest, node, str(path), "", problems)
    if manifest is None:
        raise InputError(str(path), "malformed manifest: " + "; ".join(
            f"{p.field or ''} {p.message}".strip() for p in problems))
    return manifest

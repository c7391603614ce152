"""The sample's planted violations, and the sample rebuilt with some of their fixes applied."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

BUILDER = Path(__file__).resolve().parent.parent / "data_samples" / "build_sample.py"


def load_planted(package: Path) -> list[dict]:
    return yaml.safe_load((package / "planted.yaml").read_text(encoding="utf-8"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_sample", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apply_fixes(package: Path, target: Path, fixes: list[dict]) -> Path:
    """The sample package as the builder writes it with only `fixes` applied (package names the original)."""
    del package  # the builder is the source of the sample, so the fix is applied where the rows are made
    _builder().write_with_fixes(target, fixes)
    return target

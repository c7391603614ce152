"""Where the rule set's files are, and which of them it is read from: no pydantic, no YAML, so `rules list`
can tell from these files alone whether its cached listing still holds (engine/spec/rule_listing.py)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CASES_SUFFIX = ".test.yaml"
FIXTURES = "fixtures"
PARAMETERS = "parameters"


def package_folder(package: str) -> Path:
    """A package's data folder on disk, installed or editable; rules and the contract are read as plain files.

    importlib.resources finds it wherever the package was installed; it is a real folder because the rule
    set is globbed, copied and cited by path (file:line), which a zipped package could not offer.
    """
    folder = files(package)
    if not isinstance(folder, Path):
        raise RuntimeError(f"{package} must be installed as files on disk, not inside an archive: {folder}")
    return folder


# rules/ of the checkout, shipped in the wheel as the data package westaudit.rules (pyproject package-dir)
RULES_DIR = package_folder("westaudit.rules")
CONTRACT_DIR = package_folder("westaudit.checks") / "tables"


def rule_files(rules_dir: Path) -> list[Path]:
    """rules/<office code>/<rule id>.yaml; test cases beside them, shared test data under rules/fixtures/."""
    return sorted(p for p in rules_dir.glob("*/*.yaml")
                  if not p.name.endswith(CASES_SUFFIX) and p.parent.name not in (FIXTURES, PARAMETERS))


def parameter_files(rules_dir: Path) -> list[Path]:
    """rules/parameters.yaml, plus one file per group of duties under rules/parameters/."""
    return [rules_dir / "parameters.yaml", *sorted((rules_dir / PARAMETERS).glob("*.yaml"))]

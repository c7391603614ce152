"""Pytest collects the YAML rule cases (rules/<office>/<rule id>.test.yaml) itself, one item per case.

Modelled on OpenFisca's tools/test_runner.py: collecting a file only parses its YAML, so collection stays
fast; each case runs as its own item when the session reaches it, and a failing one names its file, line and
case. Registered from tests/conftest.py (pytest_plugins); `testpaths` in pyproject lists rules/ beside tests/,
so `pytest` runs every case and `pytest tests/test_x.py` none.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from westaudit.evaluate.rulecases import CaseFile, CaseOutcome, load_case_file, run_case
from westaudit.spec.ruleset import CASES_SUFFIX, RuleSet, load_ruleset


@cache
def ruleset_of(rules_dir: Path) -> RuleSet:
    """One rule set per rules folder for the whole session (the conftest's `ruleset` fixture is this one)."""
    return load_ruleset(rules_dir)


class RuleCaseFailed(Exception):
    def __init__(self, outcome: CaseOutcome):
        super().__init__(outcome.case)
        self.outcome = outcome


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(CASES_SUFFIX):
        return YamlFile.from_parent(parent, path=file_path)
    return None


class YamlFile(pytest.File):
    def collect(self):
        case_file = load_case_file(self.path)
        for index, name in enumerate(case_file.names):
            yield YamlItem.from_parent(self, name=name, case_file=case_file, index=index)


class YamlItem(pytest.Item):
    def __init__(self, *, case_file: CaseFile, index: int, **kwargs):
        super().__init__(**kwargs)
        self.case_file, self.index = case_file, index

    def runtest(self) -> None:
        rules_dir = self.path.parent.parent  # rules/<office>/<rule id>.test.yaml
        outcome = run_case(self.case_file, self.index, ruleset_of(rules_dir), rules_dir)
        if not outcome.passed:
            raise RuleCaseFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleCaseFailed):
            outcome = excinfo.value.outcome
            return "\n".join([f"{outcome.file}:{outcome.line}", f"规则 rule {outcome.rule_id} · 用例 case {outcome.case!r}",
                              *outcome.problems])
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, self.case_file.lines[self.index], f"{self.case_file.model.rule}::{self.name}"

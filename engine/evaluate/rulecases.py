"""YAML test cases of rules (OpenFisca style): small inline tables, the statuses and evidence expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from westaudit.core.errors import SpecError, SpecProblem
from westaudit.core.results import Status
from westaudit.evaluate.audit import evaluate_rule, incomplete_by_office
from westaudit.evaluate.context import SOURCE_FILE, SOURCE_ROW, EvalContext
from westaudit.intake.coerce import type_table
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import CASES_SUFFIX, RuleSet
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

Rows = list[dict[str, Any]]


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    office: str
    status: Status
    evidence: list[str] | None = None


class CaseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    year: int | None = None
    tables: dict[str, Rows] = {}
    expect: list[Expectation]


class CaseFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str
    year: int
    tables: dict[str, Rows] = {}
    cases: list[CaseModel]


@dataclass(frozen=True)
class CaseOutcome:
    rule_id: str
    case: str
    file: str
    line: int | None
    passed: bool
    problems: tuple[str, ...]


def case_files(rules_dir: Path) -> list[Path]:
    return sorted(rules_dir.glob(f"*/*{CASES_SUFFIX}"))


def _standard_org(rules_dir: Path) -> Rows:
    return load_yaml(rules_dir / "fixtures" / "org.yaml")["offices"]


def _typed_tables(tables: dict[str, Rows], ruleset: RuleSet, source: str) -> tuple[dict[str, pd.DataFrame], list]:
    typed: dict[str, pd.DataFrame] = {}
    rejected = []
    order = ["offices", "volunteers", *sorted(t for t in tables if t not in ("offices", "volunteers"))]
    for name in (t for t in order if t in tables):
        if name not in ruleset.contract:
            raise SpecError([SpecProblem(source, None, f"tables.{name}", "unknown table")])
        raw = pd.DataFrame([{k: "" if v is None else str(v) for k, v in row.items()} for row in tables[name]],
                           dtype="string")
        for column in ruleset.contract[name].columns:
            if column not in raw:
                raw[column] = ""
        raw[SOURCE_FILE] = f"{source}#{name}"
        raw[SOURCE_ROW] = range(1, len(raw) + 1)
        offices = set(raw["office_id"]) if name == "offices" else set(typed["offices"]["office_id"])
        keys = {t: set(typed[t][ruleset.contract[t].key[0]]) for t in typed}
        table = type_table(ruleset.contract[name], raw, offices, keys)
        typed[name] = table.frame
        rejected.extend(table.rejected)
    return typed, rejected


def _check_case(case: CaseModel, base: CaseFileModel, ruleset: RuleSet, rules_dir: Path, file: str) -> list[str]:
    rule = ruleset.by_id(base.rule)
    if rule is None:
        return [f"no rule {base.rule!r}"]
    tables = {"offices": _standard_org(rules_dir)} | base.tables | case.tables
    typed, rejected = _typed_tables(tables, ruleset, Path(file).name)
    problems = [f"test data row rejected: {r.table} row {r.source_row} {r.column}={r.value!r} ({r.expected})"
                for r in rejected]
    org = OrgChart(typed["offices"])
    ctx = EvalContext(case.year or base.year, ruleset.parameters, typed, ruleset.contract, org,
                      incomplete_by_office(tuple(rejected)))
    offices = [e.office for e in case.expect]
    results = {r.office_id: r for r in evaluate_rule(rule, offices, ruleset, ctx)}
    for expected in case.expect:
        got = results.get(expected.office)
        if got is None:
            problems.append(f"{expected.office}: no result")
            continue
        if got.status is not expected.status:
            problems.append(f"{expected.office}: expected {expected.status.value}, got {got.status.value}"
                            f" ({got.message_en})")
        if expected.evidence is not None:
            keys = sorted(e.key for e in got.evidence)
            if keys != sorted(expected.evidence):
                problems.append(f"{expected.office}: evidence {keys}, expected {sorted(expected.evidence)}")
    return problems


def run_case_file(path: Path, ruleset: RuleSet, rules_dir: Path) -> list[CaseOutcome]:
    node = load_yaml(path)
    problems: list[SpecProblem] = []
    model = parse_model(CaseFileModel, node, str(path), "", problems)
    if model is None:
        raise SpecError(problems)
    outcomes = []
    for index, case in enumerate(model.cases):
        line = node["cases"][index].line if hasattr(node["cases"][index], "line") else None
        found = _check_case(case, model, ruleset, rules_dir, str(path))
        outcomes.append(CaseOutcome(model.rule, case.name, str(path), line, not found, tuple(found)))
    return outcomes

"""YAML test cases of rules (OpenFisca style): small inline tables, the statuses and evidence expected."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from westaudit.core.errors import SpecError, SpecProblem
from westaudit.core.results import Status
from westaudit.evaluate.audit import evaluate_rule, incomplete_by_office, out_of_force
from westaudit.evaluate.context import SOURCE_FILE, SOURCE_ROW, EvalContext
from westaudit.intake.coerce import TypedTable, type_table
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import CASES_SUFFIX, RuleSet
from westaudit.spec.specmodel import parse_model
from westaudit.spec.tables import TableSpec
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


# Typing a table runs its Great Expectations suite, a fixed cost of a few tenths of a second however few rows
# the table has; the cases of a file share their base tables and nearly every case the standard org, so a table
# already typed with the same rows and the same key sets is typed once per process (type_table is pure).
_TYPED_MEMO: dict[tuple, tuple[TableSpec, TypedTable]] = {}
_MEMO_SOURCE = "<case>"


def _frozen_rows(rows: pd.DataFrame) -> tuple:
    return tuple(rows.columns), tuple(map(tuple, rows.itertuples(index=False, name=None)))


def _typed_once(spec: TableSpec, raw: pd.DataFrame, offices: set[str], keys: dict[str, set[str]],
                source: str) -> TypedTable:
    """type_table(spec, raw, offices, keys) with raw's source column ``source``, computed once per content."""
    refs = sorted({c.ref.split(".")[0] for c in spec.columns.values() if c.type == "ref"} & set(keys))
    memo_key = (id(spec), _frozen_rows(raw.drop(columns=[SOURCE_FILE])), frozenset(offices),
                tuple((t, frozenset(keys[t])) for t in refs))
    if memo_key not in _TYPED_MEMO:
        # typed under a neutral source name; the case's own name is put back below, in frame and rejections
        neutral = raw.assign(**{SOURCE_FILE: _MEMO_SOURCE})
        _TYPED_MEMO[memo_key] = (spec, type_table(spec, neutral, offices, {t: keys[t] for t in refs}))
    typed = _TYPED_MEMO[memo_key][1]
    frame = typed.frame.copy()  # every case gets its own frames: a check kind may add columns to them
    frame[SOURCE_FILE] = pd.Series(source, index=frame.index, dtype=object)
    rejected = tuple(dataclasses.replace(r, source_file=source) for r in typed.rejected)
    return dataclasses.replace(typed, frame=frame, rejected=rejected)


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
        table = _typed_once(ruleset.contract[name], raw, offices, keys, f"{source}#{name}")
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
                      incomplete_by_office(tuple(rejected)), rejected=tuple(rejected))
    offices = [e.office for e in case.expect]
    on = ctx.parameters.date_for(ctx.year)
    judged = evaluate_rule(rule, offices, ruleset, ctx) if rule.in_force_on(on) else out_of_force(rule, offices, on)
    results = {r.office_id: r for r in judged}
    for expected in case.expect:
        got = results.get(expected.office)
        if got is None:
            problems.append(f"{expected.office}: no result")
            continue
        # a case states the check's conclusion: a failing check the rule's severity or a default basis turns
        # into `warn` still reads `fail` (engine/evaluate/judgement.py)
        if expected.status not in (got.status, got.verdict):
            problems.append(f"{expected.office}: expected {expected.status.value}, got {got.status.value}"
                            f" ({got.message_en})")
        if expected.evidence is not None:
            keys = sorted(e.key for e in got.evidence)
            if keys != sorted(expected.evidence):
                problems.append(f"{expected.office}: evidence {keys}, expected {sorted(expected.evidence)}")
    return problems


@dataclass(frozen=True)
class CaseFile:
    """A case file parsed (no case run): what a test collector needs to make one item per case."""

    path: Path
    model: CaseFileModel
    lines: tuple[int | None, ...]

    @property
    def names(self) -> list[str]:
        return [case.name for case in self.model.cases]


def load_case_file(path: Path) -> CaseFile:
    node = load_yaml(path)
    problems: list[SpecProblem] = []
    model = parse_model(CaseFileModel, node, str(path), "", problems)
    if model is None:
        raise SpecError(problems)
    lines = tuple(getattr(node["cases"][index], "line", None) for index in range(len(model.cases)))
    return CaseFile(path, model, lines)


def run_case(case_file: CaseFile, index: int, ruleset: RuleSet, rules_dir: Path) -> CaseOutcome:
    case, model = case_file.model.cases[index], case_file.model
    found = _check_case(case, model, ruleset, rules_dir, str(case_file.path))
    return CaseOutcome(model.rule, case.name, str(case_file.path), case_file.lines[index], not found, tuple(found))


def run_case_file(path: Path, ruleset: RuleSet, rules_dir: Path) -> list[CaseOutcome]:
    case_file = load_case_file(path)
    return [run_case(case_file, index, ruleset, rules_dir) for index in range(len(case_file.model.cases))]

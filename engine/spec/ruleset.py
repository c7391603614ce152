"""Loading the rule set: structure, then schema, then meaning; every problem collected, then refuse to run."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from westaudit.checks.base import CheckKind, literal_thresholds
from westaudit.checks.registry import kinds
from westaudit.core.basis import BasisKind
from westaudit.core.errors import SpecError, SpecProblem
from westaudit.core.offices import OFFICE_CODES
from westaudit.spec.locations import (  # noqa: F401  (CASES_SUFFIX and RULES_DIR are imported from here too)
    CASES_SUFFIX,
    CONTRACT_DIR,
    RULES_DIR,
    parameter_files,
    rule_files,
)
from westaudit.spec.parameters import ARTICLE_REF, ParameterSet, load_parameters
from westaudit.spec.specmodel import parse_model
from westaudit.spec.tables import TableSpec, load_contract
from westaudit.spec.yamlsource import LocatedDict, load_yaml


class InForceModel(BaseModel):
    """A rule's period of force (both ends included); a rule without one is in force throughout."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    since: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    why: str = Field(default="", description="why the period: the change in the plan that starts or ends it")
    why_en: str = Field(default="", description="the same in English, for the English report")


class RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+-\d{2}(\.[a-z][a-z0-9_]*)?$")
    office: str
    article: int
    citation: str
    title_zh: str
    title_en: str
    severity: Literal["fatal", "warning"]
    in_force: InForceModel | None = None
    check: dict[str, Any]




@dataclass(frozen=True)
class Rule:
    id: str
    office: str
    article: int
    citation: str
    title_zh: str
    title_en: str
    severity: str
    check: CheckKind
    file: str
    line: int | None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None
    in_force_why: str = ""
    in_force_why_en: str = ""

    def in_force_on(self, on: dt.date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= on) and (
            self.in_force_until is None or on <= self.in_force_until)

    def period_text(self) -> tuple[str, str]:
        since, until = self.in_force_from or "", self.in_force_until or ""
        why = f"；{self.in_force_why}" if self.in_force_why else ""
        return f"施行期 {since}～{until}{why}", f"in force {since or '…'} to {until or '…'}" + (
            f"; {self.in_force_why_en}" if self.in_force_why_en else "")


@dataclass(frozen=True)
class Article:
    office: str
    number: int
    office_zh: str
    text: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    parameters: ParameterSet
    contract: dict[str, TableSpec]
    articles: dict[tuple[str, int], Article]
    version: str

    def by_id(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


def load_articles(path: Path) -> dict[tuple[str, int], Article]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["office"], int(row["article"])): Article(row["office"], int(row["article"]), row["office_zh"],
                                                              row["text"])
                for row in csv.DictReader(handle, delimiter="\t")}


def _version(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _parse_check(node: Any, file: str, problems: list[SpecProblem]) -> CheckKind | None:
    registry = kinds()
    kind_name = node.get("kind") if isinstance(node, dict) else None
    if kind_name not in registry:
        import difflib

        close = difflib.get_close_matches(str(kind_name), list(registry), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known kinds: {', '.join(sorted(registry))}"
        problems.append(SpecProblem(file, node.line_of("kind") if isinstance(node, LocatedDict) else None,
                                    "check.kind", f"unknown check kind {kind_name!r}{hint}"))
        return None
    kind = registry[kind_name]
    params_node = LocatedDict({k: v for k, v in node.items() if k != "kind"})
    params_node.line, params_node.key_lines = node.line, node.key_lines
    params = parse_model(kind.Params, params_node, file, "check", problems)
    return kind(params) if params is not None else None


def _line_in(node: Any, path: list[str], value: str | None = None) -> int | None:
    """The line of a field path inside a rule, or of the first key under it whose value is `value`."""
    line = node.line if isinstance(node, LocatedDict) else None
    for part in path:
        if not (isinstance(node, LocatedDict) and part in node):
            break
        line, node = node.line_of(part), node[part]
    if value is not None and isinstance(node, LocatedDict):
        for key, child in node.items():
            if child == value:
                return node.line_of(str(key))
            found = _line_in(child, [], value) if isinstance(child, LocatedDict) else None
            if found is not None and found != child.line:
                return found
    return line


def _check_meaning(rule: Rule, node: LocatedDict, ctx: RuleSetParts, problems: list[SpecProblem]) -> None:
    def problem(field: str, message: str, value: str | None = None) -> None:
        problems.append(SpecProblem(rule.file, _line_in(node, field.split("."), value), field, message))

    if rule.office not in OFFICE_CODES:
        problem("office", f"unknown office code {rule.office!r}; known: {', '.join(OFFICE_CODES)}")
        return
    if not re.match(rf"^{rule.office}-{rule.article:02d}(\.|$)", rule.id):
        problem("id", f"must start with '{rule.office}-{rule.article:02d}' (office and article)")
    article = ctx.articles.get((rule.office, rule.article))
    if article is None:
        problem("article", f"{rule.office} has no article {rule.article} in articles.tsv")
    elif rule.citation.strip() != article.text:
        problem("citation", f"must be the article's text verbatim: {article.text}")
    for name in sorted(rule.check.parameter_names() - set(ctx.parameters.parameters)):
        problem("check", f"unknown parameter {name!r}", value=name)
    for path, number in literal_thresholds(rule.check.params):
        if not (rule.check.name == "ratio" and path == "min" and number == 1):
            # a number written in the rule has no basis to show: only a ratio's min 1 (every member) is a reading
            problem(f"check.{path}", f"{number!r}: a threshold names a parameter of rules/parameters, with its "
                                     "basis (docs/rules.md#basis); only a ratio's min 1 (every member) is written as is")
    for ref in rule.check.column_refs():
        table = ctx.contract.get(ref.table)
        if table is None:
            problem(f"check.{ref.field}", f"unknown table {ref.table!r}; known: {', '.join(sorted(ctx.contract))}")
        elif ref.column and ref.column not in table.columns:
            problem(f"check.{ref.field}", f"table {ref.table!r} has no column {ref.column!r}")


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def check_text_bases(parameters: ParameterSet, articles: dict[tuple[str, int], Article],
                     problems: list[SpecProblem]) -> None:
    """A `text` basis quotes its article: the quoted words must stand in that article of articles.tsv (spaces
    aside), so a number the article does not state cannot pass for the article's."""
    for name, parameter in parameters.parameters.items():
        basis = parameter.basis
        if basis is None or basis.kind is not BasisKind.TEXT:
            continue
        office, number = ARTICLE_REF.match(basis.article).groups()
        article = articles.get((office, int(number)))
        if article is None:
            problems.append(SpecProblem(parameter.file, parameter.basis_line, f"{name}.basis.article",
                                        f"{basis.article}: no such article in articles.tsv"))
        elif _squeezed(basis.quote) not in _squeezed(article.text):
            problems.append(SpecProblem(parameter.file, parameter.basis_line, f"{name}.basis.quote",
                                        f"“{basis.quote}” is not in the text of {basis.article}: {article.text}"))


@dataclass(frozen=True)
class RuleSetParts:
    parameters: ParameterSet
    contract: dict[str, TableSpec]
    articles: dict[tuple[str, int], Article]


def _parse_rule(path: Path, parts: RuleSetParts, problems: list[SpecProblem]) -> Rule | None:
    file = str(path)
    node = load_yaml(path)
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, None, None, "a rule file must hold one mapping"))
        return None
    model = parse_model(RuleModel, node, file, "", problems)
    if model is None:
        return None
    check = _parse_check(node["check"], file, problems)
    if check is None:
        return None
    period = model.in_force
    rule = Rule(model.id, model.office, model.article, model.citation, model.title_zh, model.title_en,
                model.severity, check, file, node.line, period.since if period else None,
                period.until if period else None, period.why if period else "", period.why_en if period else "")
    before = len(problems)
    _check_meaning(rule, node, parts, problems)
    return rule if len(problems) == before else None


def load_ruleset(rules_dir: Path = RULES_DIR) -> RuleSet:
    problems: list[SpecProblem] = []
    parameters = ParameterSet({})
    for path in parameter_files(rules_dir):
        try:
            more = load_parameters(path)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        for name in sorted(set(more.parameters) & set(parameters.parameters)):
            problems.append(SpecProblem(str(path), more.parameters[name].line, name,
                                        f"parameter defined twice, also in {parameters.parameters[name].file}"))
        parameters = ParameterSet(parameters.parameters | more.parameters)
    contract = load_contract(CONTRACT_DIR)
    parts = RuleSetParts(parameters, contract, load_articles(rules_dir / "articles.tsv"))
    check_text_bases(parameters, parts.articles, problems)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in rule_files(rules_dir):
        try:
            rule = _parse_rule(path, parts, problems)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(SpecProblem(rule.file, rule.line, "id", f"duplicate id {rule.id!r}, also in {seen[rule.id]}"))
            continue
        seen[rule.id] = rule.file
        if path.stem != rule.id:
            problems.append(SpecProblem(rule.file, rule.line, "id", f"must equal the file name {path.stem!r}"))
            continue
        rules.append(rule)
    if problems:
        raise SpecError(problems)
    version_inputs = [*rule_files(rules_dir), *parameter_files(rules_dir), *sorted(CONTRACT_DIR.glob("*.yaml"))]
    ordered = tuple(sorted(rules, key=lambda r: (OFFICE_CODES.index(r.office), r.article, r.id)))
    return RuleSet(ordered, parameters, contract, parts.articles, _version(version_inputs))

"""Policy overlays: an office (province, prefecture or the national office) adopts its own values for its
subtree in a policy file, from a document it names (docs/rules.md#policy-overlays).

```yaml
office: SC                                  # the adopting office; the policy applies to its subtree
document: {title: 四川省西部计划实施细则, number: 川青联发〔2025〕3号, clause: 第十二条}
parameters:
  employment_ratio_min: {2025-01-01: 0.25}  # dated values, checked against the parameter's unit
  employment_ratio_min.warning: {2025-01-01: 0.30}   # the parameter's warning band (a stricter line: warn)
rules:
  service_county-07: {severity: fatal}      # a rule's severity for the subtree
  university-08: {switched_off: 本省自2023年起不再办理就业报到证}   # a rule switched off, with the reason
```

Files come from `--policy FILE` (repeatable), else $WESTAUDIT_POLICIES (a file or a folder of them), else
~/.westaudit/policies/*.yaml beside the audit store. Each is validated like a rule file: every problem with
file, line and field; an unknown parameter or rule is refused here, an office the package does not know when
the audit starts (engine/evaluate/policy_scope.py).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from westaudit.core.basis import Basis, BasisKind
from westaudit.core.errors import SpecError, SpecProblem, UsageError
from westaudit.core.results import SEVERITIES
from westaudit.spec.parameters import Overlay, ParameterSet, banded_name, parse_basis, parse_dated_values
from westaudit.spec.yamlsource import LocatedDict, load_yaml

POLICIES_ENV = "WESTAUDIT_POLICIES"
_KEYS = ("office", "document", "parameters", "rules")
SWITCHED_OFF = "switched_off"


@dataclass(frozen=True)
class RuleChange:
    """What a policy says of one rule: its severity, or that it is switched off and why."""

    severity: str | None
    off: str | None


@dataclass(frozen=True, eq=False)  # one per file: compared (and grouped by) identity
class Policy:
    office: str
    document: Basis
    values: dict[str, tuple[tuple[dt.date, float | int | str], ...]]
    rules: dict[str, RuleChange]
    file: str
    office_line: int | None

    @property
    def parameter_names(self) -> set[str]:
        """The parameters whose values or warning bands the policy sets."""
        return {banded_name(key) for key in self.values}

    @property
    def overlay(self) -> Overlay:
        return Overlay(self.office, self.document, self.file, self.values)


def policy_files(requested: list[Path] | None) -> list[Path]:
    """--policy files as given; else $WESTAUDIT_POLICIES; else ~/.westaudit/policies/*.yaml when it exists."""
    if requested:
        missing = [path for path in requested if not path.is_file()]
        if missing:
            raise UsageError(f"policy file {missing[0]} does not exist")
        return list(requested)
    if os.environ.get(POLICIES_ENV):
        path = Path(os.environ[POLICIES_ENV])
        if path.is_dir():
            return sorted(path.glob("*.yaml"))
        return policy_files([path])
    default = Path.home() / ".westaudit" / "policies"
    return sorted(default.glob("*.yaml")) if default.is_dir() else []


def _with_kind(node: LocatedDict) -> LocatedDict:
    """The document mapping as a `policy` basis (the file need not say `kind: policy`)."""
    basis = LocatedDict({"kind": BasisKind.POLICY.value, **node})
    basis.line, basis.key_lines = node.line, dict(node.key_lines)
    return basis


def _parameters(node: object, parameters: ParameterSet, file: str, line: int | None,
                problems: list[SpecProblem]) -> dict[str, tuple]:
    if node is None:
        return {}
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, line, "parameters", "must map parameter names to dated values"))
        return {}
    values = {}
    for name, dated in node.items():
        where = node.line_of(str(name))
        base = banded_name(str(name))  # `<name>.warning`: the parameter's warning band
        if base not in parameters:
            import difflib

            close = difflib.get_close_matches(base, list(parameters.parameters), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(SpecProblem(file, where, f"parameters.{name}", f"unknown parameter{hint}"))
            continue
        parsed = parse_dated_values(dated, parameters.parameters[base].unit, file, f"parameters.{name}", where,
                                    problems)
        if parsed is not None:
            values[str(name)] = parsed
    return values


def _rules(node: object, rule_ids: set[str], file: str, line: int | None,
           problems: list[SpecProblem]) -> dict[str, RuleChange]:
    if node is None:
        return {}
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, line, "rules", f"must map rule ids to {{severity}} or {{{SWITCHED_OFF}: reason}}"))
        return {}
    changes = {}
    for rule_id, change in node.items():
        field, where = f"rules.{rule_id}", node.line_of(str(rule_id))
        if rule_id not in rule_ids:
            problems.append(SpecProblem(file, where, field, "unknown rule"))
            continue
        if not isinstance(change, LocatedDict) or not change or set(change) - {"severity", SWITCHED_OFF}:
            problems.append(SpecProblem(file, where, field,
                                        f"must be {{severity: fatal|warning}} or {{{SWITCHED_OFF}: reason}}"))
            continue
        # not `off:`, which YAML reads as false
        severity, off = change.get("severity"), change.get(SWITCHED_OFF)
        if severity is not None and severity not in SEVERITIES:
            problems.append(SpecProblem(file, change.line_of("severity"), f"{field}.severity",
                                        f"{severity!r}: must be fatal or warning"))
            continue
        if off is not None and (not isinstance(off, str) or not off.strip()):
            problems.append(SpecProblem(file, change.line_of(SWITCHED_OFF), f"{field}.{SWITCHED_OFF}",
                                        "a rule is switched off with its reason (text)"))
            continue
        changes[str(rule_id)] = RuleChange(severity, off.strip() if off else None)
    return changes


def load_policy(path: Path, parameters: ParameterSet, rule_ids: set[str]) -> Policy:
    node = load_yaml(path)
    file = str(path)
    if not isinstance(node, LocatedDict):
        raise SpecError([SpecProblem(file, None, None, "a policy file must hold one mapping")])
    problems: list[SpecProblem] = []
    for key in node:
        if key not in _KEYS:
            problems.append(SpecProblem(file, node.line_of(str(key)), str(key), f"unknown key; expected {', '.join(_KEYS)}"))
    office = node.get("office")
    if not isinstance(office, str) or not office.strip():
        problems.append(SpecProblem(file, node.line_of("office"), "office", "missing: the office adopting the policy"))
    document_node = node.get("document")
    if isinstance(document_node, LocatedDict):
        document = parse_basis(_with_kind(document_node), file, "document", node.line_of("document"), problems)
    else:
        problems.append(SpecProblem(file, node.line_of("document"), "document",
                                    "missing: the document that sets the values (title, number, clause)"))
        document = None
    values = _parameters(node.get("parameters"), parameters, file, node.line_of("parameters"), problems)
    rules = _rules(node.get("rules"), rule_ids, file, node.line_of("rules"), problems)
    if not values and not rules and not problems:
        problems.append(SpecProblem(file, node.line, None, "the policy sets no parameter and changes no rule"))
    if problems:
        raise SpecError(problems)
    return Policy(office.strip(), document, values, rules, file, node.line_of("office"))


def load_policies(paths: list[Path], parameters: ParameterSet, rule_ids: set[str]) -> tuple[Policy, ...]:
    problems: list[SpecProblem] = []
    policies = []
    for path in paths:
        try:
            policies.append(load_policy(path, parameters, rule_ids))
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return tuple(policies)

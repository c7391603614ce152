"""Named thresholds and dates with effective-dated values (OpenFisca style): the audit year picks the value in force."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from westaudit.core.basis import Basis, BasisKind
from westaudit.core.errors import SpecError, SpecProblem
from westaudit.spec.yamlsource import LocatedDict, load_yaml

UNITS = ("ratio", "count", "hours", "days", "month_day", "amount")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_ALLOWED_KEYS = {"description_zh", "description_en", "unit", "reference", "basis", "values", "warning"}
# what each kind of basis must and may say (docs/rules.md#basis)
_BASIS_FIELDS = {
    BasisKind.TEXT: ({"article", "quote"}, set()),
    BasisKind.POLICY: ({"title"}, {"number", "clause"}),
    BasisKind.DEFAULT: ({"why"}, set()),
}
ARTICLE_REF = re.compile(r"^([a-z_]+)-(\d{2})$")
# a policy sets a parameter's warning band under the parameter's name with this suffix, as results list it
BAND_SUFFIX = ".warning"


def banded_name(key: str) -> str:
    """The parameter a policy key sets: `employment_ratio_min.warning` sets employment_ratio_min's band."""
    return key.removesuffix(BAND_SUFFIX)


@dataclass(frozen=True)
class WarningBand:
    """A second, stricter line: a result that passes the parameter's value but not the band's is `warn`
    (employment: warn under 25%, fail under 20%). Its values are dated like the parameter's, with their own basis."""

    values: tuple[tuple[dt.date, float | int | str], ...]
    basis: Basis
    line: int | None


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    description_zh: str
    description_en: str
    reference: str
    # (effective date, value), oldest first
    values: tuple[tuple[dt.date, float | int | str], ...]
    file: str
    line: int | None
    basis: Basis | None = None
    basis_line: int | None = None
    warning: WarningBand | None = None

    def value_at(self, on: dt.date) -> float | int | str | None:
        in_force = None
        for since, value in self.values:
            if since <= on:
                in_force = value
        return in_force


@dataclass(frozen=True)
class InForce:
    """A parameter's value on a date, with its provenance: the date it took effect, its basis, the file it was
    read from and, for a policy's value, the office that adopted the policy."""

    value: float | int | str
    since: dt.date
    basis: Basis | None
    source: str
    adopted_by: str = ""


@dataclass(frozen=True)
class Overlay:
    """One policy's dated values, as the parameter set sees them (engine/spec/policies.py builds them)."""

    adopted_by: str
    basis: Basis
    source: str
    values: dict[str, tuple[tuple[dt.date, float | int | str], ...]]


def _latest(values: tuple[tuple[dt.date, float | int | str], ...], on: dt.date):
    return max(((since, value) for since, value in values if since <= on), default=None, key=lambda item: item[0])


def _source_label(file: str) -> str:
    path = Path(file)
    return f"rules/{path.parent.name}/{path.name}" if path.parent.name == "parameters" else f"rules/{path.name}"


@dataclass(frozen=True)
class ParameterSet:
    parameters: dict[str, Parameter]
    # policies that apply, most specific office first; a value resolves from the first that has one in force
    overlays: tuple[Overlay, ...] = ()
    # the date values are taken at (--as-of); None: 31 December of the audit year
    on: dt.date | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.parameters

    def date_for(self, year: int) -> dt.date:
        return self.on or dt.date(year, 12, 31)

    def in_force(self, name: str, year: int) -> InForce:
        """The value in force on the parameter date: the most specific policy with a value in force then, else
        rules/parameters."""
        on = self.date_for(year)
        for overlay in self.overlays:
            found = _latest(overlay.values.get(name, ()), on)
            if found is not None:
                return InForce(found[1], found[0], overlay.basis, overlay.source, overlay.adopted_by)
        parameter = self.parameters[name]
        found = _latest(parameter.values, on)
        if found is None:
            raise SpecError([SpecProblem(parameter.file, parameter.line, name, f"no value in force on {on}")])
        return InForce(found[1], found[0], parameter.basis, _source_label(parameter.file))

    def value(self, name: str, year: int) -> float | int | str:
        """The value in force at the end of the audit year (or on the as-of date)."""
        return self.in_force(name, year).value

    def deadline(self, name: str, year: int) -> dt.date:
        """A month_day parameter ("03-31") as a date in the audit year."""
        month, day = (int(part) for part in str(self.value(name, year)).split("-"))
        return dt.date(year, month, day)

    def banded(self, names: set[str], year: int) -> ParameterSet | None:
        """The set with the named parameters' warning bands in force over every other value (None: no band)."""
        on = self.date_for(year)
        bands = tuple(band for name in sorted(names) if name in self.parameters
                      and (band := self._band_in_force(name, on)) is not None)
        return replace(self, overlays=bands + self.overlays) if bands else None

    def _band_in_force(self, name: str, on: dt.date) -> Overlay | None:
        """A band resolves like a value, from the most specific policy upward: the first policy setting
        `<name>.warning` in force gives it; a policy setting the value with no band of its own leaves the
        parameter without one (the rule set's band was drawn against the rule set's value); else the band of
        rules/parameters."""
        key = f"{name}{BAND_SUFFIX}"
        for overlay in self.overlays:
            found = _latest(overlay.values.get(key, ()), on)
            if found is not None:
                return Overlay(overlay.adopted_by, overlay.basis, overlay.source, {name: (found,)})
            if _latest(overlay.values.get(name, ()), on) is not None:
                return None
        parameter = self.parameters[name]
        if parameter.warning is None:
            return None
        return Overlay("", parameter.warning.basis, _source_label(parameter.file), {name: parameter.warning.values})

    def with_overlays(self, overlays: tuple[Overlay, ...]) -> ParameterSet:
        return replace(self, overlays=overlays)

    def at(self, on: dt.date | None) -> ParameterSet:
        return replace(self, on=on)


def _check_value(unit: str, value: object) -> str | None:
    if unit == "month_day":
        return None if isinstance(value, str) and _MONTH_DAY.match(value) else "must be a month-day like '03-31'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number"
    if unit == "ratio" and not 0 <= value <= 1:
        return "a ratio must lie between 0 and 1"
    if unit == "count" and (not isinstance(value, int) or value < 0):
        return "a count must be a whole number, 0 or more"
    if unit in ("hours", "days", "amount") and value < 0:
        return "must not be negative"
    return None


def parse_basis(node: object, file: str, field: str, line: int | None,
                problems: list[SpecProblem]) -> Basis | None:
    """A `basis:` mapping: kind text (article, quote), policy (title, number?, clause?) or default (why)."""
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, line, field, "missing: every value needs its basis "
                                    "(kind: text | policy | default, docs/rules.md#basis)"))
        return None
    try:
        kind = BasisKind(node.get("kind"))
    except ValueError:
        problems.append(SpecProblem(file, node.line_of("kind"), f"{field}.kind",
                                    f"{node.get('kind')!r}: must be one of text, policy, default"))
        return None
    required, optional = _BASIS_FIELDS[kind]
    found = True
    for key in node:
        if key != "kind" and key not in required | optional:
            problems.append(SpecProblem(file, node.line_of(str(key)), f"{field}.{key}",
                                        f"unknown key for a {kind.value} basis; expected {', '.join(sorted(required | optional))}"))
            found = False
    for key in sorted(required):
        if not isinstance(node.get(key), str) or not node[key].strip():
            problems.append(SpecProblem(file, node.line_of(key), f"{field}.{key}", f"missing (a {kind.value} basis needs it)"))
            found = False
    if kind is BasisKind.TEXT and isinstance(node.get("article"), str) and not ARTICLE_REF.match(node["article"]):
        problems.append(SpecProblem(file, node.line_of("article"), f"{field}.article",
                                    f"{node['article']!r}: an article as office-NN, e.g. service_county-09"))
        found = False
    if not found:
        return None
    return Basis(kind, **{key: str(node[key]).strip() for key in required | optional if key in node})


def parse_dated_values(values: object, unit: str, file: str, field: str, line: int | None,
                       problems: list[SpecProblem]) -> tuple[tuple[dt.date, float | int | str], ...] | None:
    """`values:` effective date -> value, each value checked against the unit; oldest first."""
    if not isinstance(values, LocatedDict) or not values:
        problems.append(SpecProblem(file, line, field, "must map effective dates (YYYY-MM-DD) to values"))
        return None
    dated = []
    for since, value in values.items():
        where = values.line_of(str(since))
        if not isinstance(since, dt.date):
            problems.append(SpecProblem(file, where, field, f"{since!r} is not a date (YYYY-MM-DD)"))
            continue
        error = _check_value(unit, value)
        if error:
            problems.append(SpecProblem(file, where, f"{field}.{since}", f"{value!r} {error}"))
            continue
        dated.append((since, value))
    return tuple(sorted(dated))


def _parse_band(node: object, unit: str, file: str, field: str, line: int | None,
                problems: list[SpecProblem]) -> WarningBand | None:
    if node is None:
        return None
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, line, field, "a warning band is a mapping of values and basis"))
        return None
    for key in node:
        if key not in ("values", "basis"):
            problems.append(SpecProblem(file, node.line_of(str(key)), f"{field}.{key}", "unknown key; expected values, basis"))
    dated = parse_dated_values(node.get("values"), unit, file, f"{field}.values", node.line_of("values"), problems)
    basis = parse_basis(node.get("basis"), file, f"{field}.basis", node.line_of("basis"), problems)
    return WarningBand(dated, basis, node.line) if dated is not None and basis is not None else None


def _parse_parameter(name: str, node: object, file: str, problems: list[SpecProblem]) -> Parameter | None:
    if not isinstance(node, LocatedDict):
        problems.append(SpecProblem(file, None, name, "a parameter must be a mapping"))
        return None
    for key in node:
        if key not in _ALLOWED_KEYS:
            problems.append(SpecProblem(file, node.line_of(key), f"{name}.{key}", "unknown key"))
    unit = node.get("unit")
    if unit not in UNITS:
        problems.append(SpecProblem(file, node.line_of("unit"), f"{name}.unit", f"must be one of {', '.join(UNITS)}"))
        return None
    dated = parse_dated_values(node.get("values"), unit, file, f"{name}.values", node.line_of("values"), problems)
    if dated is None:
        return None
    band = _parse_band(node.get("warning"), unit, file, f"{name}.warning", node.line_of("warning"), problems)
    for key in ("description_zh", "reference"):
        if not node.get(key):
            problems.append(SpecProblem(file, node.line, f"{name}.{key}", "missing"))
    basis = parse_basis(node.get("basis"), file, f"{name}.basis", node.line_of("basis"), problems)
    return Parameter(name, unit, str(node.get("description_zh", "")), str(node.get("description_en", "")),
                     str(node.get("reference", "")), dated, file, node.line, basis, node.line_of("basis"), band)


def load_parameters(path: Path) -> ParameterSet:
    document = load_yaml(path)
    file = str(path)
    if not isinstance(document, LocatedDict):
        raise SpecError([SpecProblem(file, None, None, "the parameter file must be a mapping of names")])
    problems: list[SpecProblem] = []
    parameters = {}
    for name, node in document.items():
        parameter = _parse_parameter(str(name), node, file, problems)
        if parameter is not None:
            parameters[str(name)] = parameter
    if problems:
        raise SpecError(problems)
    return ParameterSet(parameters)

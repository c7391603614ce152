"""Named thresholds and dates with effective-dated values (OpenFisca style): the audit year picks the value in force."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from westaudit.core.errors import SpecError, SpecProblem
from westaudit.spec.yamlsource import LocatedDict, load_yaml

UNITS = ("ratio", "count", "hours", "days", "month_day", "amount")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_ALLOWED_KEYS = {"description_zh", "description_en", "unit", "reference", "values"}


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

    def value_at(self, on: dt.date) -> float | int | str | None:
        in_force = None
        for since, value in self.values:
            if since <= on:
                in_force = value
        return in_force


@dataclass(frozen=True)
class ParameterSet:
    parameters: dict[str, Parameter]

    def __contains__(self, name: str) -> bool:
        return name in self.parameters

    def value(self, name: str, year: int) -> float | int | str:
        """The value in force at the end of the audit year."""
        value = self.parameters[name].value_at(dt.date(year, 12, 31))
        if value is None:
            raise SpecError([SpecProblem(self.parameters[name].file, self.parameters[name].line, name,
                                         f"no value in force in {year}")])
        return value

    def deadline(self, name: str, year: int) -> dt.date:
        """A month_day parameter ("03-31") as a date in the audit year."""
        month, day = (int(part) for part in str(self.value(name, year)).split("-"))
        return dt.date(year, month, day)


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
    values = node.get("values")
    if not isinstance(values, LocatedDict) or not values:
        problems.append(SpecProblem(file, node.line_of("values"), f"{name}.values",
                                    "must map effective dates (YYYY-MM-DD) to values"))
        return None
    dated = []
    for since, value in values.items():
        where = values.line_of(str(since))
        if not isinstance(since, dt.date):
            problems.append(SpecProblem(file, where, f"{name}.values", f"{since!r} is not a date (YYYY-MM-DD)"))
            continue
        error = _check_value(unit, value)
        if error:
            problems.append(SpecProblem(file, where, f"{name}.values.{since}", f"{value!r} {error}"))
            continue
        dated.append((since, value))
    for key in ("description_zh", "reference"):
        if not node.get(key):
            problems.append(SpecProblem(file, node.line, f"{name}.{key}", "missing"))
    return Parameter(name, unit, str(node.get("description_zh", "")), str(node.get("description_en", "")),
                     str(node.get("reference", "")), tuple(sorted(dated)), file, node.line)


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

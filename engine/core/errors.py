"""Typed errors. Each carries the place it points at, so the CLI can print it without a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a declarative input (rule, parameter, test case, manifest)."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class WestauditError(Exception):
    """Base of every error westaudit reports to a user (exit code 2)."""


@dataclass
class SpecError(WestauditError):
    """The rule set (or another declarative input) is invalid; nothing is evaluated."""

    problems: list[SpecProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass
class InputError(WestauditError):
    """A submitted file cannot be used at all (missing, unreadable, empty, missing a required column)."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    # the line of the file, where it differs from the row (a CSV record spanning lines, bytes before any row)
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        return ", ".join(parts) + f": {self.message}"


class UsageError(WestauditError):
    """The command line asks for something that does not exist."""


class EngineError(WestauditError):
    """A library westaudit relies on failed (a bug here or in it, not in the user's input): reported without a
    traceback, and no verdict is given."""

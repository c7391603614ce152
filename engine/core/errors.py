"""Typed errors. Each carries the place it points at, so the CLI can print it without a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field

from westaudit.core.personal_numbers import mask_text


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
    """A submitted file cannot be used at all (missing, unreadable, empty, missing a required column).

    Shown Chinese first, English second: the place ("志愿者名册.csv，第 3 行 row 3，「姓名」列 column name，
    值 value '张三'"), then ``message_zh`` / ``message``. A message without its Chinese is shown in English alone.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    # the line of the file, where it differs from the row (a CSV record spanning lines, bytes before any row)
    line: int | None = None
    message_zh: str = ""
    # the column's Chinese title from the data contract, where ``column`` is its name there
    column_zh: str | None = None

    def place(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"文件第 {self.line} 行 line {self.line}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行 row {self.row}")
        if self.column is not None:
            shown = self.column_zh or self.column
            parts.append(f"第 {shown} 列 column {self.column}" if shown.isdigit()
                         else f"「{shown}」列 column {self.column}")
        if self.value is not None:
            parts.append(f"值 value {self.value!r}")
        return "，".join(parts)

    def __str__(self) -> str:
        said = f"{self.message_zh} / {self.message}" if self.message_zh else self.message
        # shown wherever it goes (terminal, web page, log): a cell's ID or mobile number never whole
        return mask_text(f"{self.place()}：{said}")


class UsageError(WestauditError):
    """The command line asks for something that does not exist."""


class EngineError(WestauditError):
    """A library westaudit relies on failed (a bug here or in it, not in the user's input): reported without a
    traceback, and no verdict is given."""


# what to do, by errno, when writing or reading on this machine fails
_ENVIRONMENT_HINTS = {
    30: "the file system is read-only: choose a writable folder (--out, --store)",  # EROFS
    28: "no space left on the device: free some space or choose another folder",  # ENOSPC
    122: "disk quota exceeded: free some space or choose another folder",  # EDQUOT
    20: "a part of this path is a file, not a folder: choose another path",  # ENOTDIR
    21: "this is a folder, not a file: choose another path",  # EISDIR
    13: "permission denied: choose a folder you may write to, or ask for access",  # EACCES
    1: "operation not permitted: choose a folder you may write to, or ask for access",  # EPERM
    36: "a file name is too long: choose a shorter path",  # ENAMETOOLONG
    17: "it already exists: remove it or choose another path",  # EEXIST
    2: "it does not exist: check the path",  # ENOENT
}


def environment_error(error: OSError) -> str:
    """An OSError as a user's message: the path, what happened, what to do (never a traceback)."""
    path = error.filename if error.filename is not None else ""
    hint = _ENVIRONMENT_HINTS.get(error.errno or 0, "check the path and try again")
    reason = error.strerror or type(error).__name__
    return f"{path}: {reason}; {hint}" if path else f"{reason}; {hint}"

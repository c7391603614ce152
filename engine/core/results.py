"""What an audit concludes: frozen, typed results that reports read and never change."""

from __future__ import annotations

import datetime as dt
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum

from westaudit.core.basis import Basis


def stored_directly(cls: type) -> type:
    """A frozen dataclass whose __init__ stores each field straight into the instance's dict. The generated one
    goes through object.__setattr__ once a field (how a frozen class gets past its own guard): a national audit
    makes 377,000 results of 18 fields, and that was an eighth of evaluating the rules. The source is generated
    from the fields the way dataclasses itself does it, so the signature (order, defaults) stays the class's."""
    names = [f.name for f in fields(cls)]
    if any(f.default_factory is not MISSING or not f.init or f.kw_only for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: only fields with plain defaults can be stored directly")
    defaults = {f"_default_{f.name}": f.default for f in fields(cls) if f.default is not MISSING}
    parameters = ", ".join(f"{name}=_default_{name}" if f"_default_{name}" in defaults else name for name in names)
    stores = "".join(f"    stored[{name!r}] = {name}\n" for name in names)
    namespace = dict(defaults)
    exec(f"def __init__(self, {parameters}):\n    stored = self.__dict__\n{stores}", namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not_applicable"
    INSUFFICIENT_DATA = "insufficient_data"
    WAIVED = "waived"


STATUS_ZH = {
    Status.PASS: "符合",
    Status.FAIL: "不符合",
    Status.WARN: "提示",
    Status.NOT_APPLICABLE: "不适用",
    Status.INSUFFICIENT_DATA: "数据不足",
    Status.WAIVED: "已豁免",
}


@stored_directly
@dataclass(frozen=True)
class EvidenceRow:
    """One submitted row behind a finding, with where it came from. Personal numbers are already masked."""

    table: str
    source_file: str
    source_row: int
    key: str
    values: tuple[tuple[str, str], ...]
    reason: str = ""  # in Chinese
    # the same in English, for the English pages and report.json; the audit store keeps the Chinese reason only
    # (its schema unchanged), so a row read back has none and equals the row it was written from
    reason_en: str = field(default="", compare=False)

    def reason_in(self, lang: str) -> str:
        return self.reason_en or self.reason if lang == "en" else self.reason


# the value a result was judged against: a number (ratio, count, days...) or a date as YYYY-MM-DD
Threshold = float | int | str | None


@dataclass(frozen=True)
class ParameterUse:
    """A named parameter a result was judged by: the value in force at the audit's parameter date, the date it
    took effect, its basis (article text, policy document or westaudit default) and where the value came from
    (`source`: the parameter file or the policy file; `adopted_by`: the office whose policy set it, blank for
    rules/parameters). Writers turn it into a mapping with as_dict(), field by field."""

    name: str
    value: float | int | str
    unit: str
    effective: dt.date | None
    basis: Basis | None = None
    source: str = ""
    adopted_by: str = ""

    @property
    def rests_on_default(self) -> bool:
        return self.basis is not None and self.basis.is_default

    def as_dict(self) -> dict[str, object]:
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value.isoformat() if isinstance(value, dt.date)
                else value.as_dict() if isinstance(value, Basis) else value for name, value in plain.items()}

    @classmethod
    def from_dict(cls, written: dict[str, object]) -> ParameterUse:
        """Back from as_dict() (the audit store); a field a later version added is simply absent in old rows."""
        known = {f.name for f in fields(cls)}
        effective, basis = written.get("effective"), written.get("basis")
        return cls(**{name: value for name, value in written.items() if name in known}
                   | {"effective": dt.date.fromisoformat(effective) if isinstance(effective, str) else None,
                      "basis": Basis.from_dict(basis) if isinstance(basis, dict) else None})


@stored_directly
@dataclass(frozen=True)
class Counts:
    """How many of the items an office was judged on (records, members, member-months, quotas, cases,
    subordinates) met the duty, out of how many."""

    met: int
    total: int

    @property
    def short(self) -> int:
        return self.total - self.met

    def as_dict(self) -> dict[str, int]:
        return {"met": self.met, "total": self.total}


@dataclass(frozen=True)
class Remediation:
    """What the office does to put a finding right, written by the check kind from the rule's own parameters and
    the evidence: the sheet to open (its table), the rows to correct there (their source rows) or the row to add,
    what to enter, and the date the duty is due by. text_zh/text_en say it in full for the pages and the
    rectification list; the other fields are there for writers that compute with them (never parse the text)."""

    action: str  # "add" a row, "correct" the rows named, "complete" records for the members named
    table: str  # the data-contract table, the sheet of the template workbook
    text_zh: str
    text_en: str
    rows: tuple[int, ...] = ()  # the source rows to correct or complete for
    due: str | None = None  # YYYY-MM-DD, when the rule names a date

    def as_dict(self) -> dict[str, object]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    @classmethod
    def from_dict(cls, written: dict[str, object]) -> Remediation:
        known = {f.name for f in fields(cls)}
        plain = {name: value for name, value in written.items() if name in known}
        return cls(**plain | {"rows": tuple(plain.get("rows", ()))})


@stored_directly
@dataclass(frozen=True)
class Result:
    rule_id: str
    office_id: str
    status: Status
    measured: float | int | str | None
    expected: str
    message_zh: str
    message_en: str
    evidence: tuple[EvidenceRow, ...] = ()
    evidence_total: int = 0
    incomplete_tables: tuple[str, ...] = field(default=())
    # the structured sides of measured/expected, for writers that compute with them (never parse the text)
    threshold: Threshold = None
    parameters: tuple[ParameterUse, ...] = ()
    counts: Counts | None = None
    # what to do about it, when the kind can say (fail, warn): checks/remedy.py
    remediation: Remediation | None = None
    # `expected` is in Chinese; this is the same in English (blank: the text is the same in both, e.g. ">= 20%")
    expected_en: str = ""

    @property
    def awaits_corrections(self) -> bool:
        """insufficient_data because submitted rows the rule reads were rejected (they are the evidence, to be
        corrected), not because a table or column was never submitted."""
        return self.status is Status.INSUFFICIENT_DATA and self.evidence_total > 0
    # the rule's severity for this office (a policy may change it): fatal | warning; "" when not known (old rows)
    severity: str = ""
    # why a failing check is only `warn`: SEVERITY (a warning rule) or DEFAULT (its threshold rests on a westaudit
    # default no policy adopted); "" when the status is the check's own
    downgraded: str = ""
    # a ranking result: the subjects it ranked last this year that the same assessor also ranked last the year
    # before, by the audit store's standings (engine/history/repeat_last_place.py); ids masked as the store holds them
    last_ranked_again: tuple[str, ...] = ()

    def revised(self, **changes: object) -> Result:
        """dataclasses.replace without running __init__ again: the fields are already checked and a national audit
        revises 400,000 results (severity, downgrades), where replace() was the largest single cost."""
        for name in changes:
            if name not in _RESULT_FIELDS:
                raise TypeError(f"Result has no field {name!r}")
        copy = object.__new__(Result)
        vars(copy).update(vars(self), **changes)
        return copy

    @property
    def verdict(self) -> Status:
        """The check's own conclusion, before severity: a downgraded `warn` is a failed check."""
        return Status.FAIL if self.downgraded and self.status is Status.WARN else self.status

    @property
    def rests_on_default(self) -> bool:
        """Judged by a value no text states and no policy adopted (labelled 默认口径 wherever it is shown)."""
        return any(use.rests_on_default for use in self.parameters)


_RESULT_FIELDS = frozenset(f.name for f in fields(Result))
# Result.downgraded
SEVERITY, DEFAULT = "severity", "default"
SEVERITIES = ("fatal", "warning")


def severity_counts(results) -> dict[str, int]:
    """Findings by severity, as every summary counts them: `fatal` (status fail: the run fails), `warning`
    (status warn), and of those warnings `default_basis`, the failing checks judged by a westaudit default."""
    fatal = warning = default = 0
    for result in results:
        if result.status is Status.FAIL:
            fatal += 1
        elif result.status is Status.WARN:
            warning += 1
            default += result.downgraded == DEFAULT
    return {"fatal": fatal, "warning": warning, "default_basis": default}


def severity_text(counts: dict[str, int], lang: str = "zh") -> str:
    if lang == "zh":
        # the severities by the words of the filters and the findings (致命, 警告), the status beside each
        return (f"致命（不符合）{counts['fatal']} · 警告（提示）{counts['warning']}"
                f"（其中默认口径 {counts['default_basis']}）")
    return (f"fatal (fail) {counts['fatal']} · warning {counts['warning']} "
            f"(of which on a westaudit default {counts['default_basis']})")


@dataclass(frozen=True)
class RejectedRow:
    """A submitted row that was read but could not be accepted; it is itself a data-quality finding."""

    table: str
    source_file: str
    source_row: int
    column: str
    value: str
    expected: str
    office_id: str | None = None
    # only this cell was rejected: the row stays, the cell blank, for the duties that do not read this column
    row_kept: bool = False


@dataclass(frozen=True)
class TableAccount:
    """Rows read = rows accepted + rows rejected (+ rows merged), per table: nothing is silently dropped."""

    table: str
    source_files: tuple[str, ...]
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    # consolidation only: rows identical to a row another package sent, counted once among the accepted
    rows_merged: int = 0
    # of the accepted rows, those with a rejected cell (blank to the duties that read it; each is a finding)
    rows_partial: int = 0

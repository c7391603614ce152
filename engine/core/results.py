"""What an audit concludes: frozen, typed results that reports read and never change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum


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


@dataclass(frozen=True)
class EvidenceRow:
    """One submitted row behind a finding, with where it came from. Personal numbers are already masked."""

    table: str
    source_file: str
    source_row: int
    key: str
    values: tuple[tuple[str, str], ...]
    reason: str = ""


# the value a result was judged against: a number (ratio, count, days...) or a date as YYYY-MM-DD
Threshold = float | int | str | None


@dataclass(frozen=True)
class ParameterUse:
    """A named parameter of rules/parameters.yaml a result was judged by: the value in force in the audit year
    and the date it took effect. Writers turn it into a mapping with as_dict(), field by field, so a field added
    here (where the value comes from, say) reaches report.json without touching a writer."""

    name: str
    value: float | int | str
    unit: str
    effective: dt.date | None

    def as_dict(self) -> dict[str, object]:
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in plain.items()}

    @classmethod
    def from_dict(cls, written: dict[str, object]) -> ParameterUse:
        """Back from as_dict() (the audit store); a field a later version added is simply absent in old rows."""
        known = {f.name for f in fields(cls)}
        effective = written.get("effective")
        return cls(**{name: value for name, value in written.items() if name in known}
                   | {"effective": dt.date.fromisoformat(effective) if isinstance(effective, str) else None})


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

"""What an audit concludes: frozen, typed results that reports read and never change."""

from __future__ import annotations

from dataclasses import dataclass, field
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

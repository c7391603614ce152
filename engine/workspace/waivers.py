"""Waivers of the shared workspace: an office requests one from a finding, a 审核 account above it decides.

    book.request(...)                  待审批: rule, office, evidence keys (empty: the whole finding), reason, expiry
    book.decide(id, approve, ...)      已批准 or 已拒绝, by whom (account and office), when, with a comment
    book.granted(offices)              the approved ones as the audit's `Waiver` (engine/evaluate/waivers.py)
    book.import_file(path)             a YAML waivers file (validated as `--waivers` is) added as approved

An approved waiver is the same `Waiver` object to the audit as one of the YAML file: `apply_waivers` judges its
expiry at the audit's reference date, so 已过期 is never stored but derived at a date (`state_on`). Its `where`
is `waivers#<id>`, as a file's is `FILE:LINE`. Rows are never deleted: a refused or expired waiver stays listed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Index, Integer, String, Table, Text, and_, insert, select, update

from westaudit.evaluate.waivers import Waiver, load_waivers
from westaudit.history.store import Store
from westaudit.workspace.records import metadata, now

REQUESTED, APPROVED, REFUSED, EXPIRED = "requested", "approved", "refused", "expired"
STATES_ZH = {REQUESTED: "待审批", APPROVED: "已批准", REFUSED: "已拒绝", EXPIRED: "已过期"}
REASON_MAX_CHARS = COMMENT_MAX_CHARS = 2000
IMPORTED_BY = "westaudit waivers import"

waivers = Table(
    "workspace_waivers", metadata,
    Column("waiver_id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(128), nullable=False),
    Column("office_id", String(64), nullable=False),  # the office whose finding is waived
    Column("evidence", Text, nullable=False),  # JSON list of evidence keys; []: the whole finding
    Column("reason", Text, nullable=False),
    Column("expires_on", String(10), nullable=False),  # valid through this day
    Column("state", String(16), nullable=False),  # requested, approved, refused (expired is derived)
    Column("requested_at", String(32), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requester_office", String(64), nullable=False),
    Column("check_id", String(32)),  # the check whose finding it was requested from (none: imported)
    Column("decided_at", String(32)),
    Column("decided_by", String(64)),
    Column("decider_office", String(64)),
    Column("approved_on", String(10)),
    Column("decision_comment", Text),
    Column("source", Text),  # an imported waiver's FILE:LINE
    Index("workspace_waivers_by_office", "office_id", "state"),
    Index("workspace_waivers_by_requester", "requester_office", "state"),
)


@dataclass(frozen=True)
class WaiverRecord:
    waiver_id: int
    rule_id: str
    office_id: str
    evidence: tuple[str, ...]
    reason: str
    expires_on: dt.date
    state: str
    requested_at: str
    requested_by: str
    requester_office: str
    check_id: str | None
    decided_at: str | None
    decided_by: str | None
    decider_office: str | None
    approved_on: dt.date | None
    decision_comment: str | None
    source: str | None

    def state_on(self, day: dt.date) -> str:
        """已过期 once the validity is over (a request never decided expires too: it can no longer be approved)."""
        if self.state in (REQUESTED, APPROVED) and self.expires_on < day:
            return EXPIRED
        return self.state

    def state_zh_on(self, day: dt.date) -> str:
        return STATES_ZH[self.state_on(day)]

    @property
    def where(self) -> str:
        return f"waivers#{self.waiver_id}"

    def as_waiver(self) -> Waiver:
        """The audit's waiver: the approving office, and the account that approved it."""
        assert self.state == APPROVED and self.approved_on is not None and self.decider_office is not None
        approver = "" if self.decided_by == IMPORTED_BY else self.decided_by or ""
        return Waiver(self.rule_id, self.office_id, self.evidence, self.reason, self.decider_office,
                      self.approved_on, self.expires_on, self.where, None, approver)


class WaiverRefused(Exception):
    """A request or decision that cannot be taken as given: the reason in Chinese, then in English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh, self.message_en = message_zh, message_en


def _record(row) -> WaiverRecord:
    return WaiverRecord(row.waiver_id, row.rule_id, row.office_id, tuple(json.loads(row.evidence)), row.reason,
                        dt.date.fromisoformat(row.expires_on), row.state, row.requested_at, row.requested_by,
                        row.requester_office, row.check_id, row.decided_at, row.decided_by, row.decider_office,
                        dt.date.fromisoformat(row.approved_on) if row.approved_on else None, row.decision_comment,
                        row.source)


def parse_expiry(text: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise WaiverRefused(f"有效期至「{text[:20]}」不是日期：请按 2026-03-31 的格式填写",
                            f"expires_on {text[:20]!r} is not a date (YYYY-MM-DD)") from None
    if day < today:
        raise WaiverRefused(f"有效期至 {day} 已经过去：豁免须在今天（{today}）或以后到期",
                            f"expires_on {day} is in the past (today is {today})")
    return day


class WaiverBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _insert(self, row: dict) -> int:
        def work() -> int:
            with self.store.engine.begin() as conn:
                return int(conn.execute(insert(waivers).values(row)).inserted_primary_key[0])
        return self.store.retrying(work)

    def _select(self, query) -> list[WaiverRecord]:
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [_record(row) for row in self.store.retrying(work)]

    def request(self, rule_id: str, office_id: str, evidence: tuple[str, ...], reason: str, expires_on: dt.date,
                requested_by: str, requester_office: str, check_id: str | None) -> WaiverRecord:
        reason = reason.strip()
        if not reason:
            raise WaiverRefused("申请豁免须写明理由", "a waiver request needs a reason")
        if len(reason) > REASON_MAX_CHARS:
            raise WaiverRefused(f"理由过长：最多 {REASON_MAX_CHARS} 字", f"reason longer than {REASON_MAX_CHARS}")
        waiver_id = self._insert({
            "rule_id": rule_id, "office_id": office_id, "evidence": json.dumps(sorted(set(evidence)),
                                                                               ensure_ascii=False),
            "reason": reason, "expires_on": expires_on.isoformat(), "state": REQUESTED, "requested_at": now(),
            "requested_by": requested_by, "requester_office": requester_office, "check_id": check_id})
        return self.get(waiver_id)

    def get(self, waiver_id: int) -> WaiverRecord | None:
        found = self._select(select(waivers).where(waivers.c.waiver_id == waiver_id))
        return found[0] if found else None

    def of_offices(self, offices: set[str] | None) -> list[WaiverRecord]:
        """Every waiver requested by (or imported for) `offices` (None: every office), newest first."""
        query = select(waivers).order_by(waivers.c.waiver_id.desc())
        if offices is not None:
            query = query.where(waivers.c.requester_office.in_(sorted(offices)))
        return self._select(query)

    def decide(self, waiver_id: int, approve: bool, decided_by: str, decider_office: str, comment: str,
               today: dt.date) -> WaiverRecord:
        """Only a pending request is decided, once: the update names the state it leaves, so two reviewers
        deciding at the same moment cannot both succeed."""
        current = self.get(waiver_id)
        if current is None or current.state_on(today) != REQUESTED:
            state = current.state_zh_on(today) if current else ""
            raise WaiverRefused(f"这项豁免已是「{state}」，不能再审批", f"this waiver is no longer pending ({state})")
        values = {"state": APPROVED if approve else REFUSED, "decided_at": now(), "decided_by": decided_by,
                  "decider_office": decider_office, "decision_comment": comment.strip()[:COMMENT_MAX_CHARS] or None,
                  "approved_on": today.isoformat() if approve else None}

        def work() -> int:
            with self.store.engine.begin() as conn:
                return conn.execute(update(waivers).where(and_(waivers.c.waiver_id == waiver_id,
                                                               waivers.c.state == REQUESTED))
                                    .values(values)).rowcount
        if not self.store.retrying(work):
            raise WaiverRefused("这项豁免刚刚已由他人审批", "this waiver was decided a moment ago by someone else")
        return self.get(waiver_id)

    def granted(self, offices: set[str]) -> tuple[Waiver, ...]:
        """The approved waivers of findings of `offices`, expired ones included: the audit reports those."""
        query = (select(waivers).where(and_(waivers.c.state == APPROVED, waivers.c.office_id.in_(sorted(offices))))
                 .order_by(waivers.c.waiver_id))
        return tuple(record.as_waiver() for record in self._select(query))

    def import_file(self, path: Path) -> tuple[list[WaiverRecord], int]:
        """The file's waivers added as approved (validated as `--waivers FILE` is: a bad file raises SpecError
        with file:line:field and adds nothing); one already imported with the same content is skipped.
        Returns the added records and the number skipped."""
        loaded = load_waivers(path)
        present = {_content(r.as_waiver()) for r in self.of_offices(None) if r.state == APPROVED}
        added, skipped = [], 0
        for waiver in loaded:
            if _content(waiver) in present:
                skipped += 1
                continue
            present.add(_content(waiver))
            stamp = now()
            waiver_id = self._insert({
                "rule_id": waiver.rule, "office_id": waiver.office,
                "evidence": json.dumps(sorted(set(waiver.evidence)), ensure_ascii=False), "reason": waiver.reason,
                "expires_on": waiver.expires_on.isoformat(), "state": APPROVED, "requested_at": stamp,
                "requested_by": IMPORTED_BY, "requester_office": waiver.office, "check_id": None,
                "decided_at": stamp, "decided_by": IMPORTED_BY, "decider_office": waiver.approved_by,
                "approved_on": waiver.approved_on.isoformat(), "source": waiver.where})
            added.append(self.get(waiver_id))
        return added, skipped


def _content(waiver: Waiver) -> tuple:
    return (waiver.rule, waiver.office, tuple(sorted(set(waiver.evidence))), waiver.reason, waiver.approved_by,
            waiver.approved_on, waiver.expires_on)


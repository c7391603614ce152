"""Submissions of the shared workspace: an office's checked package sent to its supervisor, kept immutably.

A 报送 account submits a check's package (engine/workspace/submission.py builds it from the files the self-check
read). The zip is copied into DATA/submissions/<office>/<year>/ under a name of its own, written once and made
read-only, and recorded with its SHA-256, size, the self-check's verdict and a receipt number. A later submission
of the same office and year supersedes it; both rows and both files stay. A supervisor's 审核 account may return
the latest one with a comment, which the office sees on its pages.

The state of an office for a year, as the supervisor's list shows it:

    未报送             nothing submitted
    已报送（自查通过）   the latest submission's self-check passed
    已报送（有问题）     submitted with findings still open (and the office's note)
    自查后已改动        the office uploaded a new check after its latest submission: what was sent is not its latest data
    已退回             the supervisor returned the latest submission (its comment shown)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Index, Integer, String, Table, Text, insert, select, update

from westaudit.history.store import Store
from westaudit.workspace.records import CheckRecord, metadata, now

NOT_SUBMITTED, PASSED, WITH_FINDINGS, CHANGED, RETURNED = (
    "not_submitted", "submitted_passed", "submitted_with_findings", "changed_after_check", "returned")
STATES_ZH = {NOT_SUBMITTED: "未报送", PASSED: "已报送（自查通过）", WITH_FINDINGS: "已报送（有问题）",
             CHANGED: "自查后已改动", RETURNED: "已退回"}
COMMENT_MAX_CHARS = 4000

submissions = Table(
    "workspace_submissions", metadata,
    Column("submission_id", Integer, primary_key=True, autoincrement=True),
    Column("office_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("check_id", String(32), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("stored_as", Text, nullable=False),  # relative to the data folder
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("note", Text),
    Column("submitted_at", String(32), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("returned_at", String(32)),
    Column("returned_by", String(64)),
    Column("return_comment", Text),
    Index("workspace_submissions_by_office_year", "office_id", "year"),
)


@dataclass(frozen=True)
class Submission:
    submission_id: int
    office_id: str
    year: int
    check_id: str
    file_name: str
    stored_as: str
    sha256: str
    size: int
    passed: bool
    note: str | None
    submitted_at: str
    submitted_by: str
    returned_at: str | None
    returned_by: str | None
    return_comment: str | None

    @property
    def receipt_no(self) -> str:
        """What the office quotes to its supervisor: office, year, the submission's number, its checksum's start."""
        return f"{self.office_id}-{self.year}-{self.submission_id:05d}-{self.sha256[:8]}"


@dataclass(frozen=True)
class OfficeState:
    office_id: str
    name: str
    level: str
    state: str
    latest: Submission | None
    count: int

    @property
    def state_zh(self) -> str:
        return STATES_ZH[self.state]


def _submission(row) -> Submission:
    return Submission(row.submission_id, row.office_id, row.year, row.check_id, row.file_name, row.stored_as,
                      row.sha256, row.size, bool(row.passed), row.note, row.submitted_at, row.submitted_by,
                      row.returned_at, row.returned_by, row.return_comment)


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class SubmissionBook:
    def __init__(self, store: Store, data_dir: Path) -> None:
        self.store, self.data_dir = store, data_dir

    def submit(self, record: CheckRecord, package_zip: Path, submitted_by: str) -> Submission:
        """The zip copied once, read-only, under a name no later submission can take, then its row."""
        sha256, size = _sha256(package_zip)
        folder = self.data_dir / "submissions" / record.office_id / str(record.year)
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{now().replace(':', '')}-{sha256[:16]}-{package_zip.name}"
        with package_zip.open("rb") as source, stored.open("xb") as sink:  # "x": never over an existing one
            shutil.copyfileobj(source, sink)
        os.chmod(stored, stat.S_IRUSR | stat.S_IRGRP)
        row = {"office_id": record.office_id, "year": record.year, "check_id": record.check_id,
               "file_name": package_zip.name, "stored_as": str(stored.relative_to(self.data_dir)), "sha256": sha256,
               "size": size, "passed": int(record.can_submit), "note": record.submission_note,
               "submitted_at": now(), "submitted_by": submitted_by}

        def work() -> int:
            with self.store.engine.begin() as conn:
                return int(conn.execute(insert(submissions).values(row)).inserted_primary_key[0])
        submission_id = self.store.retrying(work)
        return self.get(submission_id)

    def path_of(self, submission: Submission) -> Path:
        return self.data_dir / submission.stored_as

    def get(self, submission_id: int) -> Submission | None:
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(submissions).where(submissions.c.submission_id == submission_id)).first()
        row = self.store.retrying(work)
        return _submission(row) if row is not None else None

    def of_offices(self, offices: set[str], year: int | None = None) -> list[Submission]:
        """Every submission of `offices` (of `year`), newest first."""
        query = (select(submissions).where(submissions.c.office_id.in_(sorted(offices)))
                 .order_by(submissions.c.submission_id.desc()))
        if year is not None:
            query = query.where(submissions.c.year == year)

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [_submission(row) for row in self.store.retrying(work)]

    def return_with(self, submission_id: int, comment: str, returned_by: str) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(update(submissions).where(submissions.c.submission_id == submission_id)
                             .values(returned_at=now(), returned_by=returned_by,
                                     return_comment=comment[:COMMENT_MAX_CHARS]))
        self.store.retrying(work)


def office_states(offices: dict[str, tuple[str, str]], year: int | None, history: list[Submission],
                  latest_check_at: dict[str, str]) -> list[OfficeState]:
    """offices: id -> (name, level); history: their submissions, newest first; latest_check_at: office -> the
    time of its latest check (of the year)."""
    by_office: dict[str, list[Submission]] = {}
    for submission in history:
        if year is None or submission.year == year:
            by_office.setdefault(submission.office_id, []).append(submission)
    states = []
    for office_id, (name, level) in offices.items():
        sent = by_office.get(office_id, [])
        latest = sent[0] if sent else None
        if latest is None:
            state = NOT_SUBMITTED
        elif latest.returned_at:
            state = RETURNED
        elif latest_check_at.get(office_id, "") > latest.submitted_at:
            state = CHANGED
        else:
            state = PASSED if latest.passed else WITH_FINDINGS
        states.append(OfficeState(office_id, name, level, state, latest, len(sent)))
    return states

"""The workspace's own table, in the audit store's database: one row per upload that was checked.

The audit store (engine/history/store.py) keeps each self-check as a run with its results; this table ties a
run to what the workspace shows for it: the check's public id (random, so ids cannot be guessed), the office
and year, the folder of its files, the verdict, and the submission package once built. Part 2 (accounts,
submissions, jobs) adds its tables to the same metadata, so one database holds everything. The tables are
created and upgraded by the store's migrations (engine/history/migrations), which tests/test_migrations.py
compares with this metadata.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, func, insert, select, update

from westaudit.history.store import Store

metadata = MetaData()

checks = Table(
    "workspace_checks", metadata,
    Column("check_id", String(32), primary_key=True),
    Column("run_id", Integer, nullable=False),
    Column("office_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("upload_kind", String(16), nullable=False),
    Column("upload_files", Text, nullable=False),  # JSON list of the file names received
    Column("can_submit", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: the verdict's counts, for lists without loading the page
    Column("previous_check_id", String(32)),
    Column("submission_file", Text),
    Column("submission_note", Text),
    Index("workspace_checks_by_office_year", "office_id", "year"),
)


@dataclass(frozen=True)
class CheckRecord:
    check_id: str
    run_id: int
    office_id: str
    year: int
    created_at: str
    upload_kind: str
    upload_files: tuple[str, ...]
    can_submit: bool
    summary: dict
    previous_check_id: str | None
    submission_file: str | None
    submission_note: str | None


def new_check_id() -> str:
    return secrets.token_hex(12)


def _record(row) -> CheckRecord:
    return CheckRecord(row.check_id, row.run_id, row.office_id, row.year, row.created_at, row.upload_kind,
                       tuple(json.loads(row.upload_files)), bool(row.can_submit), json.loads(row.summary),
                       row.previous_check_id, row.submission_file, row.submission_note)


class CheckBook:
    """Reads and writes workspace_checks through the store's engine, with the store's lock retries."""

    def __init__(self, store: Store) -> None:
        self.store = store  # opening the store migrated its schema, this table included

    def add(self, record: CheckRecord) -> None:
        row = {"check_id": record.check_id, "run_id": record.run_id, "office_id": record.office_id,
               "year": record.year, "created_at": record.created_at, "upload_kind": record.upload_kind,
               "upload_files": json.dumps(list(record.upload_files), ensure_ascii=False),
               "can_submit": int(record.can_submit), "summary": json.dumps(record.summary, ensure_ascii=False),
               "previous_check_id": record.previous_check_id}

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(insert(checks).values(row))
        self.store.retrying(work)

    def get(self, check_id: str) -> CheckRecord | None:
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(checks).where(checks.c.check_id == check_id)).first()
        row = self.store.retrying(work)
        return _record(row) if row is not None else None

    def by_run(self, run_id: int) -> CheckRecord | None:
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(checks).where(checks.c.run_id == run_id)).first()
        row = self.store.retrying(work)
        return _record(row) if row is not None else None

    def recent(self, office_id: str | None = None, limit: int = 20,
               offices: frozenset[str] | None = None) -> list[CheckRecord]:
        """The latest checks; of one office, or of `offices` (an account's subtree)."""
        query = select(checks).order_by(checks.c.created_at.desc(), checks.c.check_id).limit(limit)
        if office_id:
            query = query.where(checks.c.office_id == office_id)
        if offices is not None:
            query = query.where(checks.c.office_id.in_(sorted(offices)))

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [_record(row) for row in self.store.retrying(work)]

    def count(self) -> int:
        def work() -> int:
            with self.store.engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(checks)).scalar_one())
        return self.store.retrying(work)

    def set_submission(self, check_id: str, file_name: str, note: str | None) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(update(checks).where(checks.c.check_id == check_id)
                             .values(submission_file=file_name, submission_note=note))
        self.store.retrying(work)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()

"""Background jobs of the shared workspace (a consolidation), recorded in its database.

A job is a row: requested (排队中), claimed by one server process (进行中, with its progress and a heartbeat),
then done (已完成, the run it stored) or failed (失败, the reason). Every server process runs a worker that
claims queued jobs with one conditional UPDATE, so behind one PostgreSQL exactly one process takes each job;
a job whose process stopped (no heartbeat for STALE_AFTER) is claimed again by another, so a restart loses
none.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, Table, Text, and_, insert, or_, select, update

from westaudit.history.store import Store
from westaudit.workspace.records import metadata, now

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES_ZH = {QUEUED: "排队中", RUNNING: "进行中", DONE: "已完成", FAILED: "失败"}
STATES_EN = {QUEUED: "queued", RUNNING: "running", DONE: "done", FAILED: "failed"}
# a worker beats every few seconds while it works; this long without a beat, its process is taken for gone
STALE_AFTER = dt.timedelta(minutes=2)

jobs = Table(
    "workspace_jobs", metadata,
    Column("job_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("office_id", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("claimed_by", String(64)),
    Column("heartbeat_at", String(32)),
    Column("started_at", String(32)),
    Column("finished_at", String(32)),
    Column("progress", Text),
    Column("run_id", Integer),
    Column("submission_ids", Text),
    Column("error_zh", Text),
    Column("error_en", Text),
    Index("workspace_jobs_by_state", "state"),
    Index("workspace_jobs_by_office", "office_id", "year"),
)


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: str
    office_id: str
    year: int
    requested_by: str
    requested_at: str
    state: str
    claimed_by: str | None
    started_at: str | None
    finished_at: str | None
    progress: str | None
    run_id: int | None
    submission_ids: tuple[int, ...]
    error_zh: str | None
    error_en: str | None

    @property
    def state_zh(self) -> str:
        return STATES_ZH[self.state]

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)


def _job(row) -> Job:
    return Job(row.job_id, row.kind, row.office_id, row.year, row.requested_by, row.requested_at, row.state,
               row.claimed_by, row.started_at, row.finished_at, row.progress, row.run_id,
               tuple(json.loads(row.submission_ids or "[]")), row.error_zh, row.error_en)


def _stale_before() -> str:
    return (dt.datetime.fromisoformat(now()) - STALE_AFTER).isoformat()


class JobBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    def request(self, kind: str, office_id: str, year: int, requested_by: str) -> Job:
        row = {"kind": kind, "office_id": office_id, "year": year, "requested_by": requested_by,
               "requested_at": now(), "state": QUEUED}

        def work() -> int:
            with self.store.engine.begin() as conn:
                return int(conn.execute(insert(jobs).values(row)).inserted_primary_key[0])
        return self.get(self.store.retrying(work))

    def get(self, job_id: int) -> Job | None:
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
        row = self.store.retrying(work)
        return _job(row) if row is not None else None

    def of_offices(self, offices: set[str], limit: int = 50) -> list[Job]:
        """The jobs of `offices`, newest first."""
        query = (select(jobs).where(jobs.c.office_id.in_(sorted(offices))).order_by(jobs.c.job_id.desc())
                 .limit(limit))

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [_job(row) for row in self.store.retrying(work)]

    def claim(self, worker: str) -> Job | None:
        """The oldest job nobody is working on (queued, or running in a process that stopped), now this worker's."""
        claimable = or_(jobs.c.state == QUEUED, and_(jobs.c.state == RUNNING, jobs.c.heartbeat_at < _stale_before()))

        def work() -> int | None:
            with self.store.engine.begin() as conn:
                for (job_id,) in conn.execute(select(jobs.c.job_id).where(claimable).order_by(jobs.c.job_id).limit(5)):
                    stamp = now()
                    # the condition again in the UPDATE: of two processes claiming one row, one changes it
                    taken = conn.execute(update(jobs).where(and_(jobs.c.job_id == job_id, claimable)).values(
                        state=RUNNING, claimed_by=worker, heartbeat_at=stamp, started_at=stamp,
                        progress="已开始 started")).rowcount
                    if taken:
                        return job_id
            return None
        job_id = self.store.retrying(work)
        return self.get(job_id) if job_id is not None else None

    def beat(self, job_id: int, worker: str, progress: str) -> None:
        self._set(job_id, worker, heartbeat_at=now(), progress=progress)

    def keep_alive(self, job_id: int, worker: str) -> None:
        """The heartbeat alone, the progress left as it is: the job's process is still working on it."""
        self._set(job_id, worker, heartbeat_at=now())

    def finish(self, job_id: int, worker: str, run_id: int | None, submission_ids: list[int]) -> None:
        self._set(job_id, worker, state=DONE, finished_at=now(), heartbeat_at=now(), run_id=run_id,
                  submission_ids=json.dumps(submission_ids), progress="已完成 done")

    def fail(self, job_id: int, worker: str, reason_zh: str, reason_en: str) -> None:
        self._set(job_id, worker, state=FAILED, finished_at=now(), heartbeat_at=now(), error_zh=reason_zh,
                  error_en=reason_en, progress="失败 failed")

    def _set(self, job_id: int, worker: str, **values) -> None:
        # only the worker holding the job writes to it: a process taken for gone that wakes up changes nothing
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(update(jobs).where(and_(jobs.c.job_id == job_id, jobs.c.claimed_by == worker))
                             .values(**values))
        self.store.retrying(work)

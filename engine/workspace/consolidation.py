"""A supervisor's consolidation in the workspace: the latest submissions of its subtree audited as one submission.

The same consolidation as `westaudit audit ZIP ZIP...` (engine/evaluate/consolidate.py: conflicts, missing
offices, self-check receipts), run by a background worker from the jobs table (engine/workspace/jobs.py). The
run is stored in the audit store, so its results are browsable per office from there; the static report (with
the national evaluation when the office is the national one) is written to DATA/jobs/<id>/report/ as well.
A returned submission is not consolidated: its office counts as not having submitted until it sends again.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import threading
from pathlib import Path

from westaudit.core.errors import WestauditError
from westaudit.workspace.jobs import JobBook
from westaudit.workspace.permissions import subtree
from westaudit.workspace.submissions import Submission

KIND = "consolidation"
JOBS_DIR = "jobs"
# how often an idle worker looks for a job; a waiting supervisor sees the job start within this
POLL_SECONDS = 1.0
# how often a working worker beats, whatever stage its job is in: one stage (reading 200 submissions) can last
# longer than STALE_AFTER, and a job whose beat stops is taken for a stopped process's and run again by another,
# which then loses it to the first in turn, so the job never finishes (benchmarks/bench_load.py found it)
BEAT_SECONDS = 20.0


def latest_submissions(desk, office_id: str, year: int) -> list[Submission]:
    """The latest submission of each office of the subtree that has one, unless it was returned."""
    offices = set(subtree(office_id, desk.workspace.parents))
    latest: dict[str, Submission] = {}
    for submission in desk.submissions.of_offices(offices, year):  # newest first
        latest.setdefault(submission.office_id, submission)
    return [s for _, s in sorted(latest.items()) if not s.returned_at]


def report_folder(data_dir: Path, job_id: int) -> Path:
    return data_dir / JOBS_DIR / str(job_id) / "report"


class ConsolidationWorker:
    """One per server process: a thread that claims jobs from the database and runs them one at a time."""

    def __init__(self, desk) -> None:
        self.desk, self.jobs = desk, JobBook(desk.workspace.store)
        self.name = f"{os.uname().nodename}-{os.getpid()}-{secrets.token_hex(3)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.beat_seconds = BEAT_SECONDS

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="westaudit-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.run_one():
                self._stop.wait(POLL_SECONDS)

    def run_one(self) -> bool:
        """Claim and run one job; False when there was none."""
        job = self.jobs.claim(self.name)
        if job is None:
            return False
        finished = threading.Event()
        keeper = threading.Thread(target=self._keep_alive, args=(job.job_id, finished), daemon=True,
                                  name="westaudit-job-heartbeat")
        keeper.start()
        try:
            self._run(job)
        finally:
            finished.set()
            keeper.join()
        return True

    def _keep_alive(self, job_id: int, finished: threading.Event) -> None:
        while not finished.wait(self.beat_seconds):
            self.jobs.keep_alive(job_id, self.name)

    def _run(self, job) -> None:
        try:
            run_id, sent = self._consolidate(job)
        except WestauditError as exc:  # bad data in a submission: what the reader says, as `westaudit audit` prints it
            self.jobs.fail(job.job_id, self.name, f"合并审计无法完成：{exc}", f"the consolidation could not run: {exc}")
        except Exception as exc:  # noqa: BLE001 - a defect of ours: the job says so, the worker keeps serving
            self.jobs.fail(job.job_id, self.name, "合并审计内部出错，请稍后重试或联系技术支持",
                           f"internal error: {type(exc).__name__}")
        else:
            self.jobs.finish(job.job_id, self.name, run_id, [s.submission_id for s in sent])

    def _consolidate(self, job) -> tuple[int | None, list[Submission]]:
        from westaudit.evaluate.audit import run_audit
        from westaudit.evaluate.consolidate import consolidate
        from westaudit.history.recording import start_recording
        from westaudit.intake.archive import unpacked_packages
        from westaudit.reports.report_json import write_report_json
        from westaudit.reports.site import REPORT_JSON, write_site

        workspace = self.desk.workspace
        sent = latest_submissions(self.desk, job.office_id, job.year)
        if not sent:
            raise NothingToConsolidate(job.office_id, job.year)
        beat = self._beat(job.job_id)
        beat(f"解包并校验 {len(sent)} 份报送 unpacking and validating {len(sent)} submissions")
        workspace.wait_until_ready()
        paths = [self.desk.submissions.path_of(s) for s in sent]
        with unpacked_packages(paths, workspace.settings.limits) as packages:
            def loaded(done: int, total: int) -> None:  # about fifty steps on the page, whatever the count
                if done == total or done % max(1, total // 50) == 0:
                    beat(f"已校验 {done}/{total} 份报送 validated {done} of {total} submissions")

            # the uploads' runner (Settings.validator): the same rejected rows as Great Expectations, in a
            # fraction of the time (docs/validation.md, "Two runners")
            merged = consolidate(packages, workspace.ruleset, job.office_id, validator=workspace.settings.validator,
                                 on_loaded=loaded)
            beat("审计 auditing")
            args = argparse.Namespace(store=workspace.settings.store_location, no_store=False,
                                      waivers=workspace.settings.waivers, office=None)
            listed = set(merged.package.tables["offices"]["office_id"])
            policies = tuple(p for p in workspace.policies if p.office in listed)
            # the approved waivers of the subtree's findings, as every check of it applies them
            granted = workspace.waivers.granted(set(subtree(job.office_id, workspace.parents)))
            with workspace.audit_lock:  # one audit at a time per process, as the uploads
                recording = start_recording(args, merged.package, workspace.ruleset, "audit", granted,
                                            store=workspace.store)
                report = recording.finish(dataclasses.replace(
                    run_audit(merged.package, workspace.ruleset, coverage=merged.coverage, policies=policies),
                    consolidation=merged.summary), wait=True)
                beat("写报告 writing the report")
                out = report_folder(workspace.settings.data_dir, job.job_id)
                write_site(report, workspace.ruleset.articles, merged.package.tables, out, "zh",
                           recording.index_context)
                write_report_json(report, out / REPORT_JSON)
        return recording.run_id, sent

    def _beat(self, job_id: int):
        return lambda progress: self.jobs.beat(job_id, self.name, progress)


class NothingToConsolidate(WestauditError):
    def __init__(self, office_id: str, year: int) -> None:
        super().__init__(f"{office_id} 及其下级机构 {year} 年没有可合并的报送（未报送或已全部退回）/ no submissions of "
                         f"{office_id} and the offices below it for {year} to consolidate")

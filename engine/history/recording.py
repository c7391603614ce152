"""What `audit` and `check` do around an evaluation: waivers, the across-years step and the audit store.

    recording = start_recording(args, package, ruleset, "audit")   # loads waivers, writes the `started` run
    report = recording.finish(run_audit(package, ruleset))           # flags, waivers, results stored

Order after evaluation: repeat-last-place flags (they need the store), then waivers (so an approved
exception can cover a flag), then the diff with the previous run (its findings from the store, this run's
from memory), then one transaction that stores the results and marks the run complete. A command that has
reports to write passes `wait=False`: a national run's 350,000 results are then stored by a forked worker
beside the report writers, and `saved()` waits for it (raising what it raised) before the command ends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from westaudit.evaluate.waivers import Waiver, WaiverNotice, apply_waivers, load_waivers, waiver_file
from westaudit.history.store import RunRecord, Store, default_location, package_files
from westaudit.runtime.heap import collector_relaxed
from westaudit.runtime.parallel import ForkedCall

if TYPE_CHECKING:
    from westaudit.core.results import Result
    from westaudit.evaluate.audit import AuditReport
    from westaudit.history.rundiff import RunDiff
    from westaudit.intake.package import Package
    from westaudit.spec.ruleset import RuleSet


def open_store(args: argparse.Namespace, create: bool = True) -> Store:
    return Store.open(args.store or default_location(), create=create)


@dataclass
class Recording:
    package: Package
    ruleset: RuleSet
    waivers: tuple[Waiver, ...]
    store: Store | None
    run_id: int | None
    notices: tuple[WaiverNotice, ...] = ()
    _since: RunDiff | None = field(default=None, init=False, repr=False)
    _diffing: ForkedCall | None = field(default=None, init=False, repr=False)
    _pending: tuple[ForkedCall, ...] = field(default=(), init=False, repr=False)
    _unmarked: bool = field(default=False, init=False, repr=False)

    def finish(self, report: AuditReport, wait: bool = True,
               beside: Callable[[AuditReport], object] | None = None) -> AuditReport:
        """The report with flags and waivers applied, its run diffed and stored. wait=False: stored by a forked
        worker, and saved() must be called before the command ends; `beside` (writing report.json, say) is then
        done by a second forked worker with the final report, beside the first: storing a national run takes
        longer than writing the site, and one after the other they ended the audit seconds after the site."""
        from westaudit.history.repeat_last_place import current_standings, flag_repeat_last_place

        ranked = ()
        # the audit's millions of objects left out of collections: a full one over them took 0.4 s here
        with collector_relaxed():
            if self.store is not None:
                ranked = current_standings(report, self.package, self.ruleset)
                report = flag_repeat_last_place(report, ranked, self.store)
            # expiry judged at the audit's reference date, never the wall clock alone: last year's audit re-run
            # next year gives the same verdicts
            report, self.notices = apply_waivers(report, self.waivers, report.reference_date or dt.date.today())
        for notice in self.notices:
            print(f"豁免提示 waiver notice: {notice}")
        work: list[Callable[[], object]] = [partial(beside, report)] if beside else []
        recorded = self.store is not None and self.run_id is not None
        if recorded:
            diff = partial(_diff_with_previous, self.store, self.store.run(self.run_id), report.results, os.getpid())
            if wait:
                self._since = diff()
            else:  # read by the index, the last page written: compared beside the writers meanwhile
                self._diffing = ForkedCall(diff)
            # stored beside the writers but marked complete only by saved(), after every output is written
            work.append(partial(_store_run, self.store, self.run_id, report, package_files(self.package), ranked,
                                tuple((n.message_zh, n.message_en) for n in self.notices), mark_complete=wait,
                                forked=not wait))
        if wait:
            _each(work)
        else:
            self._pending = tuple(ForkedCall(step) for step in work)
        if recorded and wait:
            print(self._recorded_line())
        return report

    @property
    def since_previous(self) -> RunDiff | None:
        """What changed since the previous run of the same scope (None: the first, or nothing recorded)."""
        if self._diffing is not None:
            diffing, self._diffing = self._diffing, None
            with diffing:
                self._since = diffing.result()
        return self._since

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Leaving the block before saved() (a writer raised, say) kills the worker storing the run, which then
        stays incomplete in the store: a run whose reports were not written is not recorded as done."""
        pending, self._pending = self._pending, ()
        for call in (*pending, *([self._diffing] if self._diffing else [])):
            call.cancel()
        self._diffing = None

    def written(self) -> None:
        """Wait until the run is stored (not yet complete) and `beside` done (nothing to wait for when neither
        was asked)."""
        pending, self._pending = self._pending, ()
        try:
            for call in pending:
                call.result()
        finally:  # a worker that failed leaves the others stopped, none outliving the command
            for call in pending:
                call.cancel()
        if pending:
            self._unmarked = self.store is not None and self.run_id is not None

    def saved(self) -> None:
        """Wait for the worker, then mark the run complete: call it once every output of the command is
        written, so a run whose reports were not all written stays incomplete in the store."""
        self.written()
        if self._unmarked:
            self.store.mark_complete(self.run_id)
            self._unmarked = False
            print(self._recorded_line())

    @property
    def index_context(self) -> Mapping[str, RunDiff | None]:
        """For the HTML index: the "since last audit" section, only when the run was recorded; the comparison is
        waited for only when the index reads it."""
        return _SinceLastAudit(self) if self.store is not None else {}

    def _recorded_line(self) -> str:
        line = f"已记录 recorded: run {self.run_id} in {self.store.where}"
        diff = self.since_previous
        if diff is None:
            return line + "（首次审计 first audit of this scope）"
        return (line + f"；较上次（run {diff.before.run_id}）新增 {len(diff.new)}、已解决 {len(diff.resolved)}、"
                f"已豁免 {len(diff.waived)}、仍存在 {len(diff.unchanged)} / since run {diff.before.run_id}: "
                f"new {len(diff.new)}, resolved {len(diff.resolved)}, waived {len(diff.waived)}, "
                f"unchanged {len(diff.unchanged)}")


def _each(work: list[Callable[[], object]]) -> None:
    for step in work:
        step()


class _SinceLastAudit(Mapping):
    """{"since_last_audit": recording.since_previous}, looked up only when read."""

    def __init__(self, recording: Recording):
        self._recording = recording

    def __getitem__(self, key: str) -> RunDiff | None:
        if key != "since_last_audit":
            raise KeyError(key)
        return self._recording.since_previous

    def __iter__(self) -> Iterator[str]:
        return iter(("since_last_audit",))

    def __len__(self) -> int:
        return 1


def _diff_with_previous(store: Store, run: RunRecord, results: tuple[Result, ...], parent: int) -> RunDiff | None:
    from westaudit.history.rundiff import diff_with_previous

    if os.getpid() != parent:  # in a forked worker: connections inherited from the parent are left to it
        store.engine.dispose(close=False)
    return diff_with_previous(store, run, results)


def _store_run(store: Store, run_id: int, report: AuditReport, *details, mark_complete: bool = True,
               forked: bool = False) -> None:
    if forked:  # in a forked worker: connections inherited from the parent are left to it, never used here
        store.engine.dispose(close=False)
    # in this process the pool stays: disposing it without closing would leave its idle connections open, five
    # a check, until a workspace's PostgreSQL server had no connection left for anyone
    store.complete_run(run_id, report, *details, mark_complete=mark_complete)


def start_recording(args: argparse.Namespace, package: Package, ruleset: RuleSet, command: str,
                    granted: tuple[Waiver, ...] = (), store: Store | None = None) -> Recording:
    """Load the waivers (a bad file stops here, before anything is written) and open the run as `started`.
    `granted`: waivers from elsewhere (the shared workspace's approved ones), applied with the file's.
    `store`: the store a long-running caller holds open (the workspace): a store opened per run is a connection
    pool per run, and a server recording thousands of checks would hold PostgreSQL's connections until none is
    left; a command's one run opens its own."""
    found = waiver_file(args.waivers)
    waivers = (load_waivers(found) if found else ()) + tuple(granted)
    if args.no_store:
        return Recording(package, ruleset, waivers, None, None)
    store = store or open_store(args)
    run_id = store.begin_run(command, str(package.path.resolve()), package.manifest.office_id,
                             getattr(args, "office", None), package.manifest.year, ruleset.version)
    return Recording(package, ruleset, waivers, store, run_id)

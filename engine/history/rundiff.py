"""What changed between two recorded runs: findings new, resolved and unchanged, per office and rule.

A finding is a result that calls for attention: `fail`, `warn` or `insufficient_data`. A finding that
became `pass` is resolved; one that became `waived` is counted apart (`waived`, 已豁免): a waiver accepts the
finding for a time, it does not fix it. An office or rule the later run did not evaluate is `not_reaudited`
(a check of one office is not a fix of the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from westaudit.core.personal_numbers import mask_text
from westaudit.core.results import Result, Status
from westaudit.history.store import RunRecord, Store

FINDINGS = (Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA)
Change = Literal["new", "resolved", "waived", "unchanged", "not_reaudited"]
CHANGE_ZH: dict[str, str] = {"new": "新增", "resolved": "已解决", "waived": "已豁免", "unchanged": "仍存在",
                             "not_reaudited": "未复审"}


@dataclass(frozen=True)
class FindingChange:
    office_id: str
    rule_id: str
    change: Change
    before: Status | None
    after: Status | None
    message_zh: str
    message_en: str
    evidence_added: tuple[str, ...] = ()
    evidence_removed: tuple[str, ...] = ()
    # why a `warn` is only a warning (Result.downgraded: `default`, shown as 默认口径; `severity`), per side
    before_downgraded: str = ""
    after_downgraded: str = ""


@dataclass(frozen=True)
class RunDiff:
    before: RunRecord
    after: RunRecord
    changes: tuple[FindingChange, ...]

    def of(self, change: Change) -> tuple[FindingChange, ...]:
        return tuple(c for c in self.changes if c.change == change)

    @property
    def new(self) -> tuple[FindingChange, ...]:
        return self.of("new")

    @property
    def resolved(self) -> tuple[FindingChange, ...]:
        return self.of("resolved")

    @property
    def waived(self) -> tuple[FindingChange, ...]:
        return self.of("waived")

    @property
    def unchanged(self) -> tuple[FindingChange, ...]:
        return self.of("unchanged")


def _is_finding(result: Result | None) -> bool:
    return result is not None and result.status in FINDINGS


def _change(before: Result | None, after: Result | None) -> Change | None:
    if _is_finding(after):
        return "unchanged" if _is_finding(before) else "new"
    if not _is_finding(before):
        return None
    if after is None:
        return "not_reaudited"
    return "waived" if after.status is Status.WAIVED else "resolved"


def _keys(result: Result | None) -> set[str]:
    return {mask_text(e.key) for e in result.evidence} if result else set()


def compare_results(before: tuple[Result, ...], after: tuple[Result, ...]) -> list[FindingChange]:
    # ids compared masked: the store holds them masked, this run's results in memory do not
    earlier = {(mask_text(r.office_id), r.rule_id): r for r in before}
    later = {(mask_text(r.office_id), r.rule_id): r for r in after}
    changes = []
    for office_id, rule_id in sorted(earlier.keys() | later.keys()):
        old, new = earlier.get((office_id, rule_id)), later.get((office_id, rule_id))
        change = _change(old, new)
        if change is None:
            continue
        shown = new if _is_finding(new) or change in ("resolved", "waived") else old
        changes.append(FindingChange(
            office_id, rule_id, change, old.status if old else None, new.status if new else None,
            shown.message_zh, shown.message_en,
            tuple(sorted(_keys(new) - _keys(old))) if _is_finding(new) else (),
            tuple(sorted(_keys(old) - _keys(new))) if _is_finding(old) else (),
            old.downgraded if old else "", new.downgraded if new else ""))
    return changes


def diff_runs(store: Store, before_id: int, after_id: int) -> RunDiff:
    before, after = store.run(before_id), store.run(after_id)
    # Only results that are a finding in either run can change; a national run holds 350,000 results, a few
    # thousand of them findings, so only those (and their counterparts) are loaded.
    changing = store.keys_with_status(before_id, FINDINGS) | store.keys_with_status(after_id, FINDINGS)
    earlier, later = store.results_of(before_id, changing), store.results_of(after_id, changing)
    return RunDiff(before, after, tuple(compare_results(earlier, later)))


def diff_with_previous(store: Store, run: RunRecord, results: tuple[Result, ...]) -> RunDiff | None:
    """What changed from the last complete run of the same office, year and scope to `run`, whose results are
    in memory (not yet stored); None if there is no earlier run."""
    previous = store.previous_run(run)
    if previous is None:
        return None
    # the previous run's findings in one pass over it, and its other results only for what is a finding now and
    # was not then (few, if any): a query by key scans the whole run for each 2,000 keys
    earlier = store.results_with_status(previous.run_id, FINDINGS)
    were_findings = {(r.office_id, r.rule_id) for r in earlier}  # stored masked
    findings_now = {(mask_text(r.office_id), r.rule_id) for r in results if r.status in FINDINGS}
    if findings_now - were_findings:
        earlier += store.results_of(previous.run_id, findings_now - were_findings)
    changing = were_findings | findings_now
    later = tuple(r for r in results if (mask_text(r.office_id), r.rule_id) in changing)
    return RunDiff(previous, run, tuple(compare_results(earlier, later)))


def changes_since_previous(store: Store, run_id: int) -> RunDiff | None:
    """The diff from the last complete run of the same office, year and scope to this run; None if first."""
    previous = store.previous_run(store.run(run_id))
    return diff_runs(store, previous.run_id, run_id) if previous else None

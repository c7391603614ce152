"""Work run beside this process: one context-managed way (ForkedCall), no child outliving an error, no fork while
another thread runs."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from conftest import SAMPLE
from westaudit.runtime import parallel

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")


def _children() -> set[int]:
    """Live (not yet reaped) children of this process, from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def _sleep_then(value: int) -> int:
    time.sleep(30)
    return value


def test_a_child_is_killed_and_reaped_when_its_block_raises():
    before = _children()
    with pytest.raises(RuntimeError, match="writer broke"), parallel.ForkedCall(lambda: _sleep_then(1)) as call:
        assert call.forked and _children() - before
        raise RuntimeError("writer broke")
    assert _children() == before


def test_a_child_whose_result_was_taken_needs_no_cancelling():
    with parallel.ForkedCall(lambda: 6 * 7) as call:
        assert call.result() == 42
    call.cancel()  # nothing left to stop: harmless


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, name="a library's helper")
    helper.start()
    try:
        assert parallel.other_threads() == ["a library's helper"]
        assert not parallel.can_share()
        before = _children()
        with parallel.ForkedCall(lambda: os.getpid()) as call:
            assert not call.forked and _children() == before
            assert call.result() == os.getpid()  # ran here, at result()
        assert parallel.evaluate_all([1, 2, 3], lambda n: os.getpid(), [1, 1, 1], 2) == [os.getpid()] * 3
    finally:
        stop.set()
        helper.join()


def test_reading_and_validating_a_package_leaves_no_thread_running(ruleset):
    from westaudit.intake.package import load_package

    load_package(SAMPLE, ruleset.contract)
    assert parallel.other_threads() == []


def test_a_site_writer_that_raises_leaves_no_page_writer_running(sample_package, sample_audit, ruleset, tmp_path,
                                                                 monkeypatch):
    from westaudit.reports import site

    def broken_workbook(*args, **kwargs):
        assert _children(), "the page writer was meant to be running beside this process"
        raise OSError("磁盘已满 disk full")

    monkeypatch.setattr(site, "MIN_OFFICES_FOR_WORKER", 1)
    monkeypatch.setattr(site, "can_share", lambda: True)
    monkeypatch.setattr(site, "write_workbook", broken_workbook)
    before = _children()
    with pytest.raises(OSError, match="disk full"):
        site.write_site(sample_audit, ruleset.articles, sample_package.tables, tmp_path / "out", "zh")
    assert _children() == before


def test_leaving_a_recording_before_it_is_saved_stops_the_workers_storing_it_writing_beside_and_diffing():
    from westaudit.history.recording import Recording

    recording = Recording.__new__(Recording)
    recording._pending = (parallel.ForkedCall(lambda: _sleep_then(1)), parallel.ForkedCall(lambda: _sleep_then(2)))
    recording._diffing = parallel.ForkedCall(lambda: _sleep_then(None))  # the diff with the previous run
    before_exit = _children()
    assert before_exit
    with pytest.raises(RuntimeError), recording:
        raise RuntimeError("the receipt could not be written")
    assert not (before_exit & _children())

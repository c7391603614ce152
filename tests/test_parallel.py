"""Rules shared out over forked workers give the same results, in the same order, as one process."""

from __future__ import annotations

import pytest

from conftest import SAMPLE
from westaudit.evaluate.audit import run_audit
from westaudit.intake.package import load_package
from westaudit.runtime import parallel


def test_one_job_runs_everything_here_in_order():
    assert parallel.evaluate_all([3, 1, 2], lambda n: n * n, [1, 1, 1], 1) == [9, 1, 4]


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork here")
def test_two_jobs_give_the_results_of_one_in_task_order():
    tasks = list(range(40))
    assert parallel.evaluate_all(tasks, lambda n: (n, n * n), [n % 7 for n in tasks], 2) == [(n, n * n) for n in tasks]


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork here")
def test_an_audit_on_two_processes_equals_the_audit_on_one(ruleset):
    package = load_package(SAMPLE, ruleset.contract)
    alone, shared = run_audit(package, ruleset, jobs=1), run_audit(package, ruleset, jobs=2)
    assert shared.results == alone.results
    assert any(r.verdict.value == "fail" and r.evidence for r in shared.results)


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="no fork here")
def test_whichever_process_is_free_claims_the_next_task():
    """The costliest task holds its process until every other task is done: only the other process can have done
    them (a fixed share would have left half of them waiting behind it, and the task would give up)."""
    import multiprocessing
    import os
    import time

    others_done = multiprocessing.Value("i", 0)
    tasks = list(range(12))

    def evaluate(n):
        if n == 0:
            give_up = time.monotonic() + 60
            while others_done.value < len(tasks) - 1 and time.monotonic() < give_up:
                time.sleep(0.01)
            return os.getpid(), others_done.value
        with others_done.get_lock():
            others_done.value += 1
        return os.getpid(), None

    outcomes = parallel.evaluate_all(tasks, evaluate, [100] + [1] * (len(tasks) - 1), 2)
    held, seen = outcomes[0]
    assert seen == len(tasks) - 1
    others = {pid for pid, _ in outcomes[1:]}
    assert len(others) == 1 and held not in others


def test_an_error_in_a_worker_reaches_the_caller():
    def explode(n):
        if n == 3:
            raise ValueError("rule 3 broke")
        return n

    with pytest.raises(ValueError, match="rule 3 broke"):
        parallel.evaluate_all(list(range(6)), explode, [1, 1, 1, 9, 1, 1], 2)


needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="no fork here")


@needs_fork
def test_a_forked_call_returns_its_value_and_runs_beside_this_process(tmp_path):
    marker = tmp_path / "child-pid"
    call = parallel.ForkedCall(lambda: marker.write_text(str(__import__("os").getpid())) and [1, 2, 3])
    assert call.result() == [1, 2, 3]
    assert int(marker.read_text()) != __import__("os").getpid()


@needs_fork
def test_a_forked_call_raises_what_the_child_raised():
    def broken():
        raise KeyError("nothing here")

    with pytest.raises(KeyError, match="nothing here"):
        parallel.ForkedCall(broken).result()


@needs_fork
def test_a_result_much_larger_than_a_pipe_arrives_whole():
    value = [bytes([n % 251]) * 100_000 for n in range(100)]  # 10 MB through a 64 KB pipe
    assert parallel.ForkedCall(lambda: value).result() == value


@needs_fork
def test_a_shared_cursor_hands_every_chunk_to_exactly_one_process():
    cursor = parallel.SharedCursor(1_000, 7)
    other = parallel.ForkedCall(lambda: [i for chunk in cursor.claims() for i in chunk])
    mine = [i for chunk in cursor.claims() for i in chunk]
    theirs = other.result()
    assert sorted(mine + theirs) == list(range(1_000))


@needs_fork
def test_reports_written_by_two_processes_equal_those_written_by_one(ruleset, tmp_path, monkeypatch):
    from westaudit.reports import site

    loaded = load_package(SAMPLE, ruleset.contract)
    report = run_audit(loaded, ruleset)
    written = {}
    for name, threshold in (("alone", 10**9), ("shared", 1)):
        monkeypatch.setattr(site, "MIN_OFFICES_FOR_WORKER", threshold)
        monkeypatch.setattr(site, "OFFICES_PER_CLAIM", 2)
        site.write_site(report, ruleset.articles, loaded.tables, tmp_path / name, "zh")
        written[name] = {path.relative_to(tmp_path / name): path.read_bytes()
                         for path in sorted((tmp_path / name).rglob("*")) if path.is_file()}
    assert len(written["alone"]) > 10
    assert written["shared"].keys() == written["alone"].keys()
    assert [p for p in written["alone"] if p.suffix != ".xlsx" and written["alone"][p] != written["shared"][p]] == []

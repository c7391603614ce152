"""Rules shared out over forked workers give the same results, in the same order, as one process."""

from __future__ import annotations

import pytest

from conftest import SAMPLE
from westaudit import parallel
from westaudit.audit import run_audit
from westaudit.package import load_package


def test_the_costliest_tasks_go_to_the_least_loaded_job():
    shares = parallel.share_out([10, 1, 1, 8, 1, 1], 2)
    assert shares == [[0, 4], [1, 2, 3, 5]]  # loads 11 and 11
    assert sorted(i for share in shares for i in share) == list(range(6))


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
    assert any(r.status.value == "fail" and r.evidence for r in shared.results)


def test_an_error_in_a_worker_reaches_the_caller():
    def explode(n):
        if n == 3:
            raise ValueError("rule 3 broke")
        return n

    with pytest.raises(ValueError, match="rule 3 broke"):
        parallel.evaluate_all(list(range(6)), explode, [1, 1, 1, 9, 1, 1], 2)

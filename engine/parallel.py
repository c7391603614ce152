"""Evaluating rules on more than one core: the rules are shared out, a forked worker takes its share.

Rules are independent of one another, so a national audit can use every core; the procedure rules, whose
durable-rules engine is single-threaded C, weigh most. A worker is forked after the package is read, so it
sees the tables without copying or pickling them; only its results travel back. Where fork is unavailable,
or the work is too small to repay starting a worker, everything runs here, in order, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

Task = TypeVar("Task")
Outcome = TypeVar("Outcome")

# below this many table rows a worker costs more to start than it saves
MIN_ROWS_FOR_WORKERS = 200_000

# what the forked worker evaluates: set just before forking, read in the child
_WORK: tuple[Sequence, Callable] | None = None


def default_jobs(table_rows: int) -> int:
    if table_rows < MIN_ROWS_FOR_WORKERS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def share_out(costs: Sequence[float], jobs: int) -> list[list[int]]:
    """Task indices per job, the costliest first to the least loaded job (longest-processing-time rule)."""
    loads = [0.0] * jobs
    shares: list[list[int]] = [[] for _ in range(jobs)]
    for index in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        job = min(range(jobs), key=lambda j: (loads[j], j))
        shares[job].append(index)
        loads[job] += costs[index]
    return [sorted(share) for share in shares]


def _evaluate_share(indices: list[int]) -> list[tuple[int, object]]:
    tasks, evaluate = _WORK
    return [(index, evaluate(tasks[index])) for index in indices]


def evaluate_all(tasks: Sequence[Task], evaluate: Callable[[Task], Outcome], costs: Sequence[float],
                 jobs: int, on_done: Callable[[int], None] = lambda done: None) -> list[Outcome]:
    """evaluate(task) for every task, in task order, over `jobs` processes (this one and jobs-1 forked)."""
    global _WORK
    if jobs <= 1 or len(tasks) < 2:
        outcomes = []
        for done, task in enumerate(tasks, start=1):
            outcomes.append(evaluate(task))
            on_done(done)
        return outcomes
    own, *others = share_out(costs, jobs)
    _WORK = (tasks, evaluate)
    try:
        with multiprocessing.get_context("fork").Pool(len(others)) as pool:
            pending = [pool.apply_async(_evaluate_share, (share,)) for share in others]
            outcomes: dict[int, Outcome] = {}
            for done, index in enumerate(own, start=1):
                outcomes[index] = evaluate(tasks[index])
                on_done(done)
            for waiting in pending:
                outcomes.update(waiting.get())
    finally:
        _WORK = None
    return [outcomes[index] for index in range(len(tasks))]

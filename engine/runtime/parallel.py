"""Evaluating rules on more than one core: this process and a forked worker each claim the next rule when free.

Rules are independent of one another, so a national audit can use every core; the procedure rules, whose
durable-rules engine is single-threaded C, weigh most. A worker is forked after the package is read, so it
sees the tables without copying or pickling them; only its results travel back. Where fork is unavailable,
or the work is too small to repay starting a worker, everything runs here, in order, with the same results.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Generic, TypeVar

from westaudit.runtime import progress

Task = TypeVar("Task")
Outcome = TypeVar("Outcome")

# below this many table rows a worker costs more to start than it saves
MIN_ROWS_FOR_WORKERS = 200_000


def can_fork() -> bool:
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


def can_share() -> bool:
    """Whether work shared with a forked worker can run beside this process: fork, a second core, and no other
    thread running (see other_threads)."""
    return can_fork() and (os.cpu_count() or 1) >= 2 and not other_threads()


def default_jobs(table_rows: int) -> int:
    return 2 if table_rows >= MIN_ROWS_FOR_WORKERS and can_share() else 1


def other_threads() -> list[str]:
    """Threads other than this one. Forking while one runs is unsafe: a lock it holds stays held for ever in
    the child, and CPython warns of it. A library's helper thread found here is a bug to fix where it starts."""
    return [thread.name for thread in threading.enumerate() if thread is not threading.current_thread()]


class ForkedCall(Generic[Outcome]):
    """work() started in a forked child at once, beside whatever this process does next; result() waits for it
    and returns its value (pickled back) or raises what it raised. The child's memory goes with it, and it
    sees this process's data without copying. Where fork is unavailable, or another thread is running, work()
    runs here, at result().

    The one way westaudit runs work beside itself, always as a context manager: leaving the block, by an
    error or otherwise, kills a child whose result was not taken and waits for it, so no child outlives it.
    """

    def __init__(self, work: Callable[[], Outcome]):
        self._work, self._pid, self._pipe = work, 0, -1
        if not can_fork() or other_threads():
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into the caller's code
            os.close(read_end)
            _child(work, write_end)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    @property
    def forked(self) -> bool:
        return self._pid != 0

    def __enter__(self) -> ForkedCall[Outcome]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Kills the child if it still runs and waits for it; nothing to do once result() returned."""
        if not self._pid:
            return
        pid, self._pid = self._pid, 0
        with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile; waitpid reaps it all the same
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(self._pipe)

    def result(self) -> Outcome:
        if not self._pid:
            return self._work()
        with os.fdopen(self._pipe, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not payload:
            raise ChildProcessError(f"a forked worker died (wait status {status}) without a result")
        succeeded, value = pickle.loads(payload)
        if not succeeded:
            raise value
        return value


def _child(work: Callable[[], object], write_end: int) -> None:
    status = 0
    try:
        _inherited_left_alone()
        progress.silence()
        try:
            payload = pickle.dumps((True, work()))
        except BaseException as error:  # noqa: BLE001  (handed to the parent, which raises it)
            payload = pickle.dumps((False, error))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # noqa: BLE001
        status = 1
    finally:
        os._exit(status)


def _inherited_left_alone() -> None:
    """In a forked child: the objects inherited from the parent are left out of every collection. Collecting
    them would write to each one's header and so copy every page of the parent's heap into the child (a national
    audit's tables and results are more than a gigabyte), for no garbage: the parent still holds them all."""
    gc.freeze()


def evaluate_all(tasks: Sequence[Task], evaluate: Callable[[Task], Outcome], costs: Sequence[float],
                 jobs: int, on_done: Callable[[int], None] = lambda done: None) -> list[Outcome]:
    """evaluate(task) for every task, in task order, over `jobs` processes (this one and jobs-1 forked).

    The tasks are claimed one at a time, the costliest first, by whichever process is free: a guess at the costs
    that is off, or a neighbour slowing one core, then costs no process the wait of a fixed share."""
    if jobs <= 1 or len(tasks) < 2 or not can_fork() or other_threads():
        outcomes = []
        for done, task in enumerate(tasks, start=1):
            outcomes.append(evaluate(task))
            on_done(done)
        return outcomes
    order = sorted(range(len(tasks)), key=lambda i: (-costs[i], i))
    cursor = SharedCursor(len(order), 1)
    with contextlib.ExitStack() as workers_running:
        workers = [workers_running.enter_context(_SpoolingWorker(tasks, evaluate, order, cursor))
                   for _ in range(jobs - 1)]
        outcomes: dict[int, Outcome] = {}
        for claim in cursor.claims():
            index = order[claim.start]
            outcomes[index] = evaluate(tasks[index])
            for worker in workers:  # taken between tasks, never waited for: the worker goes on meanwhile
                outcomes.update(worker.arrived())
            on_done(len(outcomes))
        for worker in workers:
            outcomes.update(worker.rest())
            on_done(len(outcomes))
    return [outcomes[index] for index in range(len(tasks))]


# a notice: the task's index, where its pickled outcome starts in the spool, and its length
_NOTICE = struct.Struct("qqq")


class _SpoolingWorker(Generic[Task, Outcome]):
    """A forked worker claiming tasks from the cursor, each outcome pickled into a file of its own and announced,
    once whole, by a notice of 24 bytes on a pipe. It never waits for this process: through a pipe, a rule's
    25,000 results (megabytes) waited for this process to be between tasks, and the worker sat idle for 3 of a
    national audit's 10 seconds of evaluation."""

    def __init__(self, tasks: Sequence[Task], evaluate: Callable[[Task], Outcome], order: list[int],
                 cursor: SharedCursor):
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker, in __exit__
        self._notices, write_end = os.pipe()
        self._pending = b""
        try:
            self._call = ForkedCall(partial(_claim_and_spool, tasks, evaluate, order, cursor, self._spool.fileno(),
                                            write_end))
        finally:
            os.close(write_end)  # the child's copy stays open until it ends: the pipe's end of file is the end
        os.set_blocking(self._notices, False)

    def __enter__(self) -> _SpoolingWorker[Task, Outcome]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._call.cancel()
        os.close(self._notices)
        self._spool.close()

    def arrived(self) -> dict[int, Outcome]:
        """The outcomes announced so far and not yet taken."""
        try:
            return self._taken(os.read(self._notices, _NOTICE.size * 4096))
        except BlockingIOError:
            return {}

    def rest(self) -> dict[int, Outcome]:
        """The outcomes still to come, once the worker has ended (raising what it raised)."""
        os.set_blocking(self._notices, True)
        notices = []
        while chunk := os.read(self._notices, _NOTICE.size * 4096):
            notices.append(chunk)
        self._call.result()
        return self._taken(b"".join(notices))

    def _taken(self, data: bytes) -> dict[int, Outcome]:
        data, whole = self._pending + data, (len(self._pending) + len(data)) // _NOTICE.size * _NOTICE.size
        self._pending = data[whole:]
        spool = self._spool.fileno()
        return {index: pickle.loads(os.pread(spool, length, offset))
                for index, offset, length in _NOTICE.iter_unpack(data[:whole])}


def _claim_and_spool(tasks: Sequence, evaluate: Callable, order: list[int], cursor: SharedCursor, spool: int,
                     notices: int) -> None:
    """In the worker: claim, evaluate, write the outcome at the end of the spool, announce it."""
    written = 0
    for claim in cursor.claims():
        index = order[claim.start]
        payload = pickle.dumps(evaluate(tasks[index]), protocol=pickle.HIGHEST_PROTOCOL)
        done = 0
        while done < len(payload):  # pwrite: the file offset is shared with the parent, positions are not
            done += os.pwrite(spool, payload[done:], written + done)
        os.write(notices, _NOTICE.pack(index, written, len(payload)))  # under PIPE_BUF: written whole
        written += len(payload)


class SharedCursor:
    """Hands out consecutive chunks of range(total) to whichever process asks next, this one or forked
    children: work shared this way balances itself, whatever else each process has to do."""

    def __init__(self, total: int, chunk: int):
        self.total, self._chunk = total, chunk
        self._next = multiprocessing.Value("q", 0)  # shared memory, seen by children forked after this

    def claims(self) -> Iterator[range]:
        while True:
            with self._next.get_lock():
                start = self._next.value
                self._next.value = start + self._chunk
            if start >= self.total:
                return
            yield range(start, min(self.total, start + self._chunk))

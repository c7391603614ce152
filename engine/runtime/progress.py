"""Progress of long runs on the terminal (stage, table, count), silent when stdout is not a terminal.

It writes one self-overwriting line to stderr, so piped or redirected output (CI logs, report files)
never carries progress noise.
"""

from __future__ import annotations

import contextvars
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_REDRAW_EVERY = 0.1  # seconds


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        # the line goes to stderr, so that is the stream that must be a terminal
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._stage = ""
        self._started = time.perf_counter()
        self._width = 0
        self._drawn = 0.0

    def stage(self, name: str) -> None:
        """A new stage: the line restarts its clock and shows the stage name."""
        self._stage = name
        self._started = time.perf_counter()
        self._show("")

    def step(self, what: str, done: int | None = None, total: int | None = None) -> None:
        """What the stage is working on now, e.g. a table name, with an optional count done of total."""
        count = f" {done}/{total}" if done is not None and total is not None else ""
        self._show(f"{what}{count}")

    def done(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _show(self, detail: str) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if detail:  # thousands of steps a second would flood a slow terminal; a new stage always shows
            if now - self._drawn < _REDRAW_EVERY:
                return
            self._drawn = now
        elapsed = now - self._started
        line = f"[{self._stage}] {detail} ({elapsed:.1f}s)"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(line))


# The command sets the progress line once; the stages deep inside (reading, rules, report pages) report to
# it without every function in between carrying it as a parameter. Off unless a command turns it on.
_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("westaudit_progress", default=None)
_SILENT = Progress(enabled=False)


def current() -> Progress:
    return _CURRENT.get() or _SILENT


def silence() -> None:
    """For a forked child: its parent owns the terminal line."""
    _CURRENT.set(None)


@contextmanager
def showing(progress: Progress) -> Iterator[Progress]:
    token = _CURRENT.set(progress)
    try:
        yield progress
    finally:
        progress.done()
        _CURRENT.reset(token)

"""Progress of long runs on the terminal (stage, table, count), silent when stdout is not a terminal.

It writes one self-overwriting line to stderr, so piped or redirected output (CI logs, report files)
never carries progress noise.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = sys.stdout.isatty() if enabled is None else enabled
        self._stage = ""
        self._started = time.perf_counter()
        self._width = 0

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
        elapsed = time.perf_counter() - self._started
        line = f"[{self._stage}] {detail} ({elapsed:.1f}s)"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(line))

"""The largest CSV table of a large package read and typed in a forked child, beside this process reading and
typing the others (engine/intake/package.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from westaudit.intake import filereader, table_typing
from westaudit.intake.table_typing import Typed, keys_used, tables_needed, typing_order
from westaudit.runtime import parallel
from westaudit.spec.tables import TableSpec

# below this many bytes of CSV a child reading and typing one of them ahead costs more than it saves
MIN_BYTES_TO_READ_AHEAD = 20_000_000


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reading it will say what is wrong, in its turn
        return 0


@dataclass(frozen=True)
class TypedThere:
    typed: Typed
    rows_read: int


class TypedAhead:
    """The largest CSV table read and typed in a forked child, beside this process reading and typing the others.

    The child also reads and types the tables its key sets come from (offices, the tables it refers to), so the
    table travels back once, typed. It is used only if those key sets turn out equal to the ones typed here; a
    child that failed, for whatever reason, leaves the table to be read and typed here. The child says as soon
    as it has read its file (or could not), so reading errors are raised in file order. Nothing is started for a
    small package (forking would cost more than it saves), without fork or a second core, or when a table it
    needs is not a single CSV file.
    """

    def __init__(self, csv_files: list[tuple[Path, str]], contract: dict[str, TableSpec], encoding: str | None,
                 validator: str):
        self.path: Path | None = None
        self.table: str | None = None
        self._contract = contract
        self._call: parallel.ForkedCall[TypedThere | None] | None = None
        self._signal, self._read = -1, False
        sizes = {path: file_size(path) for path, _ in csv_files}
        files: dict[str, list[Path]] = {}
        for path, table in csv_files:
            files.setdefault(table, []).append(path)
        candidates = [(path, table) for path, table in csv_files if table != "offices"]
        if sum(sizes.values()) < MIN_BYTES_TO_READ_AHEAD or not candidates or not parallel.can_share():
            return
        path, table = max(candidates, key=lambda candidate: (sizes[candidate[0]], candidate[1]))
        needed = tables_needed(table, contract, set(files))
        if any(len(files.get(name, ())) != 1 for name in (table, *needed)):
            return
        in_order = [(name, files[name][0]) for name in typing_order(needed, contract)]
        read_end, write_end = os.pipe()
        call = parallel.ForkedCall(partial(_read_and_type, path, table, in_order, contract, encoding, validator,
                                           write_end))
        os.close(write_end)
        if not call.forked:  # it would run here, at result(): nothing gained
            os.close(read_end)
            return
        self.path, self.table, self._call, self._signal = path, table, call, read_end

    @property
    def started(self) -> bool:
        return self._call is not None

    def read_there(self) -> bool:
        """Whether the child read its file (waits until it says)."""
        if self._signal >= 0:
            self._read = os.read(self._signal, 1) == b"1"
            os.close(self._signal)
            self._signal = -1
        return self._read

    def typed(self, keys: dict[str, set]) -> TypedThere | None:
        """The child's table, if it was typed against the same key sets as `keys` (None: type it here)."""
        call, self._call = self._call, None
        if call is None or not self.read_there():
            return None
        try:
            there = call.result()
        except Exception:  # noqa: BLE001  (typed here instead, raising here what there is to raise)
            return None
        return there if there is not None and there.typed.key_sets == keys_used(self.table, self._contract, keys) else None

    def close(self) -> None:
        """Loading done or stopped by an error: a child still working is stopped."""
        if self._call is not None:
            self._call.cancel()
            self._call = None
        if self._signal >= 0:
            os.close(self._signal)
            self._signal = -1


def _read_and_type(path: Path, table: str, needed: list[tuple[str, Path]], contract: dict[str, TableSpec],
                   encoding: str | None, validator: str, signal: int) -> TypedThere | None:
    """In the child: its file read (saying so at once), then the tables it needs and its own typed; None when
    the file could not be read (this process reads it in its turn, and raises its error there)."""
    try:
        raw = filereader.read_csv_table(path, encoding)
    except Exception:  # noqa: BLE001  (read again where its error is raised in its turn)
        raw = None
    os.write(signal, b"1" if raw is not None and raw.headers else b"0")
    os.close(signal)
    if raw is None or not raw.headers:
        return None
    keys: dict[str, set] = {}
    for name, needed_path in needed:
        typed = table_typing.type_one(name, filereader.read_csv_table(needed_path, encoding), contract, keys, validator)
        keys[name] = set(typed.table.frame[contract[name].key[0]])
    return TypedThere(table_typing.type_one(table, raw, contract, keys, validator), len(raw.frame))

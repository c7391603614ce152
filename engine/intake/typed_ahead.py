"""The largest CSV table of a large package read and typed in a forked child, beside this process reading and
typing the others (engine/intake/package.py)."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Mapping
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

    The key sets it is typed against (offices, the tables it refers to) are those typed here, handed to the child
    as soon as they are (offer_keys), so the table travels back once, typed, and nothing is typed twice. It is
    used only if its key sets are the ones typed here; a child that failed, for whatever reason, leaves the
    table to be read and typed here. The child says as soon as it has read its file (or could not), so reading
    errors are raised in file order. Nothing is started for a small package (forking would cost more than it
    saves), without fork or a second core, or when a table it needs is not a single CSV file.
    """

    def __init__(self, csv_files: list[tuple[Path, str]], contract: dict[str, TableSpec], encoding: str | None,
                 validator: str):
        self.path: Path | None = None
        self.table: str | None = None
        self._contract = contract
        self._call: parallel.ForkedCall[TypedThere | None] | None = None
        self._signal, self._read = -1, False
        self._keys_notice, self._keys_file, self._offered = -1, None, False
        self._validator, self._needed_files = validator, []
        self._early: dict[str, tuple[filereader.RawTable, Typed]] = {}
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
        read_end, write_end = os.pipe()
        # the key sets go to the child through a file (this process never blocks writing them), announced by a
        # byte on a pipe: b"1" they are there, nothing (the pipe closed) the child is not wanted any more
        keys_file = tempfile.TemporaryFile()  # noqa: SIM115  (kept open until the child has its key sets)
        notice_read, notice_write = os.pipe()
        call = parallel.ForkedCall(partial(_read_and_type, path, table, contract, encoding, validator, write_end,
                                           (notice_read, notice_write, keys_file.fileno())))
        os.close(write_end)
        os.close(notice_read)
        if not call.forked:  # it would run here, at result(): nothing gained
            os.close(read_end)
            os.close(notice_write)
            keys_file.close()
            return
        self.path, self.table, self._call, self._signal = path, table, call, read_end
        self._keys_notice, self._keys_file = notice_write, keys_file
        self._needed_files = [(name, files[name][0]) for name in typing_order(needed, contract)]

    @property
    def needed_files(self) -> list[Path]:
        """The files of the tables the child needs the key sets of, in typing order (none: no child)."""
        return [path for _, path in self._needed_files]

    def type_early(self, read: Mapping[Path, filereader.RawTable | Exception]) -> None:
        """The tables the child needs typed as soon as their files are read, before this process reads the others,
        and their key sets handed to it: the child then types its table while this process reads. A table that
        cannot be typed now is left to its turn, which raises its error in order (the child then gets no key sets,
        and its table is typed here)."""
        keys: dict[str, set] = {}
        for name, path in self._needed_files:
            raw = read.get(path)
            if not isinstance(raw, filereader.RawTable) or not raw.headers:
                return
            try:
                typed = table_typing.type_one(name, raw, self._contract, keys, self._validator)
            except Exception:  # noqa: BLE001  (typed again in its turn, raising there)
                return
            self._early[name] = raw, typed
            keys[name] = set(typed.table.frame[self._contract[name].key[0]])
        self.offer_keys(keys)

    def typed_early(self, name: str, raw: filereader.RawTable, keys: dict[str, set]) -> Typed | None:
        """`name` as type_early typed it from `raw`, if against the same key sets as `keys` (None: type it now)."""
        typed_from, early = self._early.pop(name, (None, None))
        if typed_from is not raw or early.key_sets != keys_used(name, self._contract, keys):
            return None
        return early

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

    def offer_keys(self, keys: dict[str, set]) -> None:
        """The key sets typed here so far: once they hold every table the child's needs, they are handed to it."""
        needed = [name for name, _ in self._needed_files]
        if self._keys_notice < 0 or not keys.keys() >= set(needed):
            return
        os.pwrite(self._keys_file.fileno(), pickle.dumps({name: keys[name] for name in needed}), 0)
        os.write(self._keys_notice, b"1")
        self._offered = True
        self._end_keys()

    def _end_keys(self) -> None:
        if self._keys_notice >= 0:
            os.close(self._keys_notice)
            self._keys_notice = -1
        if self._keys_file is not None:
            self._keys_file.close()
            self._keys_file = None

    def typed(self, keys: dict[str, set]) -> TypedThere | None:
        """The child's table, if it was typed against the same key sets as `keys` (None: type it here)."""
        self._end_keys()  # offered by now, or never: the child then gives up
        call, self._call = self._call, None
        if call is None or not self.read_there():
            return None
        if not self._offered:  # a table it needs was never typed here: the table is typed here instead
            call.cancel()
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
        self._end_keys()


def _read_and_type(path: Path, table: str, contract: dict[str, TableSpec], encoding: str | None, validator: str,
                   signal: int, keys_from: tuple[int, int, int]) -> TypedThere | None:
    """In the child: its file read (saying so at once), then typed against the key sets this process hands over;
    None when the file could not be read (this process reads it in its turn, and raises its error there) or
    the key sets never came (this process stopped, or types the table itself)."""
    notice, parents_end, keys_fd = keys_from
    os.close(parents_end)  # so that the parent closing its end is seen here as the end of the pipe
    try:
        raw = filereader.read_csv_table(path, encoding)
    except Exception:  # noqa: BLE001  (read again where its error is raised in its turn)
        raw = None
    os.write(signal, b"1" if raw is not None and raw.headers else b"0")
    os.close(signal)
    if raw is None or not raw.headers or os.read(notice, 1) != b"1":
        return None
    keys = pickle.loads(os.pread(keys_fd, os.fstat(keys_fd).st_size, 0))
    return TypedThere(table_typing.type_one(table, raw, contract, keys, validator), len(raw.frame))

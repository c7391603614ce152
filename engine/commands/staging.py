"""Reports written into a hidden folder beside --out and moved into place at the end, so an interrupted or
failed audit never leaves a folder that looks finished (index.html and report.json appear last)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from westaudit.core.errors import UsageError

# moved last, in this order: a folder holding index.html is a finished report
_LAST = ("report.json", "index.html")


def _usable_out(out: Path) -> Path:
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: this is a file, not a folder; choose a folder for the reports")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"--out {out}: {parent} is a file, not a folder; choose another path")
            break
    return out


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh hidden folder beside ``out`` to write into; removed if the block raises. ``publish`` it."""
    out = _usable_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name[:40]}.writing-", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish(staging: Path, out: Path) -> Path:
    """Move what was written into ``out``: a report already there loses its index.html and report.json first,
    every other entry is replaced by the new one of its name, and the new index.html comes last."""
    out = _usable_out(out)
    out.mkdir(exist_ok=True)
    for name in reversed(_LAST):
        if (out / name).is_file():
            (out / name).unlink()
    entries = sorted(staging.iterdir(), key=lambda path: (path.name in _LAST, _LAST.index(path.name)
                                                          if path.name in _LAST else 0, path.name))
    for entry in entries:
        target = out / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        os.replace(entry, target)
    staging.rmdir()
    return out.resolve()

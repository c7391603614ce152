"""Filled template workbooks of one sample county, as an office would upload them: the county's subtree cut
from the sample (tests/package_split.py), typed into the workbook `westaudit template` writes for it."""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from package_split import fill_template, split_package
from westaudit.cli import main

COUNTY = "GS-LZ-GL"  # 皋兰县: planted failures of the county and its units in the sample, fixed in west2025_fixed
YEAR = 2025


def filled_workbook(sample: Path, folder: Path, office: str = COUNTY) -> Path:
    """The county's template (hierarchy from the sample) with the sample's rows of its subtree typed in."""
    rows = split_package(sample, folder / "rows", office)
    workbook = folder / "upload" / f"{office}-{YEAR}.xlsx"
    assert main(["template", "--office", office, "--year", str(YEAR), "--out", str(workbook),
                 "--package", str(sample)]) == 0
    fill_template(workbook, rows)
    return workbook


def zipped(members: dict[str, bytes | str], symlinks: dict[str, str] | None = None) -> bytes:
    """A zip of the given members (text as UTF-8); `symlinks`: name -> target, stored as symbolic links."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return buffer.getvalue()


def with_member(workbook: bytes, name: str, data: bytes) -> bytes:
    """A copy of a workbook with one more part (a macro project, an external link)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.writestr(name, data)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_workspace(settings) -> Iterator[str]:
    """The workspace of `settings` on a real uvicorn server in a thread, as `westaudit serve` runs it; its URL."""
    import uvicorn

    from westaudit.workspace.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the workspace did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)

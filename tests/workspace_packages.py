"""Filled template workbooks of one sample county, as an office would upload them: the county's subtree cut
from the sample (tests/package_split.py), typed into the workbook `westaudit template` writes for it."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from package_split import fill_template, split_package
from westaudit.cli import main

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
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


class LocalClient(TestClient):
    """The single-user workspace as its page uses it: every form posted with the CSRF token the page carries
    (read once from the upload page, as a browser holding the session would); a test that posts without one
    passes its own data with csrf_token set, or uses a plain TestClient."""

    _token: str | None = None

    def form_token(self) -> str:
        if self._token is None:
            self._token = CSRF_FIELD.search(self.get("/").text).group(1)
        return self._token

    def post(self, url, *args, data=None, **kwargs):
        if kwargs.get("content") is None and (data is None or "csrf_token" not in data):
            data = {**(data or {}), "csrf_token": self.form_token()}
        return super().post(url, *args, data=data, **kwargs)


def form_token_of(port: int) -> tuple[str, str]:
    """For raw HTTP clients of a running workspace: a form token and the Cookie header of its session."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
        cookie = answer.headers.get("set-cookie", "").split(";", 1)[0]
        return CSRF_FIELD.search(answer.read().decode()).group(1), cookie

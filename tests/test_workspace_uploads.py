"""Bad uploads to the workspace (docs/workspace.md, "Bad uploads"): each case its status and message, nothing
kept or written outside the data folder, the server still serving; and twenty uploads at once to a real server,
every one answered and recorded."""

from __future__ import annotations

import http.client
import io
import re
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import SAMPLE
from package_split import split_package
from westaudit.intake.archive import MB, ArchiveLimits
from westaudit.workspace.app import create_app
from westaudit.workspace.settings import Settings
from workspace_packages import (
    COUNTY,
    YEAR,
    LocalClient,
    filled_workbook,
    form_token_of,
    free_port,
    running_workspace,
    with_member,
    zipped,
)

UPLOAD_LIMIT = 4 * MB
UNPACKED_LIMIT = 16 * MB


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> bytes:
    return filled_workbook(SAMPLE, tmp_path_factory.mktemp("workbook")).read_bytes()


@pytest.fixture(scope="module")
def roster_csv(tmp_path_factory) -> bytes:
    return (split_package(SAMPLE, tmp_path_factory.mktemp("csv"), COUNTY) / "组织机构.csv").read_bytes()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    settings = Settings(data_dir=root / "data", hierarchy=SAMPLE, max_upload_bytes=UPLOAD_LIMIT,
                        limits=ArchiveLimits(max_unpacked_bytes=UNPACKED_LIMIT))
    with LocalClient(create_app(settings)) as client:
        yield root, client


def _package_zip(workbook: bytes, **extra) -> bytes:
    return zipped({"manifest.yaml": f"office_id: {COUNTY}\nyear: {YEAR}\n", f"{COUNTY}.xlsx": workbook, **extra})


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("manifest.yaml", f"office_id: {COUNTY}\nyear: {YEAR}\n")
        archive.writestr("志愿者名册.csv", b"0" * (10 * MB))  # about 10 KB compressed: 1000 to 1
    return buffer.getvalue()


def _large_members() -> bytes:
    """Many members of 1 MB each, too small for the ratio check, together past the unpacked limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(UNPACKED_LIMIT // MB + 1):
            archive.writestr(f"part{n}.csv", b"0" * MB)
    return buffer.getvalue()


# name -> (files as (name, bytes), form fields, status, start of the Chinese message)
def _cases(workbook: bytes, roster: bytes) -> dict[str, tuple[list[tuple[str, bytes]], dict, int, str]]:
    office = {"office": COUNTY, "year": str(YEAR)}
    return {
        "nothing chosen": ([], office, 400, "没有收到文件"),
        "a PDF": ([("说明.pdf", b"%PDF-1.4 not a table")], office, 415, "不是可读取的文件"),
        "an image named .xlsx": ([("图片.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100)], office, 415, "不是可读取的文件"),
        "markup in a file name": ([('<img src=x onerror="alert(1)">.pdf', b"%PDF-1.4")], office, 415,
                                  "不是可读取的文件"),
        "an old .xls": ([("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)], office, 415, "这是旧版 Excel"),
        "a Word file as .xlsx": ([("文档.xlsx", zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "x"}))],
                                 office, 422, "不是 Excel 工作簿"),
        "a damaged zip": ([("数据包.zip", b"PK\x03\x04" + b"\x00garbage" * 50)], office, 422, "文件已损坏"),
        "zip slip (..)": ([("数据包.zip", _package_zip(workbook, **{"../../escaped.csv": "机构编号\nX\n"}))],
                          office, 422, "压缩包中的路径指向包外"),
        "zip slip (absolute)": ([("数据包.zip", _package_zip(workbook, **{"/tmp/westaudit-escaped.csv": "x"}))],
                                office, 422, "压缩包中的路径指向包外"),
        "a symlink member": ([("数据包.zip", zipped({"manifest.yaml": f"office_id: {COUNTY}\nyear: {YEAR}\n"},
                                                 symlinks={"组织机构.csv": "/etc/passwd"}))],
                             office, 422, "压缩包中含符号链接"),
        "a zip bomb": ([("数据包.zip", _bomb())], office, 413, "压缩比异常"),
        "unpacking past the limit": ([("数据包.zip", _large_members())], office, 413, "解压后超过"),
        "a body over the upload limit": ([("大文件.csv", b"a" * (UPLOAD_LIMIT + MB))], office, 413, "文件过大"),
        "a macro workbook (vbaProject.bin)": ([(f"{COUNTY}.xlsx", with_member(workbook, "xl/vbaProject.bin", b"VBA"))],
                                              office, 422, "工作簿含宏"),
        "a macro-enabled file (.xlsm)": ([(f"{COUNTY}.xlsm", workbook)], office, 422, "工作簿为启用宏的格式"),
        "external links": ([(f"{COUNTY}.xlsx", with_member(workbook, "xl/externalLinks/externalLink1.xml", b"<x/>"))],
                           office, 422, "工作簿含指向其他工作簿的外部链接"),
        "a macro workbook inside a zip": ([("数据包.zip", _package_zip(with_member(workbook, "xl/vbaProject.bin", b"V")))],
                                          office, 422, "工作簿含宏"),
        "wrong office (picked another county)": ([(f"{COUNTY}.xlsx", workbook)], {"office": "GS-DX-LX", "year": "2025"},
                                                 422, "机构编号不一致"),
        "wrong year": ([(f"{COUNTY}.xlsx", workbook)], {"office": COUNTY, "year": "2024"}, 422, "审计年度不一致"),
        "not a year": ([("组织机构.csv", roster)], {"office": COUNTY, "year": "二〇二五"}, 400, "审计年度「二〇二五」无效"),
        "an office not in the hierarchy": ([("组织机构.csv", roster)], {"office": "XX-NOWHERE", "year": "2025"},
                                           422, "机构编号 XX-NOWHERE 不在本工作台的组织机构中"),
        "an office missing from the package": ([("组织机构.csv", roster)], {"office": "GS-DX-LX", "year": "2025"},
                                               422, "数据包的组织机构表中没有本机构"),
        "a package missing a required column": ([("组织机构.csv", "机构编号,机构名称\nGS-LZ-GL,皋兰县\n".encode())],
                                                office, 422, "数据包无法读取"),
        "a zip with no table": ([("数据包.zip", zipped({"manifest.yaml": f"office_id: {COUNTY}\nyear: {YEAR}\n",
                                                      "readme.txt": "nothing"}))], office, 422, "压缩包中没有数据表"),
    }


# the names only (any zip stands in for the workbook): pytest collects them before any fixture is built
CASE_NAMES = list(_cases(zipped({"placeholder": ""}), b""))


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("case", CASE_NAMES)
def test_a_bad_upload_gets_its_message_and_status_and_leaves_nothing(served, workbook, roster_csv, case):
    root, client = served
    files, form, status, message = _cases(workbook, roster_csv)[case]
    checks_before = _tree(root / "data" / "checks")
    outside_before = _tree(root) - {p for p in _tree(root) if p.startswith("data")}
    answer = client.post("/checks", data=form, files=[("files", (name, data, "application/octet-stream"))
                                                       for name, data in files])
    assert answer.status_code == status, re.sub(r"<[^>]+>", " ", answer.text)[:400]
    shown = re.search(r'<section class="banner refused" role="alert" id="refused">\s*<h1>未能检查：([^<]+)</h1>',
                      answer.text)
    assert shown and shown.group(1).startswith(message), shown and shown.group(1)
    assert "Traceback" not in answer.text and "<img" not in answer.text  # names shown escaped
    assert _tree(root / "data" / "checks") == checks_before  # nothing kept
    assert list((root / "data" / "incoming").iterdir()) == []
    assert _tree(root) - {p for p in _tree(root) if p.startswith("data")} == outside_before
    assert not Path("/tmp/westaudit-escaped.csv").exists()
    assert client.get("/").status_code == 200  # still serving


def test_a_200_mb_upload_is_refused_before_it_is_read(served):
    _, client = served
    sent = 0

    def body():
        nonlocal sent
        for _ in range(200):
            sent += MB
            yield b"x" * MB

    answer = client.post("/checks", content=body(), headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(200 * MB)})
    assert answer.status_code == 413 and "文件过大" in answer.text
    assert sent <= 2 * MB  # answered from Content-Length: the body was hardly read


def test_a_chunked_upload_is_cut_off_at_the_limit(served):
    _, client = served

    def body():
        for _ in range(50):
            yield b"x" * MB

    answer = client.post("/checks", content=body(), headers={"content-type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413 and "文件过大" in answer.text


def _multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "westaudit-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in files]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_twenty_uploads_at_once_are_all_answered_and_recorded(tmp_path, workbook):
    from westaudit.history.store import Store
    from westaudit.workspace.records import CheckBook

    settings = Settings(data_dir=tmp_path / "data", hierarchy=SAMPLE, port=free_port())
    answers: list[tuple[int, str]] = []

    def one_office() -> None:  # each a browser of its own: its page, its session, its form token
        token, cookie = form_token_of(settings.port)
        body, content_type = _multipart({"office": COUNTY, "year": str(YEAR), "csrf_token": token},
                                        [(f"{COUNTY}.xlsx", workbook)])
        connection = http.client.HTTPConnection("127.0.0.1", settings.port, timeout=600)
        connection.request("POST", "/checks", body=body, headers={"Content-Type": content_type, "Cookie": cookie})
        reply = connection.getresponse()
        answers.append((reply.status, reply.getheader("Location") or ""))
        connection.close()

    with running_workspace(settings):
        clients = [threading.Thread(target=one_office) for _ in range(20)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=900)
    assert len(answers) == 20 and {status for status, _ in answers} == {303}
    locations = {location for _, location in answers}
    assert len(locations) == 20 and all(re.fullmatch(r"/checks/[0-9a-f]{24}", loc) for loc in locations)
    store = Store.open(settings.store_location, create=False)
    runs = store.runs(COUNTY)
    assert len(runs) == 20 and all(run.complete for run in runs)
    assert CheckBook(store).count() == 20
    assert {r.run_id for r in CheckBook(store).recent(COUNTY, limit=50)} == {run.run_id for run in runs}
    # each check after the first is compared with the one before it: one chain, none lost
    assert sorted(r.previous_check_id is None for r in CheckBook(store).recent(COUNTY, limit=50)).count(True) == 1

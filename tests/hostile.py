"""Builders of the hostile-input corpus (tests/test_hostile_*.py): a small valid package, and ways to break it
that cannot live in git (links, FIFOs, sockets, huge files), made in a temporary folder per test."""

from __future__ import annotations

import io
import re
from pathlib import Path

from westaudit.cli import main

OFFICES = """机构编号,机构名称,层级,上级机构编号
N,全国项目办,全国,
GS,甘肃省项目办,省级,N
GS-LZ,兰州市项目办,地市,GS
GS-LZ-YZ,榆中县项目办,县级,GS-LZ
GS-LZ-YZ-U1,榆中县第一中学,服务单位,GS-LZ-YZ
UNI-LZU,兰州大学项目办,高校,GS
"""
VOLUNTEERS_HEADER = "志愿者编号,姓名,身份证号码,毕业高校编号,服务县编号,服务单位编号,招募年度,服务开始日期,服务结束日期,服务状态\n"
VOLUNTEER_ROWS = [
    "V1,张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n",
    "V2,李四,620102200109129108,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n",
]
VOLUNTEERS = VOLUNTEERS_HEADER + "".join(VOLUNTEER_ROWS)
MANIFEST = "office_id: N\nyear: 2025\n"


def package(folder: Path, volunteers: str | bytes | None = VOLUNTEERS, manifest: str = MANIFEST,
            volunteers_name: str = "志愿者名册.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(manifest, encoding="utf-8")
    (folder / "组织机构.csv").write_text(OFFICES, encoding="utf-8")
    if isinstance(volunteers, bytes):
        (folder / volunteers_name).write_bytes(volunteers)
    elif volunteers is not None:
        (folder / volunteers_name).write_text(volunteers, encoding="utf-8")
    return folder


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def accounts(out: str) -> dict[str, tuple[int, ...]]:
    """validate's row account per table: read, accepted, rejected, and when some accepted rows lost a cell
    (a bad cell invalidates what reads it, not the whole row), how many, fourth."""
    found = re.findall(r"^\s+(\w+)\s+.*: 读取 (\d+) = 接受 (\d+) \+ 拒收 (\d+)(?:（接受行中 (\d+) 行有拒收单元格.*）)?$", out,
                       flags=re.MULTILINE)
    return {table: tuple(int(n) for n in numbers if n) for table, *numbers in found}


def error_line(err: str) -> str:
    """The message of an exit-2 error, as the CLI prints it after its first line."""
    return err.split("\n", 1)[1].strip()


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

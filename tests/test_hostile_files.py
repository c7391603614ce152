"""Hostile packages, part 1: one guarded way in (engine/intake/package_files.py). Every refusal is exit 2 with
the path and its exact message; nothing outside the package is read, nothing hangs."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest
from hostile import MANIFEST, VOLUNTEERS, accounts, error_line, package, run, workbook_bytes

from westaudit.intake.package_files import Limits, current_limits, package_entries, resolve_in_package

SECRET = "root:x:0:0:root:/root:/bin/bash\n"


def validate(folder: Path, capsys) -> tuple[int, str, str]:
    return run(["validate", str(folder)], capsys)


def refused(folder: Path, capsys) -> str:
    code, out, err = validate(folder, capsys)
    assert code == 2, out + err
    assert SECRET.strip() not in out + err
    return error_line(err)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "passwd.csv"
    secret.parent.mkdir()
    secret.write_text(VOLUNTEERS + SECRET, encoding="utf-8")
    return secret


def test_a_manifest_entry_with_an_absolute_path_is_refused(tmp_path, capsys):
    folder = package(tmp_path / "p", manifest=MANIFEST + "files:\n  volunteers: /etc/passwd\n")
    assert refused(folder, capsys) == ('/etc/passwd：不接受绝对路径：请写数据包文件夹中的文件名（相对路径）'
                                       ' / absolute path refused: name a file of the package relative to '
                                       'its folder')


def test_a_manifest_entry_climbing_out_is_refused(tmp_path, capsys, outside):
    folder = package(tmp_path / "p", manifest=MANIFEST + "files:\n  volunteers: ../outside/passwd.csv\n")
    assert refused(folder, capsys) == ('../outside/passwd.csv：不接受“..”：数据包的每个文件都必须在数据包文件夹之内 '
                                       "/ '..' refused: every file of a package is inside the package folder")


def test_a_manifest_entry_naming_a_folder_is_an_error(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None, manifest=MANIFEST + "files:\n  volunteers: 名册\n")
    (folder / "名册").mkdir()
    assert refused(folder, capsys) == (f"{folder}/名册：清单中 files: volunteers 写的是一个文件夹：请写 .csv 或 .xlsx 文件的名字 / "
                                       "the manifest names a folder for table 'volunteers'; name the .csv or .xlsx file")


def test_a_manifest_entry_in_a_subfolder_is_read(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None, manifest=MANIFEST + "files:\n  volunteers: 名册/2025.csv\n")
    (folder / "名册").mkdir()
    (folder / "名册" / "2025.csv").write_text(VOLUNTEERS, encoding="utf-8")
    code, out, err = validate(folder, capsys)
    assert code == 0, err
    assert accounts(out) == {"offices": (6, 6, 0), "volunteers": (2, 2, 0)}


def test_a_manifest_entry_that_is_a_broken_link_is_an_error(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None, manifest=MANIFEST + "files:\n  volunteers: 名册.csv\n")
    (folder / "名册.csv").symlink_to(folder / "gone.csv")
    assert refused(folder, capsys) == (f"{folder}/名册.csv：清单中 files: volunteers 写的这个文件是一个失效的链接：请换成文件本身 / "
                                       "the manifest names this file for table 'volunteers', but it leads to nothing (a broken link)")


def test_a_symlink_to_a_file_outside_is_refused_and_not_read(tmp_path, capsys, outside):
    folder = package(tmp_path / "p", volunteers=None)
    (folder / "志愿者名册.csv").symlink_to(outside)
    assert refused(folder, capsys) == (f"志愿者名册.csv：指向数据包之外（{outside}），已拒收：请把文件复制到数据包文件夹中 / "
                                       f"leads outside the package (to {outside}): refused; copy the file into the package folder")


def test_a_symlink_to_the_zero_device_is_refused(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None)
    (folder / "志愿者名册.csv").symlink_to("/dev/zero")
    assert refused(folder, capsys) == ('志愿者名册.csv：指向数据包之外（/dev/zero），已拒收：请把文件复制到数据包文件夹中 '
                                       '/ leads outside the package (to /dev/zero): refused; copy the file '
                                       'into the package folder')


def test_a_named_symlink_leading_outside_is_refused(tmp_path, capsys, outside):
    folder = package(tmp_path / "p", volunteers=None, manifest=MANIFEST + "files:\n  volunteers: 名册.dat\n")
    (folder / "名册.dat").symlink_to(outside)
    assert refused(folder, capsys) == (f"{folder}/名册.dat：指向数据包之外（{outside}），已拒收：请把文件复制到数据包文件夹中 / "
                                       f"leads outside the package (to {outside}): refused; copy the file into the package folder")


def test_a_symlink_inside_the_package_is_followed(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None)
    (folder / "data").mkdir()
    (folder / "data" / "v.txt").write_text(VOLUNTEERS, encoding="utf-8")
    (folder / "志愿者名册.csv").symlink_to(folder / "data" / "v.txt")
    code, out, err = validate(folder, capsys)
    assert code == 0, err
    assert accounts(out)["volunteers"] == (2, 2, 0)


def test_a_symlink_loop_is_refused(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None)
    (folder / "志愿者名册.csv").symlink_to(folder / "loop.csv")
    (folder / "loop.csv").symlink_to(folder / "志愿者名册.csv")
    assert refused(folder, capsys) == ('loop.csv：符号链接循环指向自身，已拒收：请换成文件本身 / a symbolic '
                                       'link loop: refused')


def test_a_fifo_is_refused_without_hanging(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None)
    os.mkfifo(folder / "志愿者名册.csv")
    assert refused(folder, capsys) == ('志愿者名册.csv：这是命名管道（FIFO），不是普通文件，已拒收：数据包只读取普通文件 '
                                       '/ is a FIFO (named pipe), not a regular file: refused; only regular '
                                       'files are read')


def test_a_socket_is_refused(tmp_path, capsys, monkeypatch):
    folder = package(tmp_path / "p", volunteers=None)
    listener = socket.socket(socket.AF_UNIX)
    try:
        monkeypatch.chdir(folder)  # a socket path is limited to about 100 bytes: bound by its relative name
        listener.bind("志愿者名册.csv")
        assert refused(folder, capsys) == ('志愿者名册.csv：这是套接字，不是普通文件，已拒收：数据包只读取普通文件 '
                                           '/ is a socket, not a regular file: refused; only regular files '
                                           'are read')
    finally:
        listener.close()


def test_a_hard_link_is_refused(tmp_path, capsys, outside):
    folder = package(tmp_path / "p", volunteers=None)
    os.link(outside, folder / "志愿者名册.csv")
    assert refused(folder, capsys) == ('志愿者名册.csv：这个文件有 2 个硬链接，已拒收（它的另一个名字可能在数据包之外）'
                                       '：请把文件复制一份放进数据包文件夹 / has 2 hard links: refused, '
                                       'since another of its names may be outside the package; copy the '
                                       'file into the package folder')


def test_a_manifest_linked_from_outside_is_refused(tmp_path, capsys):
    folder = package(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(MANIFEST, encoding="utf-8")
    (folder / "manifest.yaml").unlink()
    (folder / "manifest.yaml").symlink_to(elsewhere)
    assert refused(folder, capsys) == (f"{folder}/manifest.yaml：指向数据包之外（{elsewhere}），已拒收：请把文件复制到数据包文件夹中 / "
                                       f"leads outside the package (to {elsewhere}): refused; copy the file into the package folder")


def test_a_file_over_the_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WESTAUDIT_MAX_FILE_MB", "1")
    filler = "V{n},张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n"
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS + "".join(filler.format(n=n) for n in range(3, 20_000)))
    assert refused(folder, capsys) == ('志愿者名册.csv：文件有 1.8 MB，超过每个文件 1.0 MB 的上限：请只放本机构的数据，'
                                       '或分成几个文件；确属正常数据时，可用环境变量 WESTAUDIT_MAX_FILE_MB=兆字节数 '
                                       '调高上限 / file of 1.8 MB is over the limit of 1.0 MB per file; '
                                       'raise it with WESTAUDIT_MAX_FILE_MB=MEGABYTES')


def test_a_package_over_the_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WESTAUDIT_MAX_PACKAGE_MB", "1")
    filler = "V{n},张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n"
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS + "".join(filler.format(n=n) for n in range(3, 7_000)))
    (folder / "就业落实.csv").write_text("志愿者编号\n" + "V1\n" * 300_000, encoding="utf-8")
    assert refused(folder, capsys) == (f"{folder}：数据包共 1.5 MB，超过 1.0 MB 的上限：请只放本机构的数据；确属正常数据时，"
                                       "可用环境变量 WESTAUDIT_MAX_PACKAGE_MB=兆字节数 调高上限 / package of 1.5 MB is over the limit "
                                       "of 1.0 MB; raise it with WESTAUDIT_MAX_PACKAGE_MB=MEGABYTES")


def test_a_cell_over_the_default_limit_is_refused(tmp_path, capsys):
    long_name = "省" * 40_000
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace("张三", long_name))
    assert refused(folder, capsys) == ('志愿者名册.csv，第 2 行 row 2，「姓名」列 column 姓名：这个单元格有 '
                                       '40000 个字符，超过每格 32767 个字符的上限：请只填这一项的内容；确属正常数据时，'
                                       '可用环境变量 WESTAUDIT_MAX_CELL_CHARS=字符数 调高上限 / cell of '
                                       '40000 characters is over the limit of 32767 per cell; raise it with '
                                       'WESTAUDIT_MAX_CELL_CHARS=CHARACTERS')


def test_a_cell_limit_is_settable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WESTAUDIT_MAX_CELL_CHARS", "100")
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace("李四", "李" * 101))
    assert refused(folder, capsys) == ('志愿者名册.csv，第 3 行 row 3，「姓名」列 column 姓名：这个单元格有 '
                                       '101 个字符，超过每格 100 个字符的上限：请只填这一项的内容；确属正常数据时，'
                                       '可用环境变量 WESTAUDIT_MAX_CELL_CHARS=字符数 调高上限 / cell of '
                                       '101 characters is over the limit of 100 per cell; raise it with '
                                       'WESTAUDIT_MAX_CELL_CHARS=CHARACTERS')


def test_a_workbook_inflating_past_the_limit_is_refused_before_it_is_unpacked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WESTAUDIT_MAX_WORKBOOK_UNPACKED_MB", "1")
    rows = [["志愿者编号", "姓名"]] + [[f"V{n}", "张" * 200] for n in range(4000)]
    folder = package(tmp_path / "p", volunteers=workbook_bytes({"志愿者名册": rows}), volunteers_name="名册.xlsx")
    assert (folder / "名册.xlsx").stat().st_size < 300_000
    message = refused(folder, capsys)
    assert message.startswith("名册.xlsx：工作簿解压后有 ") and "超过 1 MB 的上限" in message
    assert " / workbook unpacks to " in message
    assert message.endswith(" MB, over the limit of 1 MB; raise it with WESTAUDIT_MAX_WORKBOOK_UNPACKED_MB=MEGABYTES")


def test_a_bad_limit_setting_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("WESTAUDIT_MAX_CELL_CHARS", "lots")
    with pytest.raises(Exception, match="WESTAUDIT_MAX_CELL_CHARS='lots': expected a positive whole number"):
        current_limits()


def test_the_guard_functions_stand_alone(tmp_path):
    """The upload (issue 17) calls them directly: names in, a resolved path or a refusal out."""
    folder = package(tmp_path / "p")
    assert resolve_in_package(folder, "志愿者名册.csv") == (folder / "志愿者名册.csv").resolve()
    for name in ("/abs.csv", "C:\\x.csv", "a/../../x.csv", "..\\x.csv"):
        with pytest.raises(Exception, match="refused"):
            resolve_in_package(folder, name)
    names = [entry.name for entry in package_entries(folder, {}, Limits())]
    assert names == ["志愿者名册.csv", "组织机构.csv"]


def test_a_workbook_bomb_is_refused_by_its_ratio(tmp_path, capsys):
    import zipfile

    from hostile import workbook_bytes
    data = workbook_bytes({"志愿者名册": [["志愿者编号", "姓名"], ["V1", "张三"]]})
    folder = package(tmp_path / "p", volunteers=None)
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(folder / "名册.xlsx", "w",
                                                                     zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("xl/padding.xml", b" " * 50_000_000)  # 50 MB of blanks pack into about 50 kB
    assert (folder / "名册.xlsx").stat().st_size < 100_000
    message = refused(folder, capsys)
    assert message.startswith("名册.xlsx：工作簿解压后是压缩大小的 ") and "超过 250 倍的上限（疑似压缩炸弹）" in message
    assert " / workbook unpacks " in message
    assert message.endswith(" times; raise it with WESTAUDIT_MAX_WORKBOOK_RATIO=TIMES")


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device file needs root")
def test_a_device_file_inside_the_package_is_refused(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=None)
    os.mknod(folder / "志愿者名册.csv", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5))  # /dev/zero
    assert refused(folder, capsys) == ('志愿者名册.csv：这是设备文件，不是普通文件，已拒收：数据包只读取普通文件 '
                                       '/ is a device, not a regular file: refused; only regular files are '
                                       'read')

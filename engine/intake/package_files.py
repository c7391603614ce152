"""One guarded way into a package: which files it holds, each resolved inside the package folder, a regular
file and within the size limits; and the name, sha256 and size of every file the loader reads.

Everything that reads a submitted file goes through ``package_entries`` (which files) and
``read_package_file`` (their bytes): an absolute path, ``..``, a symbolic or hard link leading outside the
folder, a FIFO, device or socket, and a file over its limit are refused here with the path and what to do
(docs/validation.md#limits-and-refusals). The web upload reads through the same functions.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from westaudit.core.errors import InputError, UsageError

if TYPE_CHECKING:
    from westaudit.intake.package import Package

DATA_SUFFIXES = (".csv", ".xlsx")
MANIFEST_PREFIXES = ("manifest.", "清单.")
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much one package may make westaudit read. Defaults hold a national package (N=1: about 1 GB of
    CSV) with room to spare; each is settable by its environment variable (``LIMIT_VARIABLES``)."""

    file_bytes: int = 2048 * _MB
    package_bytes: int = 8192 * _MB
    # Excel's own limit for one cell: nothing an office typed in a spreadsheet is longer
    cell_chars: int = 32_767
    # the XML inside an .xlsx, unpacked: a workbook of shared strings repeated inflates 1000-fold
    workbook_unpacked_bytes: int = 2048 * _MB
    # unpacked / packed: real workbooks compress 5 to 50-fold; a zip bomb a thousandfold
    workbook_ratio: int = 250


# field -> (environment variable, unit in bytes or 1 for characters)
LIMIT_VARIABLES = {
    "file_bytes": ("WESTAUDIT_MAX_FILE_MB", _MB),
    "package_bytes": ("WESTAUDIT_MAX_PACKAGE_MB", _MB),
    "cell_chars": ("WESTAUDIT_MAX_CELL_CHARS", 1),
    "workbook_unpacked_bytes": ("WESTAUDIT_MAX_WORKBOOK_UNPACKED_MB", _MB),
    "workbook_ratio": ("WESTAUDIT_MAX_WORKBOOK_RATIO", 1),
}


def current_limits() -> Limits:
    """The defaults, each overridden by its environment variable when set (a positive whole number)."""
    values = {}
    for name, (variable, unit) in LIMIT_VARIABLES.items():
        text = os.environ.get(variable, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) <= 0:
            raise UsageError(f"{variable}={text!r}: expected a positive whole number")
        values[name] = int(text) * unit
    return Limits(**values)


def limit_hint(field_name: str) -> str:
    variable, unit = LIMIT_VARIABLES[field_name]
    return f"raise it with {variable}=" + ({"cell_chars": "CHARACTERS", "workbook_ratio": "TIMES"}.get(field_name)
                                            or "MEGABYTES")


def limit_hint_zh(field_name: str) -> str:
    variable, _ = LIMIT_VARIABLES[field_name]
    unit = {"cell_chars": "字符数", "workbook_ratio": "倍数"}.get(field_name, "兆字节数")
    return f"确属正常数据时，可用环境变量 {variable}={unit} 调高上限"


def _megabytes(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size >= _MB // 10 else f"{size} bytes"


def _refuse(shown: str, message_zh: str, message: str) -> InputError:
    return InputError(shown, message, message_zh=message_zh)


def resolve_in_package(folder: Path, name: str) -> Path:
    """The real path of ``name`` (as a manifest or upload gives it), refused unless it stays inside ``folder``.

    Absolute paths and ``..`` are refused as written, before anything is looked up; a symbolic link is
    followed and must end inside the folder. Returns the resolved path (which may not exist).
    """
    text = name.strip()
    if not text:
        raise _refuse(str(folder), "文件名为空：请在清单中写出文件名", "an empty file name")
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute() or PureWindowsPath(text).drive:
        raise _refuse(text, "不接受绝对路径：请写数据包文件夹中的文件名（相对路径）",
                      "absolute path refused: name a file of the package relative to its folder")
    parts = PureWindowsPath(text).parts  # splits on both / and \
    if ".." in parts:
        raise _refuse(text, "不接受“..”：数据包的每个文件都必须在数据包文件夹之内",
                      "'..' refused: every file of a package is inside the package folder")
    root = Path(os.path.realpath(folder))
    resolved = Path(os.path.realpath(root.joinpath(*parts)))
    if not resolved.is_relative_to(root):
        raise _refuse(str(folder / text), f"指向数据包之外（{resolved}），已拒收：请把文件复制到数据包文件夹中",
                      f"leads outside the package (to {resolved}): refused; copy the file into the package folder")
    return resolved


def _file_status(path: Path, shown: str) -> os.stat_result:
    """The status of a file that may be read: a regular file with one name (a second name, a hard link, may
    be outside the package, where nothing says what the file is)."""
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno == 40:  # ELOOP
            raise _refuse(shown, "符号链接循环指向自身，已拒收：请换成文件本身", "a symbolic link loop: refused") from error
        raise _refuse(shown, f"无法读取文件（{error.strerror or error}）：请核对文件是否存在、是否有读取权限",
                      f"cannot read file: {error.strerror or error}") from error
    return _check_status(status, shown)


def _check_status(status: os.stat_result, shown: str) -> os.stat_result:
    mode = status.st_mode
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file")
        kind_zh = ("文件夹" if stat.S_ISDIR(mode) else "命名管道（FIFO）" if stat.S_ISFIFO(mode)
                   else "套接字" if stat.S_ISSOCK(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                   else "特殊文件")
        raise _refuse(shown, f"这是{kind_zh}，不是普通文件，已拒收：数据包只读取普通文件",
                      f"is {kind}, not a regular file: refused; only regular files are read")
    if status.st_nlink > 1:
        raise _refuse(shown, f"这个文件有 {status.st_nlink} 个硬链接，已拒收（它的另一个名字可能在数据包之外）："
                      "请把文件复制一份放进数据包文件夹",
                      f"has {status.st_nlink} hard links: refused, since another of its names may be "
                      "outside the package; copy the file into the package folder")
    return status


def check_file_size(size: int, shown: str, limits: Limits) -> None:
    if size > limits.file_bytes:
        raise _refuse(shown, f"文件有 {_megabytes(size)}，超过每个文件 {_megabytes(limits.file_bytes)} 的上限："
                      f"请只放本机构的数据，或分成几个文件；{limit_hint_zh('file_bytes')}",
                      f"file of {_megabytes(size)} is over the limit of {_megabytes(limits.file_bytes)} "
                      f"per file; {limit_hint('file_bytes')}")


def read_package_file(path: Path, limits: Limits | None = None, shown: str | None = None) -> bytes:
    """The bytes of one file of a package: a regular file (checked on the opened file, so nothing swaps it in
    between) of at most ``limits.file_bytes``. A FIFO is opened without blocking and refused."""
    limits = limits or current_limits()
    shown = shown or Path(path).name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == 40:  # ELOOP
            raise _refuse(shown, "符号链接循环指向自身，已拒收：请换成文件本身", "a symbolic link loop: refused") from error
        raise _refuse(shown, f"无法读取文件（{error.strerror or error}）：请核对文件是否存在、是否有读取权限",
                      f"cannot read file: {error.strerror or error}") from error
    with os.fdopen(descriptor, "rb") as handle:
        status = _check_status(os.fstat(descriptor), shown)
        check_file_size(status.st_size, shown, limits)
        data = handle.read(limits.file_bytes + 1)
    check_file_size(len(data), shown, limits)  # a file that grew while being read
    return data


@dataclass(frozen=True)
class PackageEntry:
    """A file of the package to read: ``path`` as found in the folder, ``name`` as shown (relative to the
    package folder), ``table`` when the manifest names it for one."""

    path: Path
    name: str
    table: str | None = None


def _is_data_name(name: str) -> bool:
    return Path(name).suffix.lower() in DATA_SUFFIXES and not name.startswith("~$")


def package_entries(folder: Path, named: dict[str, str], limits: Limits | None = None) -> list[PackageEntry]:
    """Every data file of the package: those the manifest names (``named``: table -> file name), anywhere
    inside the folder, and every .csv/.xlsx directly in it, in name order. Each is checked: inside the
    folder, a regular file, within the limits per file and per package. A named file that does not exist
    or is a folder is an error, never a silent skip."""
    limits = limits or current_limits()
    root = Path(os.path.realpath(folder))
    entries: dict[Path, PackageEntry] = {}
    for table, name in named.items():
        resolved = resolve_in_package(folder, name)
        shown = str(folder / name.strip())
        if not os.path.lexists(folder / name.strip()):
            raise _refuse(shown, f"清单中 files: {table} 写的这个文件不存在：请核对文件名，或把文件放进数据包文件夹",
                          f"the manifest names this file for table {table!r}, but it does not exist")
        if not resolved.exists() and not os.path.lexists(resolved):
            raise _refuse(shown, f"清单中 files: {table} 写的这个文件是一个失效的链接：请换成文件本身",
                          f"the manifest names this file for table {table!r}, but it leads to nothing "
                          "(a broken link)")
        if resolved.is_dir():
            raise _refuse(shown, f"清单中 files: {table} 写的是一个文件夹：请写 .csv 或 .xlsx 文件的名字",
                          f"the manifest names a folder for table {table!r}; name the .csv or .xlsx file")
        entries[resolved] = PackageEntry(folder / name.strip(), name.strip(), table)
    for path in sorted(folder.iterdir()):
        if not _is_data_name(path.name) or (path.is_dir() and not path.is_symlink()):
            continue
        resolved = Path(os.path.realpath(path))
        if not resolved.is_relative_to(root):
            raise _refuse(path.name, f"指向数据包之外（{resolved}），已拒收：请把文件复制到数据包文件夹中",
                          f"leads outside the package (to {resolved}): refused; copy the file into the package folder")
        entries.setdefault(resolved, PackageEntry(path, path.name))
    total = 0
    for entry in entries.values():
        status = _file_status(entry.path, entry.name)
        check_file_size(status.st_size, entry.name, limits)
        total += status.st_size
    if total > limits.package_bytes:
        raise _refuse(str(folder), f"数据包共 {_megabytes(total)}，超过 {_megabytes(limits.package_bytes)} 的上限："
                      f"请只放本机构的数据；{limit_hint_zh('package_bytes')}",
                      f"package of {_megabytes(total)} is over the limit of "
                      f"{_megabytes(limits.package_bytes)}; {limit_hint('package_bytes')}")
    return sorted(entries.values(), key=lambda entry: entry.name)


def guarded_manifest(path: Path, folder: Path) -> Path:
    """The manifest, held to the rules of every other file of the package (inside, regular, within limits)."""
    resolve_in_package(folder, path.name)
    status = _file_status(path, path.name)
    check_file_size(status.st_size, path.name, current_limits())
    return path


@dataclass(frozen=True)
class InputFile:
    name: str
    sha256: str
    size: int


def package_files(package: Package) -> tuple[InputFile, ...]:
    """The sha256 of every file the package loader reads: the manifest and every CSV/XLSX it reads; for a
    consolidated package (engine/evaluate/consolidate.py), those of each package it merged, named ``<package>/<file>``."""
    parts = getattr(package, "parts", ())
    if parts:
        return tuple(InputFile(f"{part.label}/{f.name}", f.sha256, f.size)
                     for part in parts for f in package_files(part.package))
    manifests = [p for p in package.path.iterdir() if p.name.startswith(MANIFEST_PREFIXES) and p.is_file()]
    read = [(p.name, p) for p in manifests] + [(e.name, e.path)
                                               for e in package_entries(package.path, package.manifest.files)]
    files = []
    for name, path in sorted(read):
        data = read_package_file(path, shown=name)
        files.append(InputFile(name, hashlib.sha256(data).hexdigest(), len(data)))
    return tuple(files)

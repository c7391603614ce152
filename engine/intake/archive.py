"""Zip files read with suspicion: a package sent as one .zip, and the .xlsx workbooks inside packages.

A zip is inspected from its central directory before one byte is written: every member must stay inside the
destination (no absolute path, no `..`, no drive letter), be a plain file or folder (no symlink, device or
FIFO), and the members' declared sizes, their number and each member's compression ratio must stay within
the limits. Declared sizes can lie, so extraction counts the bytes it writes and stops at the limit too.

A workbook is a zip as well: it is refused when it carries macros (`vbaProject.bin`, a macro-enabled
content type) or links to other workbooks (`xl/externalLinks/`), or when its parts would inflate past the
limits (a few hundred kilobytes of shared strings that unpack to gigabytes).

Every refusal is an `ArchiveRefused` naming the file, the member and the reason, in Chinese and English; the
`reason` code lets a caller choose its answer (the workspace: HTTP 413 for size, 422 for the rest).
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from westaudit.core.errors import InputError

MB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# folders and files zip tools add on their own; never part of a package
_TOOL_NOISE = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """How much a zip may hold. The workspace's defaults are documented in docs/workspace.md."""

    max_unpacked_bytes: int = 200 * MB
    max_members: int = 500
    # a member whose bytes unpack to more than this many times its compressed size is a bomb, not data
    max_ratio: int = 200
    # ratios of small members say nothing (an empty sheet compresses 50 to 1)
    ratio_from_bytes: int = 1 * MB


@dataclass
class ArchiveRefused(InputError):
    """A zip or workbook that is not read at all. `reason`: size | path | link | macro | external_link | corrupt."""

    reason: str = "corrupt"


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC)


def _refuse(file: str, reason: str, zh: str, en: str) -> ArchiveRefused:
    return ArchiveRefused(file=file, message=en, reason=reason, message_zh=zh)


def _open(path: Path, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(label, "corrupt", "文件已损坏，不是有效的压缩包或工作簿，请重新导出后上传",
                      f"damaged: not a valid zip or workbook ({exc})") from exc


def safe_member_path(name: str) -> PurePosixPath | None:
    """The member's path relative to the destination, or None when it would leave it."""
    if "\x00" in name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if not parts or any(part in ("..", "") for part in parts):
        return None
    return PurePosixPath(*parts)


_SPECIAL_TYPES = (stat.S_IFLNK, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK)


def _is_link_or_special(info: zipfile.ZipInfo) -> bool:
    # Unix zip tools keep the file's mode in the high bits; many writers leave the type bits 0 (a plain file)
    return stat.S_IFMT(info.external_attr >> 16) in _SPECIAL_TYPES


def is_tool_noise(name: str) -> bool:
    return name.startswith("__MACOSX/") or PurePosixPath(name).name in _TOOL_NOISE


def inspect_members(archive: zipfile.ZipFile, label: str, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """The archive's members, each checked for its path, its kind and its size; raises ArchiveRefused."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise _refuse(label, "size", f"压缩包内文件过多（{len(members)} 个，上限 {limits.max_members} 个）：请只压缩本机构的数据包文件夹",
                      f"too many members ({len(members)}, at most {limits.max_members})")
    total = 0
    for info in members:
        if safe_member_path(info.filename) is None:
            raise _refuse(f"{label}:{info.filename}", "path",
                          "压缩包中的路径指向包外（绝对路径或“..”），已拒收；请只压缩数据包文件夹本身",
                          "a member's path leads outside the package (absolute or '..'); refused")
        if _is_link_or_special(info):
            raise _refuse(f"{label}:{info.filename}", "link",
                          "压缩包中含符号链接或特殊文件，已拒收；请压缩文件本身而不是快捷方式",
                          "a member is a symbolic link or special file; refused")
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise _refuse(label, "size", f"解压后超过 {limits.max_unpacked_bytes // MB} MB 上限，已拒收：请只压缩本机构的数据",
                          f"unpacks to more than {limits.max_unpacked_bytes // MB} MB; refused")
        if (info.file_size > limits.ratio_from_bytes
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise _refuse(f"{label}:{info.filename}", "size",
                          f"压缩比异常（超过 {limits.max_ratio} 倍，疑似压缩炸弹），已拒收：请检查文件来源，重新压缩后上传",
                          f"compression ratio above {limits.max_ratio} (a zip bomb); refused")
    return members


def extract_zip(path: Path, destination: Path, limits: ArchiveLimits, label: str | None = None) -> list[str]:
    """Unpack a checked zip into `destination` (created, must not hold anything yet); returns the file names
    written, relative to it. Tool noise (__MACOSX, .DS_Store) is left out. Raises ArchiveRefused."""
    label = label or path.name
    destination.mkdir(parents=True, exist_ok=True)
    root = destination.resolve()
    written: list[str] = []
    budget = limits.max_unpacked_bytes
    with _open(path, label) as archive:
        for info in inspect_members(archive, label, limits):
            relative = safe_member_path(info.filename)
            if info.is_dir() or is_tool_noise(info.filename):
                continue
            target = (root / relative).resolve()
            if root not in target.parents:
                raise _refuse(f"{label}:{info.filename}", "path", "压缩包中的路径指向包外，已拒收：请只压缩数据包文件夹本身",
                              "a member's path leads outside the package; refused")
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "xb") as sink:
                    while chunk := source.read(_COPY_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise _refuse(label, "size",
                                          f"解压后超过 {limits.max_unpacked_bytes // MB} MB 上限，已拒收：请只压缩本机构的数据",
                                          f"unpacks to more than {limits.max_unpacked_bytes // MB} MB; refused")
                        sink.write(chunk)
            except FileExistsError as exc:
                raise _refuse(f"{label}:{info.filename}", "path", "压缩包中同一文件出现两次，已拒收：请删去重复的文件后重新压缩",
                              "the same file appears twice in the zip; refused") from exc
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                if isinstance(exc, ArchiveRefused):
                    raise
                raise _refuse(f"{label}:{info.filename}", "corrupt", "压缩包已损坏，无法解压，请重新压缩后上传",
                              f"damaged zip, cannot be unpacked ({exc})") from exc
            written.append(relative.as_posix())
    return written


def check_workbook(path: Path, limits: ArchiveLimits, label: str | None = None) -> None:
    """Refuse a workbook with macros, links to other workbooks, or parts that inflate past the limits."""
    label = label or path.name
    with _open(path, label) as archive:
        members = inspect_members(archive, label, limits)
        names = {info.filename.lower() for info in members}
        if "[content_types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise _refuse(label, "corrupt", "不是 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后上传",
                          "not an Excel workbook (.xlsx); save it as .xlsx")
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in archive.namelist() else b""
    if any(PurePosixPath(n).name in _MACRO_PARTS for n in names) or b"macroEnabled" in content_types:
        raise _refuse(label, "macro", "工作簿含宏（VBA），已拒收；请另存为不含宏的 .xlsx 工作簿后上传",
                      "the workbook contains macros (VBA); save it as a plain .xlsx")
    if any(n.startswith("xl/externallinks/") for n in names):
        raise _refuse(label, "external_link",
                      "工作簿含指向其他工作簿的外部链接，已拒收；请在 Excel“数据 › 编辑链接”中断开链接（转为数值）后上传",
                      "the workbook links to other workbooks; break the links (Data › Edit Links) and save")


@contextmanager
def unpacked_packages(paths: list[Path], limits: ArchiveLimits | None = None) -> Iterator[list[Path]]:
    """For `westaudit audit`: every .zip given, or lying in a folder of packages, unpacked into a temporary folder
    named after the zip (its package label), the other paths as they are; the folders removed afterwards."""
    limits = limits or ArchiveLimits()
    scratch: Path | None = None
    expanded: list[Path] = []
    try:
        for path in paths:
            zips = [path] if path.is_file() and path.suffix.lower() == ".zip" else (
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
                if path.is_dir() and not _has_manifest(path) else [])
            if not zips:
                expanded.append(path)
                continue
            if path.is_dir():  # a folder of packages: its package folders stay, each zip beside them
                expanded.extend(sorted(p for p in path.iterdir() if p.is_dir() and _has_manifest(p)))
            for archive in zips:
                scratch = scratch or Path(tempfile.mkdtemp(prefix="westaudit-zip-"))
                target = scratch / archive.stem
                if target.exists():
                    target = scratch / f"{archive.parent.name}-{archive.stem}"
                extract_zip(archive, target, limits, str(archive))
                expanded.append(single_top_folder(target))
        yield expanded
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _has_manifest(folder: Path) -> bool:
    from westaudit.spec.manifest import MANIFEST_NAMES  # deferred: `serve --help` reads this module's limits

    return any((folder / name).is_file() for name in MANIFEST_NAMES)


def single_top_folder(folder: Path) -> Path:
    """A zip of a package folder holds the folder itself: its one subfolder is the package."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder

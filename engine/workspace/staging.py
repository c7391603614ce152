"""An upload turned into a package folder: the files an office dragged in, checked before anything reads them.

What may be uploaded, at once: one filled template workbook (.xlsx), one package folder zipped (.zip), or
several files of one package (CSV files, workbooks, optionally its manifest.yaml). Files are told apart by
their bytes, never by their names alone. A workbook or zip is inspected (engine/intake/archive.py) before it
is opened; a package without a manifest gets one from the office and year picked on the page, or, for a
template workbook, from its 填报须知 sheet. Every refusal is an `UploadRefused` with the HTTP status to answer
and a message in Chinese (English beside); staged files live only in the data folder's incoming/ area.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from westaudit.core.errors import InputError
from westaudit.intake.archive import (
    ArchiveLimits,
    ArchiveRefused,
    check_workbook,
    extract_zip,
    is_zip,
    single_top_folder,
)
from westaudit.intake.filereader import INSTRUCTIONS_SHEET
from westaudit.spec.manifest import MANIFEST_NAMES, load_manifest

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, .doc: the old binary Office formats
_TEMPLATE_FACTS = {"机构编号": "office_id", "office id": "office_id", "审计年度": "year", "audit year": "year"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


@dataclass
class UploadRefused(Exception):
    """An upload the workspace does not read: the page shows the message, the answer has `status`."""

    status: int
    message_zh: str
    message_en: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.message_zh} / {self.message_en}"


@dataclass(frozen=True)
class ReceivedFile:
    """One uploaded file, already copied into the incoming area under a safe name."""

    name: str
    path: Path


@dataclass(frozen=True)
class StagedPackage:
    folder: Path
    office_id: str
    year: int
    kind: str  # workbook | zip | files
    files: tuple[str, ...]


def safe_file_name(name: str) -> str:
    """The last part of a browser-sent file name, without characters no file system keeps; never empty."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    base = _UNSAFE_NAME.sub("_", base)[:120]
    return base or "upload"


def _refused_archive(exc: ArchiveRefused) -> UploadRefused:
    return UploadRefused(413 if exc.reason == "size" else 422, exc.message_zh, exc.message, exc.file)


def _kind(file: ReceivedFile) -> str:
    with file.path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(file.name).suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb"):
        raise UploadRefused(422, "工作簿为启用宏的格式，已拒收；请另存为不含宏的 .xlsx 工作簿后上传",
                            "a macro-enabled workbook; save it as a plain .xlsx", file.name)
    if head.startswith(OLE_MAGIC):
        raise UploadRefused(415, "这是旧版 Excel（.xls）或 Word 文件，请在 Excel 或 WPS 中另存为 .xlsx 后上传",
                            "an old .xls (or Word) file: save it as .xlsx", file.name)
    if is_zip(head):
        return "workbook" if suffix == ".xlsx" else "zip" if suffix == ".zip" else "zip-like"
    if suffix == ".csv":
        return "csv"
    if Path(file.name).name.lower() in MANIFEST_NAMES:
        return "manifest"
    raise UploadRefused(415, "不是可读取的文件：请上传填好的模板工作簿（.xlsx）、数据包压缩文件（.zip）或 CSV 文件",
                        "not a workbook (.xlsx), a zipped package (.zip) or CSV files", file.name)


def template_facts(workbook: Path) -> dict[str, str]:
    """Office and year from the 填报须知 sheet of a `westaudit template` workbook ({} for another workbook)."""
    import openpyxl  # deferred like every workbook reader

    try:
        book = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    except Exception:  # an unreadable workbook is reported by the package reader with its reason
        return {}
    try:
        if INSTRUCTIONS_SHEET not in book.sheetnames:
            return {}
        facts: dict[str, str] = {}
        # the value is the first filled cell right of its label (the template leaves a column between them)
        for row in book[INSTRUCTIONS_SHEET].iter_rows(min_row=1, max_row=30, max_col=4, values_only=True):
            label = str(row[0] or "").strip() if row else ""
            value = next((cell for cell in row[1:] if cell is not None and str(cell).strip()), None)
            if label in _TEMPLATE_FACTS and value is not None:
                facts.setdefault(_TEMPLATE_FACTS[label], str(value).strip())
        return facts
    finally:
        book.close()


def _year(text: str, source: str) -> int:
    try:
        year = int(str(text).strip())
    except ValueError:
        year = 0
    if not 2003 <= year <= 2100:
        raise UploadRefused(400, f"审计年度「{text}」无效，请填写 2003 至 2100 之间的年份（{source}）",
                            f"audit year {text!r} is not a year between 2003 and 2100 ({source})")
    return year


def _reconcile(picked_office: str, picked_year: str, found_office: str, found_year: str,
               source: str) -> tuple[str, int]:
    """The office and year of the upload: what the package says, which must agree with what was picked."""
    office = found_office or picked_office
    if not office:
        raise UploadRefused(400, "请选择报送机构（或上传带清单 manifest.yaml 的数据包）",
                            "pick the office (or upload a package with its manifest.yaml)")
    if picked_office and found_office and picked_office != found_office:
        raise UploadRefused(422, f"机构编号不一致：页面选择的是 {picked_office}，而{source}写的是 {found_office}；"
                                 "请选择正确的机构，或上传本机构的数据",
                            f"wrong office: {picked_office} was picked but {source} says {found_office}")
    year_text = found_year or picked_year
    if not year_text:
        raise UploadRefused(400, "请选择审计年度", "pick the audit year")
    year = _year(year_text, source)
    if picked_year and found_year and _year(picked_year, "页面") != year:
        raise UploadRefused(422, f"审计年度不一致：页面选择的是 {picked_year} 年，而{source}写的是 {year} 年",
                            f"wrong year: {picked_year} was picked but {source} says {year}")
    return office, year


def _write_manifest(folder: Path, office: str, year: int) -> None:
    document = {"office_id": office, "year": year, "title": f"{office} {year} 年度报送（工作台上传）"}
    (folder / "manifest.yaml").write_text("# 由 westaudit 工作台生成 written by the westaudit workspace\n"
                                          + yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")


def _manifest_facts(folder: Path) -> tuple[str, str]:
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            try:
                manifest = load_manifest(folder / name)
            except InputError as exc:
                raise UploadRefused(422, f"数据包清单（{name}）格式有误：{exc.message}",
                                    f"malformed manifest {name}: {exc.message}", name) from exc
            return manifest.office_id, str(manifest.year)
    return "", ""


def stage_upload(files: list[ReceivedFile], picked_office: str, picked_year: str, folder: Path,
                 limits: ArchiveLimits) -> StagedPackage:
    """Turn the received files into a package folder `folder` (created here); raises UploadRefused."""
    if not files:
        raise UploadRefused(400, "没有收到文件：请把填好的工作簿、压缩包或 CSV 文件拖到上传区",
                            "no file received: drop the workbook, zip or CSV files onto the page")
    kinds = [_kind(f) for f in files]
    if "zip-like" in kinds:
        bad = files[kinds.index("zip-like")]
        raise UploadRefused(415, "不是可读取的文件：请上传 .xlsx 工作簿、.zip 压缩包或 CSV 文件（Word、PPT 等文件不能读取）",
                            "not an .xlsx workbook, a .zip package or CSV files", bad.name)
    try:
        if "zip" in kinds:
            if len(files) > 1:
                raise UploadRefused(400, "一次只能上传一个压缩包（其中放整个数据包）",
                                    "upload one zip at a time (holding the whole package)")
            extract_zip(files[0].path, folder / "unpacked", limits, files[0].name)
            package = single_top_folder(folder / "unpacked")
            kind = "zip"
        else:
            package = folder / "package"
            package.mkdir(parents=True)
            for file in files:
                shutil.copyfile(file.path, package / file.name)
            kind = "workbook" if kinds == ["workbook"] else "files"
        for workbook in sorted(package.glob("*.xls[xm]")):
            check_workbook(workbook, limits, workbook.name)
    except ArchiveRefused as exc:
        raise _refused_archive(exc) from exc
    data = sorted(p.name for p in package.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
    if not data:
        raise UploadRefused(422, "压缩包中没有数据表（.csv 或 .xlsx 文件）", "the package holds no table (.csv or .xlsx)")
    found_office, found_year = _manifest_facts(package)
    source = "数据包清单"
    if not found_office:
        facts = {}
        for workbook in sorted(package.glob("*.xlsx")):
            facts = template_facts(workbook)
            if facts:
                source = f"工作簿 {workbook.name} 的「{INSTRUCTIONS_SHEET}」页"
                break
        found_office, found_year = facts.get("office_id", ""), facts.get("year", "")
    office, year = _reconcile(picked_office.strip(), picked_year.strip(), found_office, found_year, source)
    if not any((package / name).is_file() for name in MANIFEST_NAMES):
        _write_manifest(package, office, year)
    return StagedPackage(package, office, year, kind, tuple(data))

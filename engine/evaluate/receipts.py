"""Self-check receipts: `westaudit check` leaves one beside the package, the supervisor's audit reads it back.

A receipt records which files were checked (one sha256 each, and one checksum over them all), under which
rule set, when, for which office, and with what result. It never covers itself: the checksum is over the
files the package loader reads (the manifest and every CSV/XLSX), so the receipt can sit in the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

from westaudit.core.errors import InputError, SpecError, SpecProblem
from westaudit.core.results import Status
from westaudit.core.submission import RECEIPT_NAME, ReceiptCheck, ReceiptState
from westaudit.intake.package_files import InputFile, package_files
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

if TYPE_CHECKING:
    from westaudit.evaluate.audit import AuditReport
    from westaudit.intake.package import Package

RECEIPT_FORMAT = 1
_SHA256 = r"^[0-9a-f]{64}$"


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    receipt_format: Literal[1]
    package_checksum: str = Field(pattern=_SHA256)
    files: dict[str, str] = Field(min_length=1, description="file name -> sha256")
    ruleset_version: str = Field(min_length=1)
    checked_at: dt.datetime
    office_id: str = Field(min_length=1)
    year: int = Field(ge=2003, le=2100)
    summary: dict[Status, NonNegativeInt]
    failing_rules: tuple[str, ...] = ()
    rows_rejected: NonNegativeInt = 0


def package_checksum(files: tuple[InputFile, ...]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\t{file.sha256}\n".encode())
    return digest.hexdigest()


def receipt_for(package: Package, report: AuditReport, office_id: str) -> Receipt:
    files = package_files(package)
    own = [r for r in report.results if r.office_id == office_id]
    return Receipt(
        receipt_format=RECEIPT_FORMAT, package_checksum=package_checksum(files),
        files={f.name: f.sha256 for f in files}, ruleset_version=report.ruleset_version,
        checked_at=dt.datetime.now(dt.UTC).replace(microsecond=0), office_id=office_id, year=report.year,
        summary={status: sum(r.status is status for r in own) for status in Status},
        failing_rules=tuple(sorted({r.rule_id for r in own if r.status is Status.FAIL})),
        rows_rejected=len(report.rejected))


def write_receipt(package: Package, report: AuditReport, office_id: str) -> Path:
    receipt = receipt_for(package, report, office_id)
    document = receipt.model_dump(mode="json")
    header = ("# westaudit 自查回执 self-check receipt: written by `westaudit check`; the supervisor's audit\n"
              "# compares these checksums with the package it receives. Do not edit: check again instead.\n")
    path = package.path / RECEIPT_NAME
    try:
        path.write_text(header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot write the self-check receipt ({exc.strerror}); "
                                    "check a writable copy, or pass --no-receipt",
                         message_zh=f"无法写入自查回执（{exc.strerror}）：请复制到可写的文件夹再自查，"
                                    "或加 --no-receipt 不写回执") from exc
    return path


def read_receipt(folder: Path) -> Receipt | None:
    """The package's receipt, or None when it has none; a malformed receipt is a SpecError naming the field."""
    path = folder / RECEIPT_NAME
    if not path.is_file():
        return None
    node = load_yaml(path)
    problems: list[SpecProblem] = []
    receipt = parse_model(Receipt, node, str(path), "", problems)
    if receipt is None:
        # pydantic places a bad mapping key at "<field>.<key>.[key]": the key is the field to point at
        raise SpecError([SpecProblem(p.file, p.line, p.field and p.field.removesuffix(".[key]"),
                                     f"malformed self-check receipt: {p.message}") for p in problems])
    return receipt


def check_receipt(package: Package, ruleset_version: str, files: tuple[InputFile, ...] | None = None) -> ReceiptCheck:
    """Whether the package as received is the one its receipt describes (files: its input files, if hashed)."""
    receipt = read_receipt(package.path)
    if receipt is None:
        return ReceiptCheck(ReceiptState.ABSENT)
    files = package_files(package) if files is None else files
    now = {f.name: f.sha256 for f in files}
    changed = sorted(name for name in now.keys() | receipt.files.keys() if now.get(name) != receipt.files.get(name))
    matches = package_checksum(files) == receipt.package_checksum and not changed
    return ReceiptCheck(
        ReceiptState.MATCHES if matches else ReceiptState.CHANGED, RECEIPT_NAME, receipt.office_id,
        receipt.checked_at.isoformat(), receipt.ruleset_version, receipt.ruleset_version == ruleset_version,
        tuple((status.value, receipt.summary.get(status, 0)) for status in Status),
        receipt.failing_rules, tuple(changed))

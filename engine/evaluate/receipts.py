"""Self-check receipts: `westaudit check` leaves one beside the package, the supervisor's audit reads it back.

A receipt records which files were checked (one sha256 each, and one checksum over them all), under which
rule set, when, for which office, and with what result: the office's own counts and, since format 2, those of
every office judged with it (the self-check covers its subtree: a county and its service units). It never
covers itself: the checksum is over the files the package loader reads (the manifest and every CSV/XLSX), so
the receipt can sit in the folder. Receipts of format 1 (the office's own results only) are still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationInfo, field_validator

from westaudit.core.errors import InputError, SpecError, SpecProblem
from westaudit.core.results import Status
from westaudit.core.submission import RECEIPT_NAME, ReceiptCheck, ReceiptOffice, ReceiptState
from westaudit.intake.orgchart import top_down
from westaudit.intake.package_files import InputFile, package_files
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

if TYPE_CHECKING:
    from westaudit.evaluate.audit import AuditReport
    from westaudit.intake.package import Package

# 2: `offices` lists every office the self-check judged (1: the office's own results only, still read)
RECEIPT_FORMAT = 2
_SHA256 = r"^[0-9a-f]{64}$"


class OfficeJudged(BaseModel):
    """One office of the self-checked subtree and its own results."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    office_id: str = Field(min_length=1)
    summary: dict[Status, NonNegativeInt]
    failing_rules: tuple[str, ...] = ()


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    receipt_format: Literal[1, 2]
    package_checksum: str = Field(pattern=_SHA256)
    files: dict[str, str] = Field(min_length=1, description="file name -> sha256")
    ruleset_version: str = Field(min_length=1)
    checked_at: dt.datetime
    office_id: str = Field(min_length=1)
    year: int = Field(ge=2003, le=2100)
    # the self-checked office's own results (as in format 1, so an older reader's fields keep their meaning)
    summary: dict[Status, NonNegativeInt]
    failing_rules: tuple[str, ...] = ()
    rows_rejected: NonNegativeInt = 0
    # format 2: every office judged, the self-checked office first, then its subtree down the hierarchy
    offices: tuple[OfficeJudged, ...] = Field(default=(), validate_default=True)

    @field_validator("offices")
    @classmethod
    def _offices_agree_with_the_office(cls, offices: tuple[OfficeJudged, ...],
                                       info: ValidationInfo) -> tuple[OfficeJudged, ...]:
        """Format 1 lists none; format 2 lists the self-checked office first, as its summary says, and no office
        twice (a receipt edited by hand is refused rather than shown to the supervisor)."""
        if not {"receipt_format", "office_id", "summary", "failing_rules"} <= info.data.keys():
            return offices  # one of them is malformed itself: its own error says what to fix
        if info.data["receipt_format"] == 1:
            if offices:
                raise ValueError("a receipt of format 1 lists no offices (format 2 does)")
            return offices
        office = info.data["office_id"]
        if not offices or offices[0].office_id != office:
            raise ValueError(f"a receipt of format 2 lists the self-checked office {office} first")
        if (offices[0].summary, offices[0].failing_rules) != (info.data["summary"], info.data["failing_rules"]):
            raise ValueError(f"the entry of {office} differs from summary and failing_rules")
        ids = [entry.office_id for entry in offices]
        if len(set(ids)) != len(ids):
            raise ValueError("an office is listed twice")
        return offices

    def judged(self) -> tuple[OfficeJudged, ...]:
        """Every office the self-check judged with its own results (format 1: the office alone)."""
        if self.offices:
            return self.offices
        return (OfficeJudged(office_id=self.office_id, summary=self.summary, failing_rules=self.failing_rules),)


def package_checksum(files: tuple[InputFile, ...]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\t{file.sha256}\n".encode())
    return digest.hexdigest()


def receipt_for(package: Package, report: AuditReport, office_id: str) -> Receipt:
    """The receipt of a self-check of office_id's subtree (report: run_audit(..., subtree_of=office_id))."""
    files = package_files(package)
    by_office: dict[str, list] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    judged = set(report.scope)
    offices = tuple(OfficeJudged(
        office_id=office, summary={status: sum(r.status is status for r in by_office.get(office, ())) for status in Status},
        failing_rules=tuple(sorted({r.rule_id for r in by_office.get(office, ()) if r.status is Status.FAIL})))
        for office in top_down(report.offices, office_id) if office in judged)
    own = offices[0]
    return Receipt(
        receipt_format=RECEIPT_FORMAT, package_checksum=package_checksum(files),
        files={f.name: f.sha256 for f in files}, ruleset_version=report.ruleset_version,
        checked_at=dt.datetime.now(dt.UTC).replace(microsecond=0), office_id=office_id, year=report.year,
        summary=own.summary, failing_rules=own.failing_rules, rows_rejected=len(report.rejected), offices=offices)


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
                                     f"自查回执格式有误，请重新自查 malformed self-check receipt: {p.message}") for p in problems])
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
        _counts(receipt.summary), receipt.failing_rules, tuple(changed),
        tuple(ReceiptOffice(office.office_id, _counts(office.summary), office.failing_rules)
              for office in receipt.judged()))


def _counts(summary: dict[Status, int]) -> tuple[tuple[str, int], ...]:
    return tuple((status.value, summary.get(status, 0)) for status in Status)

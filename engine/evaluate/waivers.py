"""Waivers: approved exceptions that turn a finding into `waived`, validated on load like rules.

A waiver file belongs to a deployment, not to the rule set: `--waivers FILE`, else $WESTAUDIT_WAIVERS,
else ~/.westaudit/waivers.yaml when it exists. A malformed file is refused (exit 2, file:line:field);
a waiver that is expired or names a rule or office the audit does not know is reported as a notice,
and an expired waiver also says so in the finding it no longer covers (docs/store.md).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from westaudit.core.errors import SpecError, UsageError
from westaudit.core.results import Result, Status
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import line_of, load_yaml

if TYPE_CHECKING:  # the workspace reads waivers at start-up, before the audit's libraries (pandas) are loaded
    from westaudit.evaluate.audit import AuditReport

WAIVERS_ENV = "WESTAUDIT_WAIVERS"
# only what calls for action can be waived; a pass needs no exception and missing data needs the data
WAIVABLE = (Status.FAIL, Status.WARN)


class WaiverModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(min_length=1)
    office: str = Field(min_length=1)
    evidence: tuple[str, ...] = Field(default=(), description="keys of the evidence rows covered; empty: all")
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1, description="the approving office")
    approved_on: dt.date
    expires_on: dt.date

    @model_validator(mode="after")
    def _expires_after_approval(self) -> WaiverModel:
        if self.expires_on < self.approved_on:
            raise ValueError("expires_on is before approved_on")
        return self


class WaiverFileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[WaiverModel]


@dataclass(frozen=True)
class Waiver:
    rule: str
    office: str
    evidence: tuple[str, ...]
    reason: str
    approved_by: str
    approved_on: dt.date
    expires_on: dt.date
    file: str
    line: int | None
    # the approving account, for a waiver granted in the shared workspace (engine/workspace/waivers.py); a
    # waiver of the file names its approving office only
    approver: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def approved_by_text(self) -> str:
        return f"{self.approved_by} {self.approver}" if self.approver else self.approved_by

    def expired(self, on: dt.date) -> bool:
        return self.expires_on < on


@dataclass(frozen=True)
class WaiverNotice:
    """A waiver that did not apply as written: expired, or naming a rule or office the audit does not know."""

    where: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message_zh} / {self.message_en}"


def waiver_file(requested: Path | None) -> Path | None:
    if requested is not None:
        if not requested.is_file():
            raise UsageError(f"waiver file {requested} does not exist")
        return requested
    if os.environ.get(WAIVERS_ENV):
        return waiver_file(Path(os.environ[WAIVERS_ENV]))
    default = Path.home() / ".westaudit" / "waivers.yaml"
    return default if default.is_file() else None


def load_waivers(path: Path) -> tuple[Waiver, ...]:
    node = load_yaml(path)
    problems = []
    parsed = parse_model(WaiverFileModel, node, str(path), "", problems)
    if parsed is None:
        raise SpecError(problems)
    items = node["waivers"]
    return tuple(Waiver(**w.model_dump(), file=str(path), line=line_of(item))
                 for w, item in zip(parsed.waivers, items, strict=True))


def _covers(waiver: Waiver, result: Result) -> bool:
    """A waiver naming evidence rows covers a finding only while every row behind it is one of them."""
    if not waiver.evidence:
        return True
    keys = {e.key for e in result.evidence}
    return bool(keys) and result.evidence_total == len(result.evidence) and keys <= set(waiver.evidence)


def _waived(result: Result, waiver: Waiver) -> Result:
    return replace(
        result, status=Status.WAIVED,
        message_zh=f"已豁免：{waiver.reason}（{waiver.approved_by_text} 于 {waiver.approved_on} 批准，"
                   f"有效期至 {waiver.expires_on}）；原结论：{result.message_zh}",
        message_en=f"waived: {waiver.reason} (approved by {waiver.approved_by_text} on {waiver.approved_on}, "
                   f"until {waiver.expires_on}); finding: {result.message_en}")


def _expired_note(result: Result, waiver: Waiver) -> Result:
    return replace(result, message_zh=f"{result.message_zh}（豁免已于 {waiver.expires_on} 到期，{waiver.where}）",
                   message_en=f"{result.message_en} (waiver expired on {waiver.expires_on}, {waiver.where})")


def _unknown_notices(report: AuditReport, waivers: tuple[Waiver, ...], on: dt.date) -> list[WaiverNotice]:
    rule_ids = {rule.id for rule in report.rules}
    found = []
    for waiver in waivers:
        if waiver.rule not in rule_ids:
            found.append(WaiverNotice(waiver.where, f"豁免所指规则 {waiver.rule} 不存在",
                                      f"waiver names unknown rule {waiver.rule!r}"))
        if waiver.office not in report.offices:
            found.append(WaiverNotice(waiver.where, f"豁免所指机构 {waiver.office} 不在本次报送的组织机构中",
                                      f"waiver names office {waiver.office!r}, not in this package's offices"))
        if waiver.expired(on):
            found.append(WaiverNotice(waiver.where, f"豁免（{waiver.rule} @ {waiver.office}）已于 {waiver.expires_on} 到期",
                                      f"waiver ({waiver.rule} @ {waiver.office}) expired on {waiver.expires_on}"))
    return found


def apply_waivers(report: AuditReport, waivers: tuple[Waiver, ...],
                  on: dt.date) -> tuple[AuditReport, tuple[WaiverNotice, ...]]:
    """A new report whose covered findings are `waived`, and the notices about waivers that did not apply."""
    notices = _unknown_notices(report, waivers, on)
    by_finding: dict[tuple[str, str], list[Waiver]] = {}
    for waiver in waivers:
        by_finding.setdefault((waiver.rule, waiver.office), []).append(waiver)
    changed = []
    for result in report.results:
        candidates = by_finding.get((result.rule_id, result.office_id), [])
        if result.status not in WAIVABLE or not candidates:
            changed.append(result)
            continue
        valid = [w for w in candidates if not w.expired(on)]
        covering = next((w for w in valid if _covers(w, result)), None)
        if covering:
            changed.append(_waived(result, covering))
        elif valid:
            changed.append(result)
            notices.append(WaiverNotice(valid[0].where, f"{result.rule_id} @ {result.office_id} 出现豁免未列出的证据行，不予豁免",
                                        f"{result.rule_id} @ {result.office_id} has evidence rows the waiver does "
                                        "not list; not waived"))
        else:
            changed.append(_expired_note(result, candidates[0]))
    return replace(report, results=tuple(changed)), tuple(notices)

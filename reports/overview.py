"""The HTML overview of one audit: per office, each duty in article order with its status and evidence."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from westaudit.audit import AuditReport
from westaudit.orgchart import OFFICE_CODES_ZH
from westaudit.results import STATUS_ZH, Result, Status


@dataclass(frozen=True)
class OfficeSection:
    office_id: str
    name: str
    level: str
    results: tuple[Result, ...]

    @property
    def failed(self) -> int:
        return sum(r.status is Status.FAIL for r in self.results)

    @property
    def compliance(self) -> float | None:
        judged = [r for r in self.results if r.status in (Status.PASS, Status.FAIL)]
        return sum(r.status is Status.PASS for r in judged) / len(judged) if judged else None


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("westaudit.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(STATUS_ZH=STATUS_ZH, OFFICE_CODES_ZH=OFFICE_CODES_ZH)
    return env


def sections(report: AuditReport) -> list[OfficeSection]:
    by_office: dict[str, list[Result]] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    return [OfficeSection(o, report.offices[o].name, report.offices[o].level, tuple(by_office[o]))
            for o in report.scope if o in by_office]


def write_overview(report: AuditReport, path: Path) -> None:
    rules = {rule.id: rule for rule in report.rules}
    html = _environment().get_template("overview.html.j2").render(
        report=report, sections=sections(report), rules=rules, Status=Status)
    path.write_text(html, encoding="utf-8")

"""One office's report: an HTML page, the same in Markdown, and the full evidence list as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from westaudit import progress

from .model import AuditView, OfficeView
from .render import html_environment, markdown_environment
from .safety import neutralise

EVIDENCE_SAMPLE = 10
EVIDENCE_HEADER = ("规则编号", "条款", "结论", "文件", "行", "编号", "原因", "内容")


def evidence_csv_name(office: OfficeView) -> str:
    return f"{office.slug}.evidence.csv"


def write_evidence_csv(view: AuditView, office: OfficeView, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EVIDENCE_HEADER)
        for result in office.results:
            rule = view.rules[result.rule_id]
            for row in result.evidence:
                values = "；".join(f"{name}={value}" for name, value in row.values)
                writer.writerow([neutralise(v) for v in (
                    result.rule_id, f"{rule.office}-{rule.article:02d}", result.status.value, row.source_file,
                    row.source_row, row.key, row.reason, values)])


def _ancestors(view: AuditView, office: OfficeView) -> list[OfficeView]:
    chain, parent = [], office.office.parent_id
    while parent in view.offices:
        chain.append(view.offices[parent])
        parent = view.offices[parent].office.parent_id
    return chain[::-1]


def _context(view: AuditView, office: OfficeView) -> dict:
    office_id = office.office.office_id
    ranking = (view.ranked(view.subtree_at_level(office_id, "county"))
               if office.office.level in ("province", "prefecture") else [])
    return {
        "report": view.report, "rules": view.rules, "office": office, "ancestors": _ancestors(view, office),
        "children": [view.offices[c] for c in view.children.get(office_id, [])], "county_ranking": ranking,
        "evidence_limit": EVIDENCE_SAMPLE, "evidence_csv": evidence_csv_name(office),
        "package": view.report.package_of(office_id),
    }


def write_office_pages(view: AuditView, folder: Path, lang: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    html = html_environment(lang).get_template("office.html.j2")
    markdown = markdown_environment(lang).get_template("office.md.j2")
    shown = progress.current()
    for done, office in enumerate(view.offices.values(), start=1):
        shown.step("office pages", done, len(view.offices))
        context = _context(view, office)
        (folder / f"{office.slug}.html").write_text(html.render(context), encoding="utf-8")
        (folder / f"{office.slug}.md").write_text(markdown.render(context), encoding="utf-8")
        write_evidence_csv(view, office, folder / evidence_csv_name(office))

"""One office's report: an HTML page, its findings in Markdown, and the full evidence list as CSV."""

from __future__ import annotations

import os
from pathlib import Path

from westaudit.core.results import Status
from westaudit.runtime import progress
from westaudit.runtime.parallel import SharedCursor

from .duties_page import DUTIES_HTML
from .fragments import OfficeFragments
from .model import AuditView, OfficeView, Verdict, evidence_values_text
from .render import html_environment, markdown_environment
from .safety import mask_bytes, neutralise

EVIDENCE_SAMPLE = 10
# an office page lists the findings of the offices below it when they are this few (a county and its service
# units, say); a province's page links to its offices instead
MAX_OFFICES_BELOW_LISTED = 50
# shown on a page as a status: an office with one of these gets a page however its other duties went, and a
# Markdown page (for Word and e-mail: what it is to act on); an office above it gets its page only
WORTH_A_PAGE = frozenset({Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA, Status.WAIVED})
EVIDENCE_HEADER = ("规则编号", "条款", "结论", "文件", "行", "编号", "原因", "内容")


def evidence_csv_name(office: OfficeView) -> str:
    return f"{office.slug}.evidence.csv"


def _csv_field(value: object) -> str:
    """A field as csv.writer's default (Excel) dialect writes it; the csv module is slow on long Chinese text."""
    text = "" if value is None else str(value)
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: list[object]) -> str:
    texts = ["" if value is None else str(value) for value in values]
    line = ",".join(texts)
    # one look at the whole line: fields that need quotes are rare
    if line.count(",") == len(texts) - 1 and '"' not in line and "\n" not in line and "\r" not in line:
        return line + "\r\n"
    return ",".join([_csv_field(text) for text in texts]) + "\r\n"


def write_evidence_csv(view: AuditView, office: OfficeView, path: Path) -> None:
    lines = [csv_line(list(EVIDENCE_HEADER))]
    for result in office.results:
        if not result.evidence:
            continue
        rule = view.rules[result.rule_id]
        # ours (rule, article, status) need no neutralising; what the package sent does
        ours = ",".join([_csv_field(result.rule_id), f"{rule.office}-{rule.article:02d}", result.status.value, ""])
        lines.extend(ours + csv_line([neutralise(row.source_file), row.source_row, neutralise(row.key),
                                      neutralise(row.reason), neutralise(evidence_values_text(row))])
                     for row in result.evidence)
    _write(path, "".join(lines), bom=True)


def _write(path: Path | str, text: str, bom: bool = False) -> None:
    """Encoded in one go: 90,000 files at national scale, and a text file object costs more than the writing."""
    # personal numbers typed into any text, keys included, masked (engine/core/personal_numbers.py)
    data = mask_bytes(text.encode("utf-8"))
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + data if bom else data)


def _ancestors(view: AuditView, office: OfficeView) -> list[OfficeView]:
    chain, parent = [], office.office.parent_id
    while parent in view.offices:
        chain.append(view.offices[parent])
        parent = view.offices[parent].office.parent_id
    return chain[::-1]


def _context(view: AuditView, office: OfficeView, fragment: OfficeFragments) -> dict:
    office_id = office.office.office_id
    ranking = (view.ranked(view.subtree_at_level(office_id, "county"))
               if office.office.level in ("province", "prefecture") else [])
    below = view.descendants(office_id)
    below_findings = ([f for o in below for f in view.findings_of(view.offices[o])]
                      if len(below) <= MAX_OFFICES_BELOW_LISTED else [])
    return {
        "report": view.report, "rules": view.rules, "view": view, "office": office,
        "ancestors": _ancestors(view, office), "verdict": view.verdict_of(office),
        "findings": view.findings_of(office), "below_findings": below_findings,
        "below_verdict": Verdict.of(below_findings),
        "children": [view.offices[c] for c in view.children.get(office_id, [])], "county_ranking": ranking,
        "evidence_limit": EVIDENCE_SAMPLE, "package": view.package_of(office_id), "fragment": fragment,
        "asset_root": "../", "duties_href": f"../{DUTIES_HTML}", "markdown": has_markdown(office),
        "evidence_csv": evidence_csv_name(office) if has_evidence(office) else None,
    }


def has_markdown(office: OfficeView) -> bool:
    """Only an office with something of its own to act on gets a Markdown page: a clean one would repeat its
    HTML page's rows of passes."""
    return any(result.status in WORTH_A_PAGE for result in office.results)


def has_evidence(office: OfficeView) -> bool:
    """An office gets its evidence file where its page cuts a finding's evidence short (more than EVIDENCE_SAMPLE
    rows): elsewhere the page shows every row, and so does findings.xlsx's 证据行 sheet. At N=1 that is 88 files
    instead of 5,137, and this machine's file system costs about 0.3 ms of system time a file created."""
    return any(len(result.evidence) > EVIDENCE_SAMPLE for result in office.results)


def paged_offices(view: AuditView) -> list[OfficeView]:
    return [office for office in view.offices.values() if view.has_page(office)]


def write_office_pages(view: AuditView, folder: Path, lang: str, share: SharedCursor | None = None) -> None:
    """The pages of every office that has one (view.paged), or with `share` the chunks of them this process claims
    from it (a forked worker claims the others)."""
    folder.mkdir(parents=True, exist_ok=True)
    html_env, markdown_env = html_environment(lang), markdown_environment(lang)
    html, markdown = html_env.get_template("office.html.j2"), markdown_env.get_template("office.md.j2")
    html_parts = OfficeFragments(html_env, "html", view.rules, EVIDENCE_SAMPLE)
    markdown_parts = OfficeFragments(markdown_env, "md", view.rules, EVIDENCE_SAMPLE)
    shown = progress.current()
    base = os.fspath(folder)
    offices = paged_offices(view)
    chunks = share.claims() if share is not None else [range(len(offices))]
    for chunk in chunks:
        for index in chunk:
            office = offices[index]
            shown.step("office pages", index + 1, len(offices))
            path = os.path.join(base, office.slug)
            _write(f"{path}.html", html.render(_context(view, office, html_parts)))
            if has_markdown(office):
                _write(f"{path}.md", markdown.render(_context(view, office, markdown_parts)))
            if has_evidence(office):
                write_evidence_csv(view, office, os.path.join(base, evidence_csv_name(office)))

"""Everything an audit writes for people and pipelines, in one folder:

    index.html            roll-up along the hierarchy: every office with its figures, linking those with a page
    offices/<id>.html     per-office report, by default only for offices with something to act on and the offices
                          above them (pages_for); offices/<id>.md its findings in Markdown, for an office with
                          something to act on; offices/<id>.evidence.csv its full evidence list, where the page cuts
                          a finding's evidence short (office_pages.has_evidence)
    duties.html           every duty article once, with its text and value bases: an office page's passes link it
    evaluation.html|.md   national annual evaluation (national article 16)
    report.css, report.js the style and scripts every page links (one copy, not one per page)
    findings.xlsx         every finding, one sheet per office level; junit.xml for pipelines
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import pandas as pd

from westaudit.evaluate.audit import AuditReport
from westaudit.intake.rectification import RectificationEntry
from westaudit.runtime import progress
from westaudit.runtime.heap import collector_relaxed
from westaudit.runtime.parallel import ForkedCall, SharedCursor, can_share
from westaudit.spec.ruleset import Article

from .duties_page import DUTIES_HTML, write_duties
from .evaluation import evaluate
from .evaluation_page import write_evaluation
from .junit import write_junit
from .messages import LEVEL_ORDER
from .model import AuditView, ScopeVerdict, Score
from .office_pages import EVIDENCE_SAMPLE, WORTH_A_PAGE, paged_offices, write_office_pages
from .render import html_environment, static_text
from .safety import mask_text
from .workbook import write_workbook

FINDINGS_XLSX, JUNIT_XML, REPORT_JSON = "findings.xlsx", "junit.xml", "report.json"
# which offices get a page: those with something to say and the offices above them (default), every office, none
PAGES = ("findings", "all", "none")
# the files every page links, each made of these templates/ files
ASSETS = {"report.css": ("report.css",), "report.js": ("sort.js", "filter.js")}
# below this many offices a worker costs more to start than it saves
MIN_OFFICES_FOR_WORKER = 500
OFFICES_PER_CLAIM = 50


def pages_for(view: AuditView, pages: str) -> frozenset[str] | None:
    """The offices written a page (None: every office). `findings`: each office with a result to act on or
    waived, every office above it (so crumbs and links up the hierarchy resolve) and the submitting office,
    whose page opens the site; the others are listed on the index with their figures, without a page."""
    if pages not in PAGES:
        raise ValueError(f"pages: {pages!r} is not one of {PAGES}")
    if pages == "all":
        return None
    if pages == "none":
        return frozenset()
    wanted = {view.report.submitting_office} & set(view.offices)
    for office_id, office in view.offices.items():
        if office_id in wanted or not any(r.status in WORTH_A_PAGE for r in office.results):
            continue
        current: str | None = office_id
        while current in view.offices and current not in wanted:
            wanted.add(current)
            current = view.offices[current].office.parent_id
    return frozenset(wanted)


def write_assets(out: Path) -> None:
    for name, parts in ASSETS.items():
        (out / name).write_text("\n".join(static_text(part) for part in parts), encoding="utf-8")


def write_index(view: AuditView, path: Path, lang: str, extra: Mapping | None = None) -> None:
    roots = [o for o in view.offices if view.offices[o].depth == 0]
    levels = [(level, view.ranked([v.office.office_id for v in view.at_level(level)])) for level in LEVEL_ORDER]
    html = html_environment(lang).get_template("index.html.j2").render(
        report=view.report, view=view, roots=roots, levels=[(lvl, vs) for lvl, vs in levels if vs],
        total=Score.of(view.report.results), scope_verdict=ScopeVerdict.of(view), evaluation_href="evaluation.html", duties_href=DUTIES_HTML,
        evidence_limit=EVIDENCE_SAMPLE,
        data_files=[(name, name) for name in (REPORT_JSON, FINDINGS_XLSX, JUNIT_XML)], asset_root="",
        pages_written=len(paged_offices(view)), **(extra or {}))
    path.write_text(mask_text(html), encoding="utf-8")


def write_site(report: AuditReport, articles: dict[tuple[str, int], Article], tables: Mapping[str, pd.DataFrame],
               out: Path, lang: str, index_extra: Mapping | None = None,
               rectification: Mapping[tuple[str, str], RectificationEntry] | None = None,
               pages: str = "findings") -> Path:
    """Writes every human and pipeline output except report.json (the command writes that); returns index.html.

    index_extra: more context for the index, e.g. `since_last_audit` for the audit store's section.
    rectification: the lists offices sent back (intake/rectification.py), shown beside their findings.
    pages: which offices get a page (PAGES, pages_for).
    """
    with collector_relaxed():
        view = AuditView(report, articles, rectification)
        view.paged = pages_for(view, pages)
        out.mkdir(parents=True, exist_ok=True)
        progress.current().stage("报告 reports")
        write_assets(out)
        # Office pages are most of the work (30,000 offices nationally): a forked worker starts on them at once,
        # this process joins it once the other outputs are written; both claim chunks of offices as they go.
        paged = len(paged_offices(view))
        share = SharedCursor(paged, OFFICES_PER_CLAIM)
        worker = (ForkedCall(partial(write_office_pages, view, out / "offices", lang, share))
                  if paged >= MIN_OFFICES_FOR_WORKER and can_share() else nullcontext())
        with worker:
            write_evaluation(view, evaluate(view, tables), out, lang, with_site=True)
            write_duties(view, out, lang)
            write_workbook(view, out / FINDINGS_XLSX)
            write_junit(view, out / JUNIT_XML)
            write_index(view, out / "index.html", lang, index_extra)
            write_office_pages(view, out / "offices", lang, share)
            if isinstance(worker, ForkedCall):
                worker.result()
    return out / "index.html"


def write_evaluation_only(report: AuditReport, articles: dict[tuple[str, int], Article],
                          tables: Mapping[str, pd.DataFrame], out: Path, lang: str) -> Path:
    view = AuditView(report, articles)
    return write_evaluation(view, evaluate(view, tables), out, lang, with_site=False)

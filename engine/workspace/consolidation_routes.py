"""The supervisor's consolidation pages of the shared workspace.

    GET  /consolidations                              the account's subtree's consolidations; the form to start one
    POST /consolidations                              审核: start one of the account's own office (form year): a job
    GET  /consolidations/{id}                         its state and progress (the page refreshes while it runs); when
                                                      done, every office judged with its counts, the offices missing
    GET  /consolidations/{id}/offices/{office_id}     one office's results, rendered from the audit store
    GET  /consolidations/{id}/report/{path}           the static report (index.html, evaluation.html, report.json...)

A consolidation of an office outside the account's subtree is answered 404 like a missing one.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from westaudit.workspace.consolidation import KIND, latest_submissions, report_folder
from westaudit.workspace.csrf import checked_fields
from westaudit.workspace.jobs import DONE, STATES_ZH, JobBook
from westaudit.workspace.permissions import NotVisible, Viewer, require, subtree
from westaudit.workspace.review import NOT_SUBMITTING_LEVELS

FORM_LIMITS = {"max_files": 0, "max_fields": 5, "max_part_size": 1024}
# failures first, then what could not be judged, then the rest
STATUS_ORDER = {"fail": 0, "insufficient_data": 1, "warn": 2, "waived": 3, "not_applicable": 4, "pass": 5}


def add_consolidation_routes(app: FastAPI, desk, page) -> None:
    from westaudit.reports.messages import severity_label, status_label
    from westaudit.reports.value_basis import expected_text, measured_html

    workspace = desk.workspace
    book = JobBook(workspace.store)

    # a stored run never changes: its counts are read from the store once, not at every view of the job page
    @lru_cache(maxsize=64)
    def counts_of(run_id: int) -> dict[str, Counter]:
        return _counts(workspace.store.results_of(run_id))

    def visible_job(request: Request, job_id: int):
        job = book.get(job_id)
        if job is None or not request.state.viewer.sees(job.office_id):
            raise NotVisible
        return job

    @app.get("/consolidations")
    def consolidation_list(request: Request, year: str = "") -> Response:
        viewer: Viewer = request.state.viewer
        chosen = int(year) if year.isdigit() else workspace.default_year
        waiting = latest_submissions(desk, viewer.office_id, chosen) if chosen else []
        return page(request, "consolidations.html.j2", jobs=book.of_offices(set(viewer.offices or ())),
                    year=chosen or "", waiting=waiting, states_zh=STATES_ZH, may_start=viewer.may("review"))

    @app.post("/consolidations")
    async def start_consolidation(request: Request) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "review")
        year = (await checked_fields(request, FORM_LIMITS, "year"))["year"].strip()
        if not (year.isdigit() and len(year) == 4):
            return page(request, "missing.html.j2", 422, reason=f"年度应为四位数字，如 2025（收到「{year[:20]}」）",
                        reason_en="the year is four digits, e.g. 2025")
        job = book.request(KIND, viewer.office_id, int(year), viewer.username)
        desk.record(request, "consolidation_requested", f"job {job.job_id} {viewer.office_id} {year}")
        return RedirectResponse(f"/consolidations/{job.job_id}", status_code=303)

    @app.get("/consolidations/{job_id}")
    def consolidation(request: Request, job_id: int) -> Response:
        job = visible_job(request, job_id)
        offices, missing, before = [], [], None
        if job.state == DONE and job.run_id is not None:
            per_office = counts_of(job.run_id)
            before = _year_before(workspace.store, job)
            earlier = counts_of(before.run_id) if before is not None else {}
            offices = [(office_id, workspace.offices.get(office_id, ""), counts, earlier.get(office_id))
                       for office_id, counts in sorted(per_office.items(), key=lambda item: (
                           -item[1]["fail"], -item[1]["insufficient_data"], item[0]))
                       if request.state.viewer.sees(office_id)]
            below = subtree(job.office_id, workspace.parents) - {job.office_id}
            sent = {s.office_id for s in desk.submissions.of_offices(set(below), job.year)
                    if s.submission_id in job.submission_ids}
            missing = [(o, workspace.offices.get(o, "")) for o in sorted(below)
                       if o not in sent and workspace.levels.get(o) not in NOT_SUBMITTING_LEVELS]
        return page(request, "consolidation.html.j2", job=job, offices=offices, missing=missing, before=before,
                    report=f"/consolidations/{job.job_id}/report/index.html")

    @app.get("/consolidations/{job_id}/offices/{office_id}")
    def consolidation_office(request: Request, job_id: int, office_id: str) -> Response:
        job = visible_job(request, job_id)
        if job.state != DONE or job.run_id is None or not request.state.viewer.sees(office_id):
            raise NotVisible
        results = [r for r in workspace.store.results_of(job.run_id) if r.office_id == office_id]
        if not results:
            raise NotVisible
        results.sort(key=lambda r: (STATUS_ORDER.get(str(r.status), 9), r.rule_id))
        rules = {r.rule_id: workspace.ruleset.by_id(r.rule_id) for r in results}
        return page(request, "consolidation_office.html.j2", job=job, office_id=office_id,
                    office_name=workspace.offices.get(office_id, ""), results=results, rules=rules,
                    status_label=lambda s: status_label(s, "zh"), severity_label=lambda s: severity_label(s, "zh"),
                    measured=lambda r: measured_html(r, "zh"), expected=lambda r: expected_text(r, "zh"))

    @app.get("/consolidations/{job_id}/report/{path:path}")
    def consolidation_report(request: Request, job_id: int, path: str) -> FileResponse:
        job = visible_job(request, job_id)
        root = report_folder(workspace.settings.data_dir, job.job_id).resolve()
        target = (root / (path or "index.html")).resolve()
        if job.state != DONE or root not in target.parents or not target.is_file():
            raise NotVisible
        if not target.name.endswith(".html"):
            desk.record(request, "download", f"consolidation {job_id} report/{path}")
        return FileResponse(target)



def _counts(results) -> dict[str, Counter]:
    per_office: dict[str, Counter] = {}
    for result in results:
        per_office.setdefault(result.office_id, Counter())[str(result.status)] += 1
    return per_office


def _year_before(store, job):
    """The same office's latest complete audit of the year before (the year-over-year comparison), if stored."""
    earlier = [run for run in store.runs(job.office_id) if run.complete and run.command == "audit"
               and run.year == job.year - 1 and run.only_office is None and run.submitting_office == job.office_id]
    return earlier[-1] if earlier else None

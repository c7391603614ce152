"""The supervisor's side of the shared workspace: submissions received, their states, returning one.

    GET  /submissions                        every office below the account's: state, date, receipt (filters:
                                             year, state, text); the account's own office's submissions
    GET  /submissions/{id}.zip               download a submitted package (as it was submitted)
    POST /submissions/{id}/return            审核: return the latest submission of an office below, with a comment
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from westaudit.workspace.csrf import checked_fields
from westaudit.workspace.permissions import NotVisible, Refused, Viewer, require
from westaudit.workspace.submissions import COMMENT_MAX_CHARS, STATES_ZH, office_states

# service units are checked inside their county's package; they submit nothing of their own
NOT_SUBMITTING_LEVELS = {"服务单位", "unit"}
FORM_LIMITS = {"max_files": 0, "max_fields": 5, "max_part_size": 16 * 1024}


def add_review_routes(app: FastAPI, desk, page, download) -> None:
    workspace = desk.workspace

    def visible_submission(request: Request, submission_id: int):
        submission = desk.submissions.get(submission_id)
        if submission is None or not request.state.viewer.sees(submission.office_id):
            raise NotVisible
        return submission

    @app.get("/submissions")
    def submission_list(request: Request, year: str = "", state: str = "", q: str = "") -> Response:
        viewer: Viewer = request.state.viewer
        chosen_year = int(year) if year.isdigit() else workspace.default_year
        below = {o: (workspace.offices.get(o, ""), workspace.levels.get(o, "")) for o in sorted(viewer.offices or ())
                 if o != viewer.office_id and workspace.levels.get(o) not in NOT_SUBMITTING_LEVELS}
        history = desk.submissions.of_offices(set(below) | {viewer.office_id}, chosen_year)
        latest_checks: dict[str, str] = {}
        for record in workspace.book.recent(limit=100_000, offices=frozenset(below)):
            if chosen_year is None or record.year == chosen_year:
                latest_checks.setdefault(record.office_id, record.created_at)
        states = office_states(below, chosen_year, history, latest_checks)
        counts = {code: sum(s.state == code for s in states) for code in STATES_ZH}
        text = q.strip()
        shown = [s for s in states if (not state or s.state == state)
                 and (not text or text in s.office_id or text in s.name)]
        own = [s for s in history if s.office_id == viewer.office_id]
        return page(request, "submissions.html.j2", states=shown, counts=counts, states_zh=STATES_ZH,
                    year=chosen_year or "", state=state, q=text, own=own, total=len(states))

    @app.get("/submissions/{submission_id}.zip")
    def submission_file(request: Request, submission_id: int) -> FileResponse:
        submission = visible_submission(request, submission_id)
        desk.record(request, "download", f"submission {submission_id} {submission.file_name}")
        return download(desk.submissions.path_of(submission), submission.file_name, "application/zip")

    @app.post("/submissions/{submission_id}/return")
    async def return_submission(request: Request, submission_id: int) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "review")
        comment = (await checked_fields(request, FORM_LIMITS, "comment"))["comment"].strip()[:COMMENT_MAX_CHARS]
        submission = visible_submission(request, submission_id)
        if submission.office_id == viewer.office_id:
            raise Refused("不能退回本机构自己的报送：退回由上级审核账号进行",
                          "an office cannot return its own submission: its supervisor does")
        if not comment:
            raise Refused("退回须写明原因（意见），以便报送机构整改", "a return needs a comment for the office")
        latest = desk.submissions.of_offices({submission.office_id}, submission.year)[0]
        if latest.submission_id != submission_id:
            raise Refused("这份报送已被更新的报送取代，请退回最新一份", "superseded: return the latest submission")
        desk.submissions.return_with(submission_id, comment, viewer.username)
        desk.record(request, "submission_returned", f"submission {submission_id} {submission.office_id}")
        return RedirectResponse(f"/submissions?year={submission.year}", status_code=303)

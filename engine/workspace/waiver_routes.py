"""Governed waivers in the shared workspace: an office requests one from a finding, a reviewer above decides.

    POST /checks/{id}/waivers            填报 or 报送: request a waiver of one of the check's findings (form fields
                                         rule, office, evidence (repeated: the rows it covers), reason, expires_on)
    GET  /waivers                        the subtree's waivers and their states; the requests this account decides
    POST /waivers/{id}/approve           审核 of an office above the requesting one: approve (form field comment)
    POST /waivers/{id}/refuse            审核 of an office above: refuse (comment required)

A waiver is visible to the office that requested it and every office above it, never to a sibling (404, as a
check is). Deciding needs the 审核 role and an office strictly above the requester: a county approves nothing
it asked for itself. Approved waivers apply to every later check (engine/workspace/selfcheck.py); each action is
written to the audit log.
"""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from westaudit.workspace.csrf import checked_fields, require_csrf
from westaudit.workspace.outcome import EVIDENCE_SHOWN
from westaudit.workspace.permissions import NotVisible, Refused, Viewer, require
from westaudit.workspace.waivers import (
    COMMENT_MAX_CHARS,
    REQUESTED,
    STATES_ZH,
    WaiverRecord,
    WaiverRefused,
    parse_expiry,
)

FORM_LIMITS = {"max_files": 0, "max_fields": EVIDENCE_SHOWN + 8, "max_part_size": 16 * 1024}


def add_waiver_routes(app: FastAPI, desk, page, record_of, check_page) -> None:
    workspace = desk.workspace

    def today() -> dt.date:
        return dt.date.today()

    def visible(request: Request, waiver_id: int) -> WaiverRecord:
        waiver = workspace.waivers.get(waiver_id)
        if waiver is None or not request.state.viewer.sees(waiver.requester_office):
            raise NotVisible
        return waiver

    @app.post("/checks/{check_id}/waivers")
    async def request_waiver(request: Request, check_id: str) -> Response:
        record = record_of(request, check_id)
        viewer: Viewer = request.state.viewer
        if not (viewer.may("fill") or viewer.may("submit")):
            raise Refused(f"您的账号（{viewer.roles_zh}）不能申请豁免：由本机构「填报」或「报送」账号申请",
                          "only a fill or submit account of the office requests a waiver")
        async with request.form(**FORM_LIMITS) as form:
            require_csrf(request, form)
            rule, office = str(form.get("rule") or ""), str(form.get("office") or "")
            evidence = tuple(str(key) for key in form.getlist("evidence"))
            reason, expires = str(form.get("reason") or ""), str(form.get("expires_on") or "")
        duty = next((d for d in workspace.outcome(check_id).duties
                     if d.rule_id == rule and d.office_id == office and d.waivable), None)
        if duty is None or not viewer.sees(office):
            raise Refused("这次自查没有这项可申请豁免的结论（只有不符合和提醒可以申请豁免）",
                          "this check has no such finding to waive (only fail and warn can be waived)")
        try:
            if not set(evidence) <= {place.key for place in duty.places}:
                raise WaiverRefused("所选的行不是这项结论的问题行", "the rows chosen are not this finding's rows")
            if any(w.rule_id == rule and w.office_id == office and w.state_on(today()) == REQUESTED
                   for w in workspace.waivers.of_offices({viewer.office_id})):
                raise WaiverRefused("这项结论已有待审批的豁免申请，请等待上级审批",
                                    "a request for this finding is already pending")
            waiver = workspace.waivers.request(rule, office, evidence, reason, parse_expiry(expires, today()),
                                               viewer.username, viewer.office_id, check_id)
        except WaiverRefused as refused:
            return check_page(request, record, 422, waiver_error=refused.message_zh, waiver_duty=(rule, office))
        desk.record(request, "waiver_requested", f"waiver {waiver.waiver_id} {rule} {office} check {check_id}")
        return RedirectResponse(f"/checks/{check_id}#waivers", status_code=303)

    @app.get("/waivers")
    def waiver_list(request: Request) -> Response:
        viewer: Viewer = request.state.viewer
        day = today()
        shown = workspace.waivers.of_offices(set(viewer.offices) if viewer.offices is not None else None)
        pending = [w for w in shown if viewer.may("review") and w.requester_office != viewer.office_id
                   and w.state_on(day) == REQUESTED]
        counts = {code: sum(w.state_on(day) == code for w in shown) for code in STATES_ZH}
        titles = {rule.id: rule.title_zh for rule in workspace.ruleset.rules}
        return page(request, "waivers.html.j2", waivers=shown, pending=pending, counts=counts, states_zh=STATES_ZH,
                    titles=titles, today=day, names=workspace.offices)

    async def decide(request: Request, waiver_id: int, approve: bool) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "review")
        comment = (await checked_fields(request, FORM_LIMITS, "comment"))["comment"].strip()[:COMMENT_MAX_CHARS]
        waiver = visible(request, waiver_id)
        if waiver.requester_office == viewer.office_id:
            raise Refused("不能审批本机构申请的豁免：由上级机构的审核账号审批",
                          "an office cannot decide its own waiver request: its supervisor does")
        if not approve and not comment:
            raise Refused("拒绝豁免须写明意见，以便申请机构了解原因", "a refusal needs a comment for the office")
        try:
            workspace.waivers.decide(waiver_id, approve, viewer.username, viewer.office_id, comment, today())
        except WaiverRefused as refused:
            raise Refused(refused.message_zh, refused.message_en) from None
        desk.record(request, "waiver_approved" if approve else "waiver_refused",
                    f"waiver {waiver_id} {waiver.rule_id} {waiver.office_id}")
        return RedirectResponse("/waivers", status_code=303)

    @app.post("/waivers/{waiver_id}/approve")
    async def approve_waiver(request: Request, waiver_id: int) -> Response:
        return await decide(request, waiver_id, approve=True)

    @app.post("/waivers/{waiver_id}/refuse")
    async def refuse_waiver(request: Request, waiver_id: int) -> Response:
        return await decide(request, waiver_id, approve=False)

"""Governed waivers in the shared workspace (issue 18, item 4): a county requests a waiver from a finding on its
check page, the prefecture's 审核 account approves or refuses it, the next check shows the finding 已豁免 with
who approved it and why; expiry is judged at the audit's reference date; a sibling sees and decides nothing; a
county approves nothing of its own; the YAML waivers file imports. On SQLite, and on PostgreSQL when
WESTAUDIT_TEST_POSTGRES_URL names a server.

The tests of this module run in order on one workspace: each step changes the waivers the next one sees.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import SAMPLE
from shared_workspace import (
    COUNTY,
    DATABASES,
    PASSWORD,
    PREFECTURE,
    SIBLING,
    client_of,
    create_app,
    csrf_of,
    database,
    login,
    shared_settings,
)
from westaudit.cli import main
from westaudit.workspace.waivers import APPROVED, EXPIRED, REFUSED, REQUESTED, WaiverRecord
from workspace_packages import filled_workbook

UNIT = "GS-LZ-GL-U2"
# findings of the filled sample workbook: a unit's failing duty with one row behind it, a county's warning
UNIT_RULE, UNIT_ROW, COUNTY_RULE = "service_unit-03", "V20250045", "service_county-01"
INJECTED = "<script>alert(1)</script>"
FAR = "2099-12-31"
ACCOUNTS = {"gl-fill": (COUNTY, "fill"), "gl-submit": (COUNTY, "submit"), "gl-review": (COUNTY, "review"),
            "lz-review": (PREFECTURE, "review"), "yz-fill": (SIBLING, "fill"), "yz-review": (SIBLING, "review")}
CHECK_URL = re.compile(r"^/checks/([0-9a-f]{24})$")


def upload(client, workbook) -> str:
    answer = client.post("/checks", data={"office": COUNTY, "year": "2025", "csrf_token": csrf_of(client)},
                         files=[("files", (workbook.name, workbook.read_bytes(), "application/octet-stream"))])
    assert answer.status_code == 303, answer.text[:300]
    return CHECK_URL.match(answer.headers["location"]).group(1)


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"waivers-{request.param}")
    workbook = filled_workbook(SAMPLE, base / "county")
    with database(request.param, base) as store:
        app = create_app(shared_settings(base / "data", store))
        for username, (office, role) in ACCOUNTS.items():
            app.state.desk.accounts.add(username, office, role, PASSWORD)
        clients = {}
        for username in ACCOUNTS:
            clients[username] = client_of(app).__enter__()
            assert login(clients[username], username).status_code == 303
        check_id = upload(clients["gl-fill"], workbook)
        yield {"app": app, "clients": clients, "check": check_id, "workbook": workbook, "store": store,
               "data": base / "data", "base": base}
        for client in clients.values():
            client.__exit__(None, None, None)
        app.state.workspace.store.engine.dispose()


def request_waiver(world, username, rule, office, reason, expires_on=FAR, evidence=()):
    client = world["clients"][username]
    return client.post(f"/checks/{world['check']}/waivers",
                       data={"csrf_token": csrf_of(client), "rule": rule, "office": office, "reason": reason,
                             "expires_on": expires_on, "evidence": list(evidence)})


def waivers(world) -> list[WaiverRecord]:
    return world["app"].state.workspace.waivers.of_offices(None)


def the_waiver(world, rule, office) -> WaiverRecord:
    [found] = [w for w in waivers(world) if w.rule_id == rule and w.office_id == office and not w.source]
    return found


def decide(world, username, waiver_id, decision, comment=""):
    client = world["clients"][username]
    return client.post(f"/waivers/{waiver_id}/{decision}", data={"csrf_token": csrf_of(client), "comment": comment})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_check_page_offers_a_waiver_of_each_failing_or_warning_finding(world):
    page = world["clients"]["gl-fill"].get(f"/checks/{world['check']}").text
    forms = re.findall(r'<form action="/checks/[0-9a-f]{24}/waivers".*?</form>', page, re.S)
    assert len(forms) == 8  # the sample workbook's fail and warn findings
    unit_form = next(f for f in forms if f'value="{UNIT_RULE}"' in f)
    assert f'name="office" value="{UNIT}"' in unit_form and f'name="evidence" value="{UNIT_ROW}"' in unit_form
    assert 'name="csrf_token"' in unit_form
    # a reviewer reads the page but requests nothing
    assert "/waivers\" method=\"post\"" not in world["clients"]["gl-review"].get(f"/checks/{world['check']}").text


def test_a_request_the_page_cannot_take_is_refused_with_its_reason(world):
    past = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, "理由", expires_on="2020-01-01")
    assert past.status_code == 422 and "已经过去" in past.text
    bad_date = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, "理由", expires_on="明年")
    assert bad_date.status_code == 422 and "不是日期" in bad_date.text
    no_reason = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, "  ")
    assert no_reason.status_code == 422 and "须写明理由" in no_reason.text
    foreign_row = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, "理由", evidence=["V20250001"])
    assert foreign_row.status_code == 422 and "不是这项结论的问题行" in foreign_row.text
    not_a_finding = request_waiver(world, "gl-fill", "service_county-02", COUNTY, "理由")
    assert not_a_finding.status_code == 403
    by_reviewer = request_waiver(world, "gl-review", UNIT_RULE, UNIT, "理由")
    assert by_reviewer.status_code == 403 and "「填报」或「报送」" in by_reviewer.text
    no_token = world["clients"]["gl-fill"].post(f"/checks/{world['check']}/waivers",
                                                data={"rule": UNIT_RULE, "office": UNIT, "reason": "理由"})
    assert no_token.status_code == 403 and "安全令牌" in no_token.text
    assert waivers(world) == []


def test_the_county_requests_and_sees_it_pending(world):
    answer = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, f"{INJECTED}协议已补签，待盖章", evidence=[UNIT_ROW])
    assert answer.status_code == 303 and answer.headers["location"].endswith("#waivers")
    assert request_waiver(world, "gl-submit", COUNTY_RULE, COUNTY, "规划待省项目办印发").status_code == 303
    again = request_waiver(world, "gl-fill", UNIT_RULE, UNIT, "再申请一次")
    assert again.status_code == 422 and "已有待审批" in again.text
    waiver = the_waiver(world, UNIT_RULE, UNIT)
    assert (waiver.state, waiver.evidence, waiver.requested_by, waiver.requester_office, waiver.check_id) == (
        REQUESTED, (UNIT_ROW,), "gl-fill", COUNTY, world["check"])
    assert waiver.expires_on == dt.date(2099, 12, 31)
    page = world["clients"]["gl-fill"].get(f"/checks/{world['check']}").text
    assert f'id="waiver-{waiver.waiver_id}"' in page and "待审批" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;协议已补签" in page and INJECTED not in page
    entries = world["app"].state.desk.log.entries({COUNTY})
    assert {("gl-fill", "waiver_requested"), ("gl-submit", "waiver_requested")} <= {(e.username, e.action)
                                                                                    for e in entries}


def test_a_sibling_neither_sees_nor_decides_and_a_county_approves_nothing_of_its_own(world):
    waiver = the_waiver(world, UNIT_RULE, UNIT)
    for username in ("yz-fill", "yz-review"):
        listed = world["clients"][username].get("/waivers")
        # the waiver's anchors, not "#N", which a form's CSRF token ("…##1f68…") may hold by chance
        assert listed.status_code == 200 and UNIT not in listed.text
        assert f'id="waiver-{waiver.waiver_id}"' not in listed.text and f'id="pending-{waiver.waiver_id}"' not in listed.text
        assert world["clients"][username].get(f"/checks/{world['check']}").status_code == 404
    assert decide(world, "yz-review", waiver.waiver_id, "approve").status_code == 404
    assert decide(world, "yz-review", waiver.waiver_id, "refuse", "不同意").status_code == 404
    own = decide(world, "gl-review", waiver.waiver_id, "approve")
    assert own.status_code == 403 and "不能审批本机构申请的豁免" in own.text
    assert 'id="pending"' not in world["clients"]["gl-review"].get("/waivers").text
    assert decide(world, "gl-fill", waiver.waiver_id, "approve").status_code == 403  # not a reviewer
    assert the_waiver(world, UNIT_RULE, UNIT).state == REQUESTED


def test_the_prefecture_approves_one_and_refuses_the_other(world):
    unit_waiver, county_waiver = the_waiver(world, UNIT_RULE, UNIT), the_waiver(world, COUNTY_RULE, COUNTY)
    reviewer = world["clients"]["lz-review"]
    pending = reviewer.get("/waivers").text
    assert f'id="pending-{unit_waiver.waiver_id}"' in pending and f'id="pending-{county_waiver.waiver_id}"' in pending
    assert "&lt;script&gt;" in pending and INJECTED not in pending
    assert decide(world, "lz-review", unit_waiver.waiver_id, "approve", f"同意{INJECTED}").status_code == 303
    refused_without_comment = decide(world, "lz-review", county_waiver.waiver_id, "refuse")
    assert refused_without_comment.status_code == 403 and "须写明意见" in refused_without_comment.text
    assert decide(world, "lz-review", county_waiver.waiver_id, "refuse", "规划应于 3 月前印发").status_code == 303
    twice = decide(world, "lz-review", unit_waiver.waiver_id, "refuse", "改主意")
    assert twice.status_code == 403 and "已是「已批准」" in twice.text
    approved, refused = the_waiver(world, UNIT_RULE, UNIT), the_waiver(world, COUNTY_RULE, COUNTY)
    assert (approved.state, approved.decided_by, approved.decider_office) == (APPROVED, "lz-review", PREFECTURE)
    assert approved.approved_on == dt.date.today() and approved.decision_comment == f"同意{INJECTED}"
    assert (refused.state, refused.decision_comment, refused.approved_on) == (REFUSED, "规划应于 3 月前印发", None)
    seen = {(e.username, e.action) for e in world["app"].state.desk.log.entries({PREFECTURE})}
    assert {("lz-review", "waiver_approved"), ("lz-review", "waiver_refused")} <= seen
    # the county reads both decisions on its pages, the comments escaped
    own = world["clients"]["gl-fill"].get("/waivers").text
    assert "已批准" in own and "已拒绝" in own and "规划应于 3 月前印发" in own
    assert "同意&lt;script&gt;alert(1)&lt;/script&gt;" in own and INJECTED not in own
    assert "规划应于 3 月前印发" in world["clients"]["gl-fill"].get(f"/checks/{world['check']}").text


YAML = """\
waivers:
  - rule: service_county-12
    office: GS-LZ-GL
    reason: 去年的豁免，已到期
    approved_by: GS-LZ
    approved_on: 2025-01-10
    expires_on: 2025-06-30
  - rule: service_unit-04
    office: GS-LZ-GL-U1
    reason: 离岗手续由省项目办统一补办
    approved_by: GS
    approved_on: 2025-02-01
    expires_on: 2025-12-31
"""


def where_of(world) -> list[str]:
    return ["--database", world["store"]] if world["store"] else ["--data", str(world["data"])]


def test_the_yaml_waivers_file_imports_as_approved_and_a_bad_one_is_refused_by_line(world, capsys):
    path = world["base"] / "waivers.yaml"
    path.write_text(YAML, encoding="utf-8")
    assert main(["waivers", "import", str(path), *where_of(world)]) == 0
    assert "共导入 2 项，已存在而跳过 0 项" in capsys.readouterr().out
    assert main(["waivers", "import", str(path), *where_of(world)]) == 0
    assert "共导入 0 项，已存在而跳过 2 项" in capsys.readouterr().out
    imported = [w for w in waivers(world) if w.source]
    assert {(w.rule_id, w.office_id, w.state, w.decider_office, w.source) for w in imported} == {
        ("service_county-12", COUNTY, APPROVED, PREFECTURE, f"{path}:2"),
        ("service_unit-04", "GS-LZ-GL-U1", APPROVED, "GS", f"{path}:8")}
    bad = world["base"] / "bad.yaml"
    bad.write_text(YAML.replace("reason: 离岗", "reasn: 离岗"), encoding="utf-8")
    before = len(waivers(world))
    assert main(["waivers", "import", str(bad), *where_of(world)]) == 2
    assert re.search(r"bad\.yaml:10: waivers\.1\.reasn: unknown key 'reasn'", capsys.readouterr().err)
    assert len(waivers(world)) == before
    assert main(["waivers", "list", *where_of(world)]) == 0
    listed = capsys.readouterr().out
    assert "已拒绝 refused" in listed and "已批准 approved" in listed and "已过期 expired" in listed


def test_the_next_check_applies_the_approved_waivers_at_its_reference_date(world):
    workspace = world["app"].state.workspace
    newer = world["newer"] = upload(world["clients"]["gl-fill"], world["workbook"])
    duties = {(d.rule_id, d.office_id): d for d in workspace.outcome(newer).duties}
    unit_waiver = the_waiver(world, UNIT_RULE, UNIT)
    # approved in the workspace: waived, with who approved it and why
    waived = duties[UNIT_RULE, UNIT]
    assert waived.status == "waived" and waived.status_zh == "已豁免"
    assert waived.message_zh.startswith(f"已豁免：{INJECTED}协议已补签，待盖章（{PREFECTURE} lz-review 于 "
                                        f"{dt.date.today()} 批准，有效期至 2099-12-31）")
    # refused: still a finding
    assert duties[COUNTY_RULE, COUNTY].status == "warn"
    # the check's reference date is the end of 2025 (the audit year): valid through 2025-12-31 still applies,
    # although that day is past as the list judges it today
    assert duties["service_unit-04", "GS-LZ-GL-U1"].status == "waived"
    assert dt.date.today() > dt.date(2025, 12, 31)
    # expired on 2025-06-30: reported, and the finding says so
    expired_finding = duties["service_county-12", COUNTY]
    assert expired_finding.status == "warn" and "豁免已于 2025-06-30 到期" in expired_finding.message_zh
    assert any("已于 2025-06-30 到期" in n for n in workspace.outcome(newer).waiver_notices)
    page = world["clients"]["gl-fill"].get(f"/checks/{newer}").text
    assert "已豁免" in page and f"{PREFECTURE} lz-review" in page and "豁免提示" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;协议已补签" in page and INJECTED not in page
    # the report of the check says it too
    report = world["clients"]["gl-fill"].get(f"/checks/{newer}/report/offices/{UNIT}.html")
    assert report.status_code == 200 and "lz-review" in report.text and INJECTED not in report.text
    assert "已豁免" in text_of(report.text)
    # the list judges states today: the 2025 waivers are 已过期 there
    states = {w.waiver_id: w.state_on(dt.date.today()) for w in waivers(world)}
    assert states[unit_waiver.waiver_id] == APPROVED
    assert sorted(s for w, s in states.items() if w != unit_waiver.waiver_id) == [EXPIRED, EXPIRED, REFUSED]
    listed = world["clients"]["lz-review"].get("/waivers").text
    assert listed.count('class="waiver-expired"') == 2 and "已过期" in listed


def test_the_prefecture_s_consolidation_applies_them_too(world):
    import time

    from westaudit.core.results import Status
    from westaudit.workspace.jobs import DONE, FAILED, JobBook

    submitter, reviewer = world["clients"]["gl-submit"], world["clients"]["lz-review"]
    sent = submitter.post(f"/checks/{world['newer']}/submission", data={"csrf_token": csrf_of(submitter),
                                                                        "note": "协议补签中"})
    assert sent.status_code == 303
    started = reviewer.post("/consolidations", data={"csrf_token": csrf_of(reviewer), "year": "2025"})
    assert started.status_code == 303
    jobs = JobBook(world["app"].state.workspace.store)
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    deadline = time.monotonic() + 600
    while jobs.get(job_id).state not in (DONE, FAILED):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    job = jobs.get(job_id)
    assert job.state == DONE, job.error_en
    results = {(r.rule_id, r.office_id): r for r in world["app"].state.workspace.store.results_of(job.run_id)}
    waived = results[UNIT_RULE, UNIT]
    assert waived.status is Status.WAIVED and f"（{PREFECTURE} lz-review 于" in waived.message_zh
    assert results["service_unit-04", "GS-LZ-GL-U1"].status is Status.WAIVED
    assert results[COUNTY_RULE, COUNTY].status is Status.WARN
    assert any("已于 2025-06-30 到期" in zh for zh, _ in world["app"].state.workspace.store.notices_of(job.run_id))


def test_a_sibling_s_check_is_untouched_by_the_county_s_waivers(world):
    workspace = world["app"].state.workspace
    assert workspace.waivers.granted({SIBLING}) == ()
    assert {w.office for w in workspace.waivers.granted({COUNTY, UNIT, "GS-LZ-GL-U1"})} == {
        COUNTY, UNIT, "GS-LZ-GL-U1"}


def test_a_pending_request_past_its_expiry_can_no_longer_be_approved(world):
    book = world["app"].state.workspace.waivers
    late = book.request(COUNTY_RULE, COUNTY, (), "理由", dt.date.today(), "gl-fill", COUNTY, world["check"])
    assert late.state_on(dt.date.today()) == REQUESTED
    assert late.state_on(dt.date.today() + dt.timedelta(days=1)) == EXPIRED
    from westaudit.workspace.waivers import WaiverRefused

    with pytest.raises(WaiverRefused, match="已是「已过期」"):
        book.decide(late.waiver_id, True, "lz-review", PREFECTURE, "", dt.date.today() + dt.timedelta(days=1))
    assert book.decide(late.waiver_id, False, "lz-review", PREFECTURE, "不同意", dt.date.today()).state == REFUSED

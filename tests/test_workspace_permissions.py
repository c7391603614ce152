"""Who sees what in the shared workspace (issue 18, item 7), over every route the app has.

The routes are read from the app's own router, so a route added later is covered without editing this file
(a route with a path parameter this file cannot fill fails the test, to be taught here). For every route and
every role of a county's accounts, the check, report, downloads, report.json and accounts of a sibling county
and of the county's prefecture are asked for: 403 or 404, and nothing of them in the answer. Run on SQLite, and
on PostgreSQL when WESTAUDIT_TEST_POSTGRES_URL names a server (.ci/run starts one).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import replace

import pytest
from fastapi.routing import APIRoute
from test_workspace_uploads import CASE_NAMES
from test_workspace_uploads import _cases as bad_upload_cases

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
from westaudit.workspace.jobs import JobBook
from westaudit.workspace.records import new_check_id
from workspace_packages import filled_workbook

ROLES = ("fill", "submit", "review", "manage")
MARKER = "FOREIGN-OFFICE-MARKER"
CHECK_URL = re.compile(r"^/checks/([0-9a-f]{24})$")
OPEN = {"/login", "/healthz"}
ROSTER = "机构编号,机构名称,层级,上级机构编号\nGS-LZ-GL,皋兰县项目办,县级,GS-LZ\n"


def routes(app) -> list[tuple[str, str]]:
    found = [(method, route.path) for route in app.routes if isinstance(route, APIRoute) for method in route.methods]
    assert len(found) > 10  # the router was read, not an empty list
    return sorted(found)


def upload(client, path, office=COUNTY, token=None):
    return client.post("/checks", data={"office": office, "year": "2025", "csrf_token": token or csrf_of(client)},
                       files=[("files", (path.name, path.read_bytes(), "application/octet-stream"))])


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    """A county's accounts of every role and its own check; a sibling county's and the prefecture's checks
    (copies of it, marked) and accounts."""
    base = tmp_path_factory.mktemp(f"permissions-{request.param}")
    workbook = filled_workbook(SAMPLE, base / "county")
    with database(request.param, base) as store:
        app = create_app(shared_settings(base / "data", store))
        desk, workspace = app.state.desk, app.state.workspace
        for role in ROLES:
            desk.accounts.add(f"gl-{role}", COUNTY, role, PASSWORD)
        foreign_accounts = {SIBLING: desk.accounts.add("yz-manage", SIBLING, "manage", PASSWORD),
                            PREFECTURE: desk.accounts.add("lz-manage", PREFECTURE, "manage", PASSWORD)}
        with client_of(app) as county:
            login(county, "gl-fill")
            answer = upload(county, workbook)
            assert answer.status_code == 303, answer.text[:300]
            own = CHECK_URL.match(answer.headers["location"]).group(1)
            login(county, "gl-submit")
            built = county.post(f"/checks/{own}/submission",
                                data={"csrf_token": csrf_of(county), "note": "<img src=x onerror=alert(1)>"})
            assert built.status_code == 303
            record = workspace.book.get(own)
            foreign_checks, foreign_submissions = {}, {}
            for office in (SIBLING, PREFECTURE):
                check_id = new_check_id()
                shutil.copytree(workspace.folder(own), workspace.folder(check_id))
                for page in workspace.folder(check_id).rglob("*"):
                    if page.suffix in (".html", ".csv"):
                        page.write_text(page.read_text(encoding="utf-8") + MARKER, encoding="utf-8")
                    elif page.suffix == ".json":  # outcome.json's office name is shown on the check page
                        data = json.loads(page.read_text(encoding="utf-8"))
                        data["office_name" if page.name == "outcome.json" else "marker"] = MARKER
                        page.write_text(json.dumps(data), encoding="utf-8")
                workspace.book.add(replace(record, check_id=check_id, office_id=office, submission_file=None))
                workspace.book.set_submission(check_id, record.submission_file, None)
                foreign_checks[office] = check_id
                package = workspace.folder(check_id) / "submission" / record.submission_file
                foreign_submissions[office] = desk.submissions.submit(workspace.book.get(check_id), package, "x")
            # a waiver request of each office (the foreign ones' reasons marked), as its check page would send it
            far = dt.date(2099, 12, 31)
            waivers = {office: workspace.waivers.request("service_county-01", office, (),
                                                         "own reason" if office == COUNTY else f"{MARKER} reason",
                                                         far, "x", office, foreign_checks.get(office, own))
                       for office in (COUNTY, SIBLING, PREFECTURE)}
            foreign_jobs = {office: JobBook(workspace.store).request("consolidation", office, 2025, "x").job_id
                            for office in (SIBLING, PREFECTURE)}
            yield {"app": app, "own": own, "checks": foreign_checks, "accounts": foreign_accounts,
                   "submissions": foreign_submissions, "waivers": waivers, "jobs": foreign_jobs,
                   "workbook": workbook, "base": base}
        workspace.store.engine.dispose()


@pytest.fixture(scope="module")
def clients(world):
    """One logged-in client per role of the county."""
    opened = {}
    for role in ROLES:
        client = client_of(world["app"]).__enter__()
        assert login(client, f"gl-{role}").status_code == 303
        opened[role] = client
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


def report_paths(world) -> list[str]:
    folder = world["app"].state.workspace.folder(world["own"]) / "report"
    return [p for p in ("index.html", "report.json", "findings.xlsx") if (folder / p).is_file()]


def fill(path: str, world, office: str) -> list[str]:
    """The route's path with another office's objects in its parameters, once per report file for {path}."""
    values = {"check_id": [world["checks"][office]], "account_id": [str(world["accounts"][office].account_id)],
              "submission_id": [str(world["submissions"][office].submission_id)], "path": report_paths(world),
              "waiver_id": [str(world["waivers"][office].waiver_id)], "job_id": [str(world["jobs"][office])],
              "office_id": [office]}
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    unknown = [n for n in names if n not in values]
    assert not unknown, f"{path}: teach this test what another office's {unknown} is"
    filled = [path]
    for name in names:
        filled = [re.sub(r"{" + name + r"(?::\w+)?}", value, p) for p in filled for value in values[name]]
    return filled


def leaks(answer, world, office: str) -> list[str]:
    body = answer.content.decode("utf-8", "replace")
    found = [w for w in (MARKER, world["checks"][office], world["submissions"][office].receipt_no, "PK\x03\x04")
             if w in body]
    if "attachment" in answer.headers.get("content-disposition", ""):
        found.append("a download")
    return found


@pytest.mark.parametrize("office", [SIBLING, PREFECTURE], ids=["sibling", "superior"])
def test_no_route_gives_a_county_another_office_s_objects(world, clients, office):
    checked = 0
    for method, path in routes(world["app"]):
        if path in OPEN or "{" not in path:
            continue
        for url in fill(path, world, office):
            for role, client in clients.items():
                data = {"csrf_token": csrf_of(client), "note": "x"} if method == "POST" else None
                answer = client.request(method, url, data=data)
                assert answer.status_code in (403, 404), (role, method, url, answer.status_code)
                assert not leaks(answer, world, office), (role, method, url, leaks(answer, world, office))
                checked += 1
    assert checked >= 4 * 8


@pytest.mark.parametrize("office", [SIBLING, PREFECTURE], ids=["sibling", "superior"])
def test_pages_without_parameters_list_nothing_of_another_office(world, clients, office):
    for method, path in routes(world["app"]):
        if method != "GET" or "{" in path:
            continue
        for role, client in clients.items():
            answer = client.get(path)
            assert answer.status_code in (200, 403), (role, path, answer.status_code)
            assert not leaks(answer, world, office), (role, path)
            assert world["app"].state.workspace.offices[office] not in answer.text, (role, path)
            assert not re.search(rf"{office}(?![-\w])", answer.text), (role, path)


def test_the_county_sees_its_own_check_and_the_prefecture_sees_it_too(world, clients):
    own = world["own"]
    for client in clients.values():
        assert client.get(f"/checks/{own}").status_code == 200
        assert client.get(f"/checks/{own}/report/index.html").status_code == 200
        assert client.get(f"/checks/{own}/submission.zip").status_code == 200
    with client_of(world["app"]) as prefecture:
        login(prefecture, "lz-manage")
        assert prefecture.get(f"/checks/{own}").status_code == 200
        assert own in prefecture.get("/").text
        sibling_check = world["checks"][SIBLING]
        assert prefecture.get(f"/checks/{sibling_check}").status_code == 200


def test_every_post_needs_its_csrf_token(world, clients):
    own, target = world["own"], world["accounts"][SIBLING]
    own_account = world["app"].state.desk.accounts.by_name("gl-review").account_id
    for method, path in routes(world["app"]):
        if method != "POST" or path == "/login":
            continue
        own_submission = world["app"].state.desk.submissions.of_offices({COUNTY})[0].submission_id
        url = (path.replace("{check_id}", own).replace("{account_id}", str(own_account))
               .replace("{submission_id}", str(own_submission))
               .replace("{waiver_id}", str(world["waivers"][COUNTY].waiver_id)))
        assert "{" not in url, f"{path}: teach this test the parameter"
        refused_by_token = 0
        for role, client in clients.items():
            files = [("files", ("a.csv", b"x", "text/csv"))] if path == "/checks" else None
            answer = client.post(url, data={"note": "x", "office": COUNTY}, files=files)
            assert answer.status_code == 403, (role, url, answer.status_code)
            refused_by_token += "安全令牌" in answer.text
        assert refused_by_token, f"{url}: no role reached the token check, so it was not tested"
    assert target.account_id and world["app"].state.desk.accounts.get(own_account).disabled is False
    for client in clients.values():
        assert client.get("/").status_code == 200  # still logged in: logout without a token did nothing


def test_every_route_but_the_open_ones_needs_a_login(world):
    with client_of(world["app"]) as anonymous:
        for method, path in routes(world["app"]):
            if path in OPEN:
                continue
            url = fill(path, world, SIBLING)[0]
            answer = anonymous.request(method, url.replace(world["checks"][SIBLING], world["own"]))
            assert answer.status_code in (303, 401), (method, url, answer.status_code)
            assert answer.status_code == 401 or answer.headers["location"].startswith("/login?next=")
            assert MARKER not in answer.text and world["own"] not in answer.text


def test_a_county_cannot_upload_for_its_sibling(world, clients, tmp_path):
    sibling_workbook = filled_workbook(SAMPLE, tmp_path, office=SIBLING)
    workspace = world["app"].state.workspace
    before = workspace.book.count()
    answer = upload(clients["fill"], sibling_workbook, office=SIBLING)
    assert answer.status_code == 403 and "只能上传本机构及下级机构的数据" in answer.text
    assert workspace.book.count() == before


def test_only_a_fill_account_uploads_and_only_a_submit_account_submits(world, clients):
    for role in ("submit", "review", "manage"):
        answer = upload(clients[role], world["workbook"])
        assert answer.status_code == 403 and "需要「填报」角色" in answer.text
    for role in ("fill", "review", "manage"):
        answer = clients[role].post(f"/checks/{world['own']}/submission",
                                    data={"csrf_token": csrf_of(clients[role]), "note": "x"})
        assert answer.status_code == 403 and "需要「报送」角色" in answer.text


def test_free_text_is_shown_escaped(world, clients):
    page = clients["fill"].get(f"/checks/{world['own']}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    refused = upload(clients["fill"], world["workbook"], office="<script>alert(1)</script>")
    assert refused.status_code >= 400 and "<script>alert(1)" not in refused.text


def test_the_audit_log_names_who_uploaded_submitted_and_downloaded(world, clients):
    own = world["own"]
    clients["review"].get(f"/checks/{own}/errors.csv")
    entries = world["app"].state.desk.log.entries({COUNTY})
    seen = {(e.username, e.action) for e in entries}
    assert {("gl-fill", "upload"), ("gl-submit", "submission"), ("gl-review", "download")} <= seen
    assert any(e.action == "download" and own in e.target and "errors.csv" in e.target for e in entries)


# part 1's bad uploads, by a logged-in account (the limits differ: the shared app has the default ones)
LIMIT_CASES = {"a body over the upload limit", "unpacking past the limit"}
OUTSIDE_SUBTREE = {"an office not in the hierarchy", "an office missing from the package"}


@pytest.mark.parametrize("case", [c for c in CASE_NAMES if c not in LIMIT_CASES])
def test_a_bad_upload_by_a_logged_in_account_gets_its_message(world, clients, case):
    workspace = world["app"].state.workspace
    files, form, status, message = bad_upload_cases(world["workbook"].read_bytes(), ROSTER.encode())[case]
    if case in OUTSIDE_SUBTREE:  # the account's subtree is checked before the hierarchy and the package
        status, message = 403, "机构"
    before = workspace.book.count()
    client = clients["fill"]
    answer = client.post("/checks", data={**form, "csrf_token": csrf_of(client)},
                         files=[("files", (name, data, "application/octet-stream")) for name, data in files])
    assert answer.status_code == status, re.sub(r"<[^>]+>", " ", answer.text)[:300]
    shown = re.search(r'id="refused">\s*<h1>未能检查：([^<]+)</h1>', answer.text)
    assert shown and shown.group(1).startswith(message), shown and shown.group(1)
    if case in OUTSIDE_SUBTREE:
        assert "只能上传本机构及下级机构的数据" in shown.group(1)
    assert workspace.book.count() == before and client.get("/").status_code == 200


# Submissions (issue 18, item 2): these change the county's state, so they come last


def states_of(client, year="2025") -> dict[str, str]:
    page = client.get(f"/submissions?year={year}").text
    rows = re.findall(r'<td>[^<]* ((?:GS|SC|YN)[-\w]*)</td>\s*<td class="state">([^<]+)</td>', page)
    assert rows or 'id="office-states"' in page
    return dict(rows)


def test_a_submission_is_stored_once_read_only_with_its_checksum(world):
    import hashlib
    import stat

    desk = world["app"].state.desk
    [sent] = desk.submissions.of_offices({COUNTY})
    stored = desk.submissions.path_of(sent)
    assert stored.is_file() and not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sent.sha256 and stored.stat().st_size == sent.size
    assert sent.check_id == world["own"] and not sent.passed and sent.note == "<img src=x onerror=alert(1)>"
    assert sent.receipt_no.startswith(f"{COUNTY}-2025-")


def test_the_prefecture_lists_its_counties_with_their_states(world):
    with client_of(world["app"]) as prefecture:
        login(prefecture, "lz-manage")
        states = states_of(prefecture)
        # the sibling's submission is a copy of the county's check, findings and all
        assert states[COUNTY] == states[SIBLING] == "已报送（有问题）"
        assert PREFECTURE not in states and not any(office.endswith(("-U1", "-U2", "-U3")) for office in states)
        only = prefecture.get("/submissions?year=2025&state=submitted_with_findings").text
        assert COUNTY in only
        searched = prefecture.get("/submissions?year=2025&q=皋兰").text
        assert COUNTY in searched and SIBLING not in searched
        answer = prefecture.get(f"/submissions/{world['submissions'][SIBLING].submission_id}.zip")
        assert answer.status_code == 200 and answer.content.startswith(b"PK\x03\x04")


def test_a_new_check_after_submitting_shows_changed_and_a_new_submission_supersedes(world, clients):
    desk = world["app"].state.desk
    answer = upload(clients["fill"], world["workbook"])
    assert answer.status_code == 303
    newer = CHECK_URL.match(answer.headers["location"]).group(1)
    with client_of(world["app"]) as prefecture:
        login(prefecture, "lz-manage")
        assert states_of(prefecture)[COUNTY] == "自查后已改动"
        built = clients["submit"].post(f"/checks/{newer}/submission",
                                       data={"csrf_token": csrf_of(clients["submit"]), "note": "协议补签中"})
        assert built.status_code == 303
        first, second = sorted(desk.submissions.of_offices({COUNTY}), key=lambda s: s.submission_id)
        assert (first.check_id, second.check_id) == (world["own"], newer)
        assert desk.submissions.path_of(first).is_file() and desk.submissions.path_of(second).is_file()
        assert states_of(prefecture)[COUNTY] == "已报送（有问题）"
    world["latest_submission"] = second


def test_the_prefecture_returns_it_with_a_comment_the_county_reads(world, clients):
    latest = world["latest_submission"]
    desk = world["app"].state.desk
    desk.accounts.add("lz-review", PREFECTURE, "review", PASSWORD)
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        token = csrf_of(reviewer)
        assert reviewer.post(f"/submissions/{latest.submission_id}/return",
                             data={"csrf_token": token, "comment": ""}).status_code == 403
        returned = reviewer.post(f"/submissions/{latest.submission_id}/return",
                                 data={"csrf_token": token, "comment": "<b>协议</b>缺三份，请补齐后重新报送"})
        assert returned.status_code == 303
        assert states_of(reviewer)[COUNTY] == "已退回"
    own_page = clients["fill"].get(f"/checks/{latest.check_id}").text
    assert "&lt;b&gt;协议&lt;/b&gt;缺三份" in own_page and "<b>协议</b>" not in own_page
    assert "缺三份" in clients["fill"].get("/submissions").text
    # a county's reviewer cannot return its own office's submission
    answer = clients["review"].post(f"/submissions/{latest.submission_id}/return",
                                    data={"csrf_token": csrf_of(clients["review"]), "comment": "x"})
    assert answer.status_code == 403
    assert any(e.action == "submission_returned" for e in desk.log.entries({PREFECTURE}))

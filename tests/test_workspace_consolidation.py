"""A supervisor's consolidation in the shared workspace (issue 18 item 3): the latest submissions of its
subtree audited as one submission by a background job recorded in the database, browsable per office from the
audit store. Run on SQLite, and on PostgreSQL when WESTAUDIT_TEST_POSTGRES_URL names a server."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import update

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
from westaudit.workspace.jobs import DONE, FAILED, QUEUED, RUNNING, JobBook, jobs
from workspace_packages import filled_workbook

CHECK_URL = re.compile(r"^/checks/([0-9a-f]{24})$")
JOB_URL = re.compile(r"^/consolidations/([0-9]+)$")
STOPPED = "2000-01-01T00:00:00+00:00"  # a heartbeat long past STALE_AFTER


def _submit(client, workbook, office: str) -> None:
    answer = client.post("/checks", data={"office": office, "year": "2025", "csrf_token": csrf_of(client)},
                         files=[("files", (workbook.name, workbook.read_bytes(), "application/octet-stream"))])
    assert answer.status_code == 303, answer.text[:300]
    check_id = CHECK_URL.match(answer.headers["location"]).group(1)
    return check_id


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    """Two counties of one prefecture, each with a submitted package; the prefecture's reviewer."""
    base = tmp_path_factory.mktemp(f"consolidation-{request.param}")
    with database(request.param, base) as store:
        app = create_app(shared_settings(base / "data", store))
        desk = app.state.desk
        for office, prefix in ((COUNTY, "gl"), (SIBLING, "yz")):
            desk.accounts.add(f"{prefix}-fill", office, "fill", PASSWORD)
            desk.accounts.add(f"{prefix}-submit", office, "submit", PASSWORD)
        desk.accounts.add("lz-review", PREFECTURE, "review", PASSWORD)
        desk.accounts.add("lz-fill", PREFECTURE, "fill", PASSWORD)
        with client_of(app) as client:
            for office, prefix in ((COUNTY, "gl"), (SIBLING, "yz")):
                login(client, f"{prefix}-fill")
                check_id = _submit(client, filled_workbook(SAMPLE, base / office, office=office), office)
                login(client, f"{prefix}-submit")
                sent = client.post(f"/checks/{check_id}/submission",
                                   data={"csrf_token": csrf_of(client), "note": "协议补签中"})
                assert sent.status_code == 303
            yield {"app": app, "base": base}
        app.state.workspace.store.engine.dispose()


def _wait_until_finished(client, url: str, seconds: float = 600) -> str:
    deadline = time.monotonic() + seconds
    while True:
        page = client.get(url)
        assert page.status_code == 200
        if "已完成" in page.text or "状态：<strong>失败" in page.text:
            return page.text
        assert time.monotonic() < deadline, page.text[:2000]
        time.sleep(0.5)


@pytest.fixture(scope="module")
def finished(world):
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        listing = reviewer.get("/consolidations?year=2025")
        assert listing.status_code == 200 and "可合并的报送：2 份" in listing.text
        answer = reviewer.post("/consolidations", data={"csrf_token": csrf_of(reviewer), "year": "2025"})
        assert answer.status_code == 303
        url = answer.headers["location"]
        job_id = int(JOB_URL.match(url).group(1))
        text = _wait_until_finished(reviewer, url)
        yield {"job_id": job_id, "text": text, "url": url}


def test_the_consolidation_runs_in_the_background_and_lists_every_office(world, finished):
    job = JobBook(world["app"].state.workspace.store).get(finished["job_id"])
    assert job.state == DONE, (job.error_en, job.progress)
    assert job.run_id is not None and len(job.submission_ids) == 2 and job.requested_by == "lz-review"
    run = world["app"].state.workspace.store.run(job.run_id)
    assert run.command == "audit" and run.submitting_office == PREFECTURE
    text = finished["text"]
    assert "合并了 2 份报送" in text
    assert f"/consolidations/{job.job_id}/offices/{COUNTY}" in text and f"/offices/{SIBLING}" in text
    # offices with failures first: the planted county fails, so it comes before any office with none
    rows = re.findall(r'/offices/([^"]+)">[^<]*</a></td>\s*<td( class="bad")?>(\d+)', text)
    fails = [int(count) for _, _, count in rows]
    assert fails == sorted(fails, reverse=True) and fails[0] > 0


def test_one_office_s_results_are_rendered_from_the_store_failures_first(world, finished):
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        page = reviewer.get(f"/consolidations/{finished['job_id']}/offices/{COUNTY}")
        assert page.status_code == 200 and "皋兰县" in page.text
        statuses = re.findall(r'<tr class="status-(\w+)">', page.text)
        assert statuses and statuses[0] == "fail" and "pass" in statuses
        assert statuses.index("pass") > max(i for i, s in enumerate(statuses) if s == "fail")
        assert reviewer.get(f"/consolidations/{finished['job_id']}/offices/GS-XX").status_code == 404


def test_the_static_report_and_report_json_are_downloads_of_the_job(world, finished):
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        base = f"/consolidations/{finished['job_id']}/report"
        assert reviewer.get(f"{base}/index.html").status_code == 200
        assert reviewer.get(f"{base}/evaluation.html").status_code == 200
        report = reviewer.get(f"{base}/report.json").json()
        assert report["submitting_office"] == PREFECTURE
        assert {p["office_id"] for p in report["consolidation"]["packages"]} == {COUNTY, SIBLING}
        assert reviewer.get(f"{base}/../../../audits.sqlite").status_code == 404


def test_a_county_sees_its_own_consolidation_list_but_not_the_prefecture_s_job(world, finished):
    with client_of(world["app"]) as county:
        login(county, "gl-fill")
        assert county.get(finished["url"]).status_code == 404
        assert f'href="/consolidations/{finished["job_id"]}"' not in county.get("/consolidations").text
        # only a 审核 account starts one
        answer = county.post("/consolidations", data={"csrf_token": csrf_of(county), "year": "2025"})
        assert answer.status_code == 403 and "审核" in answer.text


def test_nothing_to_consolidate_fails_the_job_with_its_reason(world, finished):
    book = JobBook(world["app"].state.workspace.store)
    job = book.request("consolidation", PREFECTURE, 2019, "lz-review")
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        text = _wait_until_finished(reviewer, f"/consolidations/{job.job_id}", 120)
    assert book.get(job.job_id).state == FAILED and "2019 年没有可合并的报送" in text


def test_a_job_is_claimed_once_and_a_dead_worker_s_job_is_claimed_again(world):
    book = JobBook(world["app"].state.workspace.store)
    world["app"].state.worker.stop()  # this test claims by hand
    try:
        job = book.request("consolidation", PREFECTURE, 2018, "lz-review")
        assert book.get(job.job_id).state == QUEUED
        first = book.claim("process-a")
        assert first is not None and first.job_id == job.job_id and first.state == RUNNING
        assert book.claim("process-b") is None  # running and beating: nobody else takes it
        with world["app"].state.workspace.store.engine.begin() as conn:  # process-a stopped two hours ago
            conn.execute(update(jobs).where(jobs.c.job_id == job.job_id).values(heartbeat_at="2000-01-01T00:00:00+00:00"))
        again = book.claim("process-b")
        assert again is not None and again.job_id == job.job_id and again.claimed_by == "process-b"
        book.finish(job.job_id, "process-a", 1, [])  # the old process wakes up: its write changes nothing
        assert book.get(job.job_id).state == RUNNING
        book.fail(job.job_id, "process-b", "测试", "test")
        assert book.get(job.job_id).state == FAILED
    finally:
        world["app"].state.worker.start()


def test_a_job_longer_than_the_stale_limit_keeps_beating_and_is_not_claimed_again(world):
    # one stage of a national consolidation (reading 200 submissions) outlasted STALE_AFTER: without a beat of
    # its own the other process took the job, lost it back, and it never finished
    from sqlalchemy import select

    from westaudit.workspace.consolidation import ConsolidationWorker

    store = world["app"].state.workspace.store
    book = JobBook(store)
    world["app"].state.worker.stop()  # this test runs the job in a worker of its own
    try:
        job = book.request("consolidation", PREFECTURE, 2019, "lz-review")
        worker = ConsolidationWorker(world["app"].state.desk)
        worker.beat_seconds = 0.05
        seen = {}

        def beat_of(job_id):
            with store.engine.connect() as conn:
                return conn.execute(select(jobs.c.heartbeat_at).where(jobs.c.job_id == job_id)).scalar_one()

        def long_stage(claimed):
            with store.engine.begin() as conn:  # the stage has run past STALE_AFTER since the last beat
                conn.execute(update(jobs).where(jobs.c.job_id == claimed.job_id).values(heartbeat_at=STOPPED))
            deadline = time.monotonic() + 60
            while beat_of(claimed.job_id) == STOPPED and time.monotonic() < deadline:
                time.sleep(0.05)
            seen["taken by another"] = book.claim("process-b")
            return None, []

        worker._consolidate = long_stage
        assert worker.run_one()
        assert seen["taken by another"] is None
        assert book.get(job.job_id).state == DONE
    finally:
        world["app"].state.worker.start()


def test_the_page_compares_each_office_with_the_year_before_from_the_store(world, finished):
    from sqlalchemy import insert, select

    from westaudit.history.store import measured_values, results, runs

    store = world["app"].state.workspace.store
    job = JobBook(store).get(finished["job_id"])
    with client_of(world["app"]) as reviewer:
        login(reviewer, "lz-review")
        assert "审计库中没有本机构 2024 年的合并审计" in reviewer.get(finished["url"]).text
        with store.engine.begin() as conn:  # last year's consolidation, in which the county failed nothing
            run = conn.execute(select(runs).where(runs.c.run_id == job.run_id)).mappings().one()
            earlier = conn.execute(insert(runs).values({**{k: v for k, v in run.items() if k != "run_id"},
                                                        "year": 2024})).inserted_primary_key[0]
            for row in conn.execute(select(results).where(results.c.run_id == job.run_id)).mappings().all():
                status = "pass" if row["office_id"] == COUNTY and row["status"] == "fail" else row["status"]
                conn.execute(insert(results).values({**row, "run_id": earlier, "status": status}))
            for row in conn.execute(select(measured_values).where(measured_values.c.run_id == job.run_id)).mappings():
                conn.execute(insert(measured_values).values({**row, "run_id": earlier}))
        text = reviewer.get(finished["url"]).text
    assert f"2024 年的合并审计（审计库第 {earlier} 次" in text
    row = re.search(rf'/offices/{COUNTY}">.*?</tr>', text, re.S).group(0)
    fails_now = int(re.search(r'<td class="bad">(\d+)</td>', row).group(1))
    assert '<td class="before">0</td>' in row and f'<td class="change">+{fails_now}</td>' in row
    sibling = re.search(rf'/offices/{SIBLING}">.*?</tr>', text, re.S).group(0)
    assert '<td class="change">+0</td>' in sibling

"""The web workspace over HTTP (the framework's test client), every route: an office uploads its filled template,
reads the verdict and the rows to fix, downloads its report, rectification list and error list, uploads the fix
and sees what changed, and builds the submission package that `westaudit audit` reads as it is."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from fastapi.testclient import TestClient

from conftest import FIXED_SAMPLE, SAMPLE
from westaudit.cli import main
from westaudit.core.submission import RECEIPT_NAME
from westaudit.workspace.app import create_app
from westaudit.workspace.settings import Settings
from workspace_packages import COUNTY, YEAR, LocalClient, filled_workbook

CHECK_URL = re.compile(r"^/checks/([0-9a-f]{24})$")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    base = tmp_path_factory.mktemp("workbooks")
    return filled_workbook(SAMPLE, base / "planted"), filled_workbook(FIXED_SAMPLE, base / "fixed")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("workspace") / "data"


@pytest.fixture(scope="module")
def client(data_dir):
    with LocalClient(create_app(Settings(data_dir=data_dir, hierarchy=SAMPLE))) as test_client:
        yield test_client


def upload(client, path, office: str = COUNTY, year: str = str(YEAR)):
    return client.post("/checks", data={"office": office, "year": year},
                       files=[("files", (path.name, path.read_bytes(), "application/octet-stream"))],
                       follow_redirects=False)


def page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def first_check(client, workbooks):
    answer = upload(client, workbooks[0])
    assert answer.status_code == 303, page_text(answer.text)[:500]
    return CHECK_URL.match(answer.headers["location"]).group(1)


@pytest.fixture(scope="module")
def second_check(client, workbooks, first_check):
    answer = upload(client, workbooks[1])
    assert answer.status_code == 303
    return CHECK_URL.match(answer.headers["location"]).group(1)


def test_upload_page_offers_the_offices_and_the_drop_zone(client):
    answer = client.get("/")
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    assert 'type="file" name="files"' in answer.text and f'<option value="{COUNTY}">皋兰县项目办' in answer.text
    assert 'value="2025"' in answer.text  # the year of the package the workspace was started on
    assert client.get("/static/workspace.css").status_code == 200
    assert client.get("/static/workspace.js").status_code == 200


def test_a_planted_workbook_gets_the_verdict_first_and_every_failing_duty_with_its_row(client, first_check):
    html = client.get(f"/checks/{first_check}").text
    text = page_text(html)
    banner = re.search(r'id="verdict-text">([^<]+)<', html).group(1)
    # the county's other failing checks rest on westaudit defaults or warning rules: hints, not to fix
    assert banner == "需整改 2 项，其中致命 2 项"
    assert html.index('id="verdict"') < html.index('id="duties"')  # the verdict comes first
    # the county's own duties and its units' (its subtree)
    assert "皋兰县项目办（县级 GS-LZ-GL）· 第 9 条" in text and "皋兰县第一中学" in text
    assert "3/25（12.0%），下限 20%" in text
    assert f"{COUNTY}-{YEAR}.xlsx ·「文件报送」 第 2 行 SD-GS-LZ-GL-PLAN" in text
    assert "怎么改：" in text
    assert "与上次自查相比" not in text  # the office's first check


def test_each_service_unit_is_shown_with_its_own_duties_under_it_and_is_in_the_receipt(client, data_dir,
                                                                                       first_check):
    html = client.get(f"/checks/{first_check}").text
    sections = re.findall(r'<section class="office-duties[^"]*" id="office-([^"]+)">(.*?)</section>', html, re.S)
    units = [f"{COUNTY}-U{n}" for n in (1, 2, 3)]
    # the county first, then each of its service units, each heading its own duties
    assert [office for office, _ in sections] == [COUNTY, *units]
    text = {office: page_text(body) for office, body in sections}
    assert "本机构：皋兰县项目办（GS-LZ-GL） 需整改 1 项，其中致命 1 项" in text[COUNTY]
    assert "下属服务单位：皋兰县人民医院（GS-LZ-GL-U2） 需整改 1 项，其中致命 1 项" in text[units[1]]
    assert "为每名志愿者落实免费住宿" in text[units[1]] and "service_unit-03" in text[units[1]]
    assert "下属服务单位：皋兰县第一中学（GS-LZ-GL-U1） 无需整改；提示 2 项" in text[units[0]]
    for office, body in sections:  # no office's duty is filed under another
        assert set(re.findall(r'<p class="who">[^<]*（[^ ）]+ ([A-Z0-9-]+)）', body)) == {office}, office
    receipt = yaml.safe_load((data_dir / "checks" / first_check / "package" / RECEIPT_NAME).read_text(encoding="utf-8"))
    assert receipt["office_id"] == COUNTY and [o["office_id"] for o in receipt["offices"]] == [COUNTY, *units]
    assert {o["office_id"]: o["failing_rules"] for o in receipt["offices"]} == {
        COUNTY: ["service_county-09"], units[0]: [], units[1]: ["service_unit-03"], units[2]: []}


def test_an_outcome_written_before_the_page_grouped_by_office_still_shows_its_duties(client, data_dir,
                                                                                     first_check, tmp_path):
    folder = data_dir / "checks" / first_check
    path = folder / "outcome.json"
    kept = path.read_text(encoding="utf-8")
    document = json.loads(kept)
    del document["offices"]
    try:
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        html = client.get(f"/checks/{first_check}").text
        assert 'class="office-duties' not in html
        assert html.count('<article class="duty') == len(document["duties"]) > 0
    finally:
        path.write_text(kept, encoding="utf-8")


def test_each_duty_shows_its_values_basis_and_a_warning_is_never_fatal(client, data_dir, first_check):
    duties = json.loads((data_dir / "checks" / first_check / "outcome.json").read_text(encoding="utf-8"))["duties"]
    employment = next(d for d in duties if (d["rule_id"], d["office_id"]) == ("service_county-09", COUNTY))
    assert employment["fatal"] and employment["bases_zh"][0].startswith(
        "每年落实就业岗位的志愿者占在本县服务志愿者人数的最低比例：20%（2009-01-01 起施行） · 依据条文")
    on_default = [d for d in duties if d["status_zh"].endswith("默认口径")]
    assert on_default and all(d["status"] == "warn" and "默认口径" in " ".join(d["bases_zh"]) for d in on_default)
    # a failing check of a fatal rule on a westaudit default is a warning, not tagged 致命
    assert not [d for d in duties if d["status"] == "warn" and d["fatal"]]
    text = page_text(client.get(f"/checks/{first_check}").text)
    assert f"取值依据：{employment['bases_zh'][0]}" in text


def test_downloads_are_the_report_the_rectification_list_and_the_error_list(client, first_check):
    base = f"/checks/{first_check}"
    report = client.get(f"{base}/report/offices/{COUNTY}.html")
    assert report.status_code == 200 and "皋兰县项目办" in report.text
    assert client.get(f"{base}/report/index.html").status_code == 200
    findings = client.get(f"{base}/findings.xlsx")
    assert findings.status_code == 200 and "attachment" in findings.headers["content-disposition"]
    assert "filename*=UTF-8''GS-LZ-GL-2025-" in findings.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(findings.content), read_only=True)
    rules = {row[3] for sheet in book.worksheets[:-2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"service_county-09", "service_unit-06"} <= rules
    errors = client.get(f"{base}/errors.csv")
    assert errors.status_code == 200 and errors.content.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(errors.content.decode("utf-8-sig")))) == [
        "数据表", "文件", "工作表", "行", "列", "填写的值", "应填写"]


@pytest.mark.parametrize("path", ["report/../outcome.json", "report/..%2Foutcome.json", "report/nothing.html",
                                  "report/%2e%2e/package/manifest.yaml"])
def test_report_files_stay_inside_the_report_folder(client, first_check, path):
    assert client.get(f"/checks/{first_check}/{path}").status_code == 404


@pytest.mark.parametrize("check_id", ["0" * 24, "not-a-check", "../../etc"])
def test_an_unknown_check_is_404_on_every_route(client, check_id):
    for suffix in ("", "/findings.xlsx", "/errors.csv", "/report.pdf", "/submission.zip", "/report/index.html"):
        assert client.get(f"/checks/{check_id}{suffix}").status_code == 404
    assert client.post(f"/checks/{check_id}/submission", data={"note": "x"}).status_code == 404


def test_uploading_the_fix_shows_every_finding_resolved(client, first_check, second_check):
    html = client.get(f"/checks/{second_check}").text
    assert re.search(r'id="verdict-text">([^<]+)<', html).group(1) == "可以报送"
    assert re.search(r'id="resolved-count">(\d+)<', html).group(1) == "8"
    assert re.search(r'id="new-count">(\d+)<', html).group(1) == "0"
    assert f'href="/checks/{first_check}"' in html  # the previous check it was compared with
    listed = client.get("/").text
    assert f"/checks/{second_check}" in listed and f"/checks/{first_check}" in listed


def test_a_failing_check_needs_a_note_before_its_package_is_built(client, first_check):
    refused = client.post(f"/checks/{first_check}/submission", data={"note": "  "}, follow_redirects=False)
    assert refused.status_code == 400 and "请先整改" in refused.text
    assert client.get(f"/checks/{first_check}/submission.zip").status_code == 404
    built = client.post(f"/checks/{first_check}/submission", data={"note": "服务单位协议正在补签"},
                        follow_redirects=False)
    assert built.status_code == 303
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/checks/{first_check}/submission.zip").content))
    assert "报送说明.txt" in archive.namelist()
    assert archive.read("报送说明.txt").decode() == "服务单位协议正在补签\n"


def test_the_submission_package_is_named_by_office_and_year_and_audits_as_it_is(client, second_check, tmp_path,
                                                                              capsys):
    assert client.post(f"/checks/{second_check}/submission", data={}, follow_redirects=False).status_code == 303
    page = client.get(f"/checks/{second_check}").text
    assert 'id="submission-link"' in page and f"{COUNTY}-{YEAR}-报送包.zip" in page
    answer = client.get(f"/checks/{second_check}/submission.zip")
    assert answer.headers["content-type"] == "application/zip"
    package = tmp_path / f"{COUNTY}-{YEAR}-报送包.zip"
    package.write_bytes(answer.content)
    assert sorted(zipfile.ZipFile(package).namelist()) == sorted(
        [f"{COUNTY}-{YEAR}.xlsx", "manifest.yaml", RECEIPT_NAME])
    # a consolidation beside another county's package: the zip's receipt matches what was checked
    assert main(["audit", str(package), "--out", str(tmp_path / "alone"), "--no-store"]) == 0
    capsys.readouterr()
    main(["audit", str(package), str(SAMPLE), "--office", "N", "--out", str(tmp_path / "merged"), "--no-store"])
    out = capsys.readouterr().out
    assert f"数据包 {COUNTY}-{YEAR}-报送包" in out and "与自查一致 self-checked, unchanged" in out


def test_data_problems_are_listed_per_sheet_row_and_column_and_in_the_error_list(client, workbooks, tmp_path):
    book = openpyxl.load_workbook(workbooks[1])
    roster = book["志愿者名册"]
    headers = [cell.value for cell in roster[1]]
    date_column = next(i for i, h in enumerate(headers, start=1) if "开始" in str(h))
    roster.cell(3, date_column, "2025-13-45")
    broken = tmp_path / f"{COUNTY}-{YEAR}.xlsx"
    book.save(broken)
    answer = upload(client, broken)
    assert answer.status_code == 303
    check = CHECK_URL.match(answer.headers["location"]).group(1)
    text = page_text(client.get(f"/checks/{check}").text)
    # every data problem listed at once, on the page and in the error list alike
    assert re.search(r"数据问题：(\d+) 处", text) and f"{COUNTY}-{YEAR}.xlsx ·「志愿者名册」工作表" in text
    assert "第 3 行 服务开始日期 2025-13-45 日期 date" in text
    rows = list(csv.reader(io.StringIO(client.get(f"/checks/{check}/errors.csv").content.decode("utf-8-sig"))))
    assert len(rows) == 1 + int(re.search(r"数据问题：(\d+) 处", text).group(1))
    assert ["志愿者名册", f"{COUNTY}-{YEAR}.xlsx", "志愿者名册", "3", "服务开始日期", "2025-13-45"] in [r[:6] for r in rows]


def test_a_csv_package_without_a_manifest_takes_the_office_and_year_picked(client, tmp_path):
    from package_split import split_package

    package = split_package(FIXED_SAMPLE, tmp_path / "csv", COUNTY)
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(package.glob("*.csv"))]
    answer = client.post("/checks", data={"office": COUNTY, "year": "2025"}, files=files, follow_redirects=False)
    assert answer.status_code == 303
    check = CHECK_URL.match(answer.headers["location"]).group(1)
    assert re.search(r'id="verdict-text">([^<]+)<', client.get(f"/checks/{check}").text).group(1) == "可以报送"


def test_the_local_workspace_refuses_a_form_without_its_csrf_token(client, workbooks, first_check):
    """Any web page the official has open could post to 127.0.0.1: a form needs the token of its own page."""
    with TestClient(client.app) as stranger:  # no session, no token: as a form posted from another site
        for path, files in (("/checks", [("files", ("a.xlsx", workbooks[0].read_bytes(), "application/octet-stream"))]),
                            (f"/checks/{first_check}/submission", None)):
            answer = stranger.post(path, data={"office": COUNTY, "year": "2025", "note": "x"}, files=files,
                                   follow_redirects=False)
            assert answer.status_code == 403 and "安全令牌" in answer.text, path
            forged = stranger.post(path, data={"office": COUNTY, "note": "x", "csrf_token": "20991231##00"},
                                   files=files, follow_redirects=False)
            assert forged.status_code == 403, path
    answer = client.post(f"/checks/{first_check}/submission", data={"note": "x", "csrf_token": "20991231##00"},
                         follow_redirects=False)
    assert answer.status_code == 403  # a wrong token in the right session


def test_health_counts_the_checks(client, first_check):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok" and answer.json()["checks"] >= 1 and answer.json()["ready"] is True


def test_the_data_folder_holds_the_store_and_each_check(client, data_dir, first_check):
    assert (data_dir / "audits.sqlite").is_file()
    folder = data_dir / "checks" / first_check
    assert (folder / "package" / RECEIPT_NAME).is_file() and (folder / "package" / "manifest.yaml").is_file()
    assert (folder / "report" / "findings.xlsx").is_file() and (folder / "outcome.json").is_file()
    assert list((data_dir / "incoming").iterdir()) == []


def test_the_report_prints_to_pdf_where_chromium_is_installed(client, first_check):
    from westaudit.reports.chromium import find_chromium

    answer = client.get(f"/checks/{first_check}/report.pdf")
    if find_chromium() is None:
        assert answer.status_code == 404 and "Chromium" in answer.text
    else:
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
        assert answer.headers["content-type"] == "application/pdf"


def test_a_folder_of_received_zips_audits_as_it_is(client, second_check, tmp_path):
    # built here too, so that the test stands alone (under xdist, or run by itself); building again is harmless
    assert client.post(f"/checks/{second_check}/submission", data={}, follow_redirects=False).status_code == 303
    received = tmp_path / "收到"
    received.mkdir()
    (received / f"{COUNTY}-{YEAR}-报送包.zip").write_bytes(client.get(f"/checks/{second_check}/submission.zip").content)
    assert main(["audit", str(received), "--out", str(tmp_path / "report"), "--no-store"]) == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["submitting_office"] == COUNTY


def test_the_documented_command_starts_the_workspace_on_the_sample(tmp_path):
    """`westaudit serve --offices data_samples/west2025` (what `make serve` runs) in its own process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    westaudit = str(Path(sys.executable).parent / "westaudit")
    process = subprocess.Popen([westaudit, "serve", "--offices", str(SAMPLE), "--data", str(tmp_path / "data"),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr and process.stderr.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        assert "皋兰县项目办" in page and 'name="files"' in page
        assert f"http://127.0.0.1:{port}/" in process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode in (0, -15)
    kept = {p.name for p in (tmp_path / "data").iterdir()}
    assert {"audits.sqlite", "checks", "incoming", "workspace-secret.key"} <= kept <= {
        "audits.sqlite", "audits.sqlite-wal", "audits.sqlite-shm", "checks", "incoming", "workspace-secret.key"}
    secret = tmp_path / "data" / "workspace-secret.key"
    assert secret.stat().st_mode & 0o077 == 0  # the key of every form token: readable by its owner only


def test_a_defect_of_the_workspace_answers_500_in_chinese_and_keeps_serving(tmp_path, monkeypatch, workbooks):
    app = create_app(Settings(data_dir=tmp_path / "data"))

    def broken(*_args):
        raise RuntimeError("a defect")

    monkeypatch.setattr(app.state.workspace, "receive", broken)
    with LocalClient(app, raise_server_exceptions=False) as client:
        answer = upload(client, workbooks[0])
        assert answer.status_code == 500 and "工作台内部出错" in answer.text and "Traceback" not in answer.text
        assert client.get("/").status_code == 200


def test_every_check_is_recorded_in_the_store_the_workspace_holds_open(tmp_path, monkeypatch, workbooks):
    # a store opened per check is a connection pool per check, and a pool disposed without closing leaves its idle
    # connections open: a server on PostgreSQL held about two more per upload until the database had none left
    # for anyone (benchmarks/bench_load.py found it)
    from westaudit.history.store import Store

    app = create_app(Settings(data_dir=tmp_path / "data", hierarchy=SAMPLE))
    with LocalClient(app) as client:
        def no_second_store(*_args, **_kwargs):
            raise AssertionError("a check opened a store of its own")

        monkeypatch.setattr(Store, "open", no_second_store)
        pool = app.state.workspace.store.engine.pool
        answer = upload(client, workbooks[0])
        assert answer.status_code == 303, page_text(answer.text)[:500]
        # and its pool kept: one disposed without closing leaves its idle connections open
        assert app.state.workspace.store.engine.pool is pool


def _policy_file(folder: Path, office: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{office}.yaml"
    path.write_text(f"office: {office}\ndocument: {{title: {office} 西部计划实施细则, number: {office}〔2025〕1号}}\n"
                    + body, encoding="utf-8")
    return path


def test_a_check_is_judged_under_the_policies_in_the_data_folder(tmp_path, workbooks):
    # 皋兰 places 12%: under the article's 20% it fails; Gansu's policy asks 10%, Guizhou's 90% covers no
    # office of this county's package
    data = tmp_path / "data"
    _policy_file(data / "policies", "GS", "parameters:\n  employment_ratio_min: {2025-01-01: 0.10}\n")
    _policy_file(data / "policies", "GZ", "parameters:\n  employment_ratio_min: {2025-01-01: 0.90}\n")
    with LocalClient(create_app(Settings(data_dir=data, hierarchy=SAMPLE))) as judged:
        answer = upload(judged, workbooks[0])
        assert answer.status_code == 303
        check_id = CHECK_URL.match(answer.headers["location"]).group(1)
        outcome = json.loads((data / "checks" / check_id / "outcome.json").read_text(encoding="utf-8"))
        page = (data / "checks" / check_id / "report" / "offices" / f"{COUNTY}.html").read_text(encoding="utf-8")
        duties_page = (data / "checks" / check_id / "report" / "duties.html").read_text(encoding="utf-8")
    duties = {(d["rule_id"], d["office_id"]) for d in outcome["duties"]}
    assert ("service_county-09", COUNTY) not in duties and duties
    # passed under the policy: the county's row names the policy's value and basis, as the page of duties does
    row = page[page.index('<a href="../duties.html#service_county-09">'):]
    row = row[:row.index("\n")]
    assert "<td>符合<td>" in row and "GS 采用" in row and "依据《GS 西部计划实施细则》（GS〔2025〕1号）" in row
    assert "GS 采用" in duties_page and "依据《GS 西部计划实施细则》（GS〔2025〕1号）" in duties_page


def test_a_policy_of_an_office_the_workspace_does_not_know_stops_it_starting(tmp_path):
    policy = _policy_file(tmp_path / "elsewhere", "SC", "parameters:\n  employment_ratio_min: {2025-01-01: 0.3}\n")
    from westaudit.core.errors import SpecError

    with pytest.raises(SpecError) as caught:
        create_app(Settings(data_dir=tmp_path / "data", hierarchy=SAMPLE, policies=(policy,)))
    assert [str(p) for p in caught.value.problems] == [f"{policy}:1: office: 'SC' is not an office of --offices"]


def test_offices_of_a_folder_without_an_offices_table_are_refused_in_chinese_then_english(tmp_path, ruleset):
    from westaudit.core.errors import InputError
    from westaudit.workspace.selfcheck import known_offices

    with pytest.raises(InputError) as refused:
        known_offices(tmp_path, ruleset)
    assert str(refused.value).startswith(f"{tmp_path}：--offices 所指的文件夹中没有组织机构表（组织机构.csv）")
    assert "/ --offices: no offices table" in str(refused.value)

"""The reports people read and the machine outputs, written from the sample package's audit."""

import csv
import json
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape as markupsafe_escape
from openpyxl import load_workbook

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.core.offices import OFFICE_CODES
from westaudit.evaluate.audit import run_audit
from westaudit.intake.package import load_package
from westaudit.reports.messages import LEVEL
from westaudit.reports.model import AuditView, slug
from westaudit.reports.office_pages import EVIDENCE_SAMPLE
from westaudit.reports.report_json import offices_of, results_of, write_report_json
from westaudit.reports.site import write_site

FAILING_COUNTY = "GS-LZ-GL"  # planted: places too few volunteers (service_county-09)


def _audit_into(package: Path, out: Path, ruleset, lang: str = "zh") -> Path:
    """Every office's page (`--pages all`); which pages the default writes: tests/test_site_pages.py."""
    loaded = load_package(package, ruleset.contract)
    report = run_audit(loaded, ruleset)
    out.mkdir(parents=True, exist_ok=True)
    write_report_json(report, out / "report.json")
    write_site(report, ruleset.articles, loaded.tables, out, lang, pages="all")
    return out


@pytest.fixture(scope="module")
def out(ruleset, tmp_path_factory):
    return _audit_into(SAMPLE, tmp_path_factory.mktemp("reports"), ruleset)


@pytest.fixture(scope="module")
def document(out):
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_every_office_in_scope_has_its_page_markdown_and_evidence_file(out, document):
    # the evidence file is written where the page cuts a finding's evidence short (more than EVIDENCE_SAMPLE rows)
    with_evidence = {r["office_id"] for r in results_of(document) if len(r["evidence"]) > EVIDENCE_SAMPLE}
    shown_whole = {r["office_id"] for r in results_of(document) if r["evidence"]} - with_evidence
    assert with_evidence and shown_whole and len(with_evidence) < len(offices_of(document))
    for office in offices_of(document):
        name = slug(office["office_id"])
        assert (out / "offices" / f"{name}.html").is_file(), office["office_id"]
        # Markdown only for an office with something of its own to act on (or waived): it carries the findings
        to_act_on = any(r["office_id"] == office["office_id"] and r["status"] in ("fail", "warn", "insufficient_data",
                                                                                   "waived") for r in results_of(document))
        assert (out / "offices" / f"{name}.md").is_file() == to_act_on, office["office_id"]
        # an office whose page shows every evidence row gets no evidence file, and its page no link to one
        has_file = (out / "offices" / f"{name}.evidence.csv").is_file()
        assert has_file == (office["office_id"] in with_evidence), office["office_id"]
        page = (out / "offices" / f"{name}.html").read_text(encoding="utf-8")
        assert (f'href="{name}.evidence.csv"' in page) == has_file, office["office_id"]
        if office["office_id"] in shown_whole:  # each of its evidence rows is on the page
            for result in results_of(document):
                if result["office_id"] == office["office_id"]:
                    assert all(str(markupsafe_escape(e["key"])) in page for e in result["evidence"]), office["office_id"]


def test_index_links_every_office_page_and_the_evaluation(out, document):
    links = set(_hrefs((out / "index.html").read_text(encoding="utf-8")))
    wanted = {f"offices/{slug(o['office_id'])}.html" for o in offices_of(document)}
    assert wanted <= links
    assert {"evaluation.html", "report.json", "findings.xlsx", "junit.xml"} <= links


def test_every_local_link_of_every_page_resolves(out):
    for page in [out / "index.html", out / "evaluation.html", *sorted((out / "offices").glob("*.html"))]:
        for href in _hrefs(page.read_text(encoding="utf-8")):
            target, _, anchor = href.partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), (page.name, href)
            if anchor:
                assert f'id="{anchor}"' in resolved.read_text(encoding="utf-8"), (page.name, href)


def test_office_page_shows_articles_in_order_with_status_measured_and_its_fix_once(out):
    html = (out / "offices" / f"{FAILING_COUNTY}.html").read_text(encoding="utf-8")
    folded_at = html.index('<details class="folded">')
    first, rest = html[:folded_at], html[folded_at:]
    # the articles to act on first, in full, the others folded after them, one row per result linking to the
    # article on the shared page of duties; each group in article order
    groups = [re.findall(r'<section class="article[^"]*" id="([a-z_]+)-(\d+)"', first),
              re.findall(r'<tr><td(?: rowspan="\d+")?><a href="\.\./duties\.html#([a-z_]+)-(\d+)">', rest)]
    for anchors in groups:
        keys = [(OFFICE_CODES.index(code), int(n)) for code, n in dict.fromkeys(anchors)]
        assert keys == sorted(keys)
    assert [n for _, n in groups[0]] == ["01", "09", "12"]
    assert [n for code, n in dict.fromkeys(groups[1]) if code == "service_county"][:3] == ["02", "03", "04"]
    assert "<section" not in rest and "<blockquote" not in rest and "<th>取值依据</th>" not in rest
    section = html[html.index('id="service_county-09"'):]
    section = section[:section.index("</section>")]
    assert "不符合" in section and "12% / &gt;= 20%" in section  # a share as a percent
    assert "完整列表见 <code>GS-LZ-GL.evidence.csv</code>" in section and "<th>取值依据</th>" in section
    # its reason and fix are said once, in the findings that open the page, which link the section
    row = re.search(r'<tr data-fix="1"[^>]*>\s*<td><a href="#service_county-09">.*?</tr>', first, re.S)[0]
    assert "在「就业落实」表为「志愿者名册」表第 " in row and "至少还需 2 条，达到下限 20%" in row
    assert "整改建议" not in section and "至少还需 2 条" not in section


def test_office_score_is_the_same_in_html_and_report_json(out, document):
    for office in offices_of(document):
        score = office["score"]
        html = (out / "offices" / f"{slug(office['office_id'])}.html").read_text(encoding="utf-8")
        shown = re.search(r'<div class="score[^"]*">([^<]+)</div>', html)[1]
        expected = "—" if score["compliance"] is None else f"{score['compliance']:.0%}"
        assert shown == expected, office["office_id"]
        assert score["judged"] == score["passed"] + score["failed"] + score["insufficient_data"]
    failing = next(o for o in offices_of(document) if o["office_id"] == FAILING_COUNTY)
    assert failing["score"]["failed"] >= 1


def test_evidence_csv_holds_every_evidence_row_of_the_office(out, document):
    with (out / "offices" / f"{FAILING_COUNTY}.evidence.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = [(r["rule_id"], e["source_file"], str(e["source_row"]), e["key"])
                for r in results_of(document) if r["office_id"] == FAILING_COUNTY for e in r["evidence"]]
    assert sorted((r["规则编号"], r["文件"], r["行"], r["编号"]) for r in rows) == sorted(expected)
    assert len(rows) >= 20


def test_province_page_ranks_its_counties_by_compliance(out, document):
    html = (out / "offices" / "GS.html").read_text(encoding="utf-8")
    ranking = html[html.index("服务县符合率排名"):]
    ranked = re.findall(r'href="\.\./offices/([^"]+)\.html">', ranking)
    scores = {o["office_id"]: o["score"] for o in offices_of(document)}
    gansu_counties = {o["office_id"] for o in offices_of(document) if o["level"] == "county"
                      and o["office_id"].startswith("GS-")}
    assert set(ranked) == gansu_counties
    compliance = [scores[c]["compliance"] for c in ranked]
    assert compliance == sorted(compliance, reverse=True)


def test_markdown_report_has_the_same_findings(out):
    markdown = (out / "offices" / f"{FAILING_COUNTY}.md").read_text(encoding="utf-8")
    assert markdown.startswith("# 皋兰县项目办")
    assert "## 服务县项目办第9条" in markdown and "**不符合**" in markdown
    lines = markdown.splitlines()
    # each item of a result on a line of its own, the verdict a paragraph of its own
    assert any(line.startswith("- 结论: **不符合**") for line in lines)
    assert not any(line.startswith("- 结论") and "- 实测" in line for line in lines)
    verdict = next(i for i, line in enumerate(lines) if line.startswith("**需整改"))
    assert lines[verdict - 1] == "" and lines[verdict + 1] == ""
    # the passes are not listed: the HTML page has them, duties.html their articles and bases
    assert "## 符合及无需评价的职责（" in markdown and f"`{FAILING_COUNTY}.html`" in markdown


FINDINGS = ("fail", "warn", "insufficient_data")


def test_findings_workbook_matches_report_json(out, document):
    """One row per finding (fail, warn, insufficient data) of report.json, on the sheet of its office's level."""
    workbook = load_workbook(out / "findings.xlsx")
    levels = {o["office_id"]: o["level"] for o in offices_of(document)}
    rows = []
    for level, title in LEVEL["zh"].items():
        if title not in workbook.sheetnames:
            assert level not in levels.values(), level
            continue
        sheet = workbook[title]
        header = [c.value for c in sheet[1]]
        assert header[:4] == ["机构编号", "机构名称", "层级", "规则编号"]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        column = {name: i for i, name in enumerate(header)}
        for values in sheet.iter_rows(min_row=2, values_only=True):
            assert levels[values[column["机构编号"]]] == level
            rows.append((values[column["规则编号"]], values[column["机构编号"]], values[column["状态代码"]],
                         values[column["实测"]], values[column["要求"]] or "", values[column["证据行数"]]))
    expected = [(r["rule_id"], r["office_id"], r["status"], r["measured"], r["expected"], r["evidence_total"])
                for r in results_of(document) if r["status"] in FINDINGS]
    assert expected and len(expected) < len(results_of(document))  # the passes are left out
    assert sorted(rows, key=repr) == sorted(expected, key=repr)


def test_workbook_evidence_is_the_pages_sample_and_offices_carry_their_scores(out, document):
    workbook = load_workbook(out / "findings.xlsx")
    sheet = workbook["证据行"]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) for name in ("机构编号", "规则编号", "文件", "行")}
    shown = sorted((r[at["机构编号"]], r[at["规则编号"]], r[at["文件"]], r[at["行"]])
                   for r in sheet.iter_rows(min_row=2, values_only=True))
    expected = sorted((r["office_id"], r["rule_id"], e["source_file"], e["source_row"])
                      for r in results_of(document) if r["status"] in FINDINGS for e in r["evidence"][:10])
    assert len(expected) < sum(len(r["evidence"]) for r in results_of(document))  # some finding has more than 10
    assert shown == expected
    offices = workbook["机构"]
    header = [c.value for c in offices[1]]
    scores = {row[0]: dict(zip(header, row, strict=True)) for row in offices.iter_rows(min_row=2, values_only=True)}
    assert set(scores) == {o["office_id"] for o in offices_of(document)}
    for office in offices_of(document):
        row, score = scores[office["office_id"]], office["score"]
        # 符合 and 提示 apart; report.json's `passed` holds both (the compliance rate's numerator)
        assert (row["评价项"], row["符合"], row["提示"], row["不符合"], row["数据不足"], row["已豁免"]) == (
            score["judged"], score["passed"] - score["warned"], score["warned"], score["failed"],
            score["insufficient_data"], score["waived"])
        compliance = score["compliance"]
        assert row["符合率"] == (None if compliance is None else pytest.approx(compliance, abs=1e-4))


def test_junit_has_a_suite_per_rule_a_testcase_per_office_to_act_on_and_one_counting_the_others(out, document):
    root = ET.parse(out / "junit.xml").getroot()
    suites = root.findall("testsuite")
    results = results_of(document)
    assert [s.get("name") for s in suites] == list(dict.fromkeys(r["rule_id"] for r in sorted(
        results, key=lambda r: [s["id"] for s in document["rules"]].index(r["rule_id"]))))
    counted = {"passed": "pass", "not applicable": "not_applicable"}
    per_office, counts = [], {}
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        for case in cases:
            if case.get("classname") == suite.get("name"):  # the testcase standing for the offices of a status
                number, _, status = case.get("name").partition(" ")
                status = counted[status.removeprefix("offices ").removeprefix("office ")]
                counts[suite.get("name"), status] = int(number)
                assert (case.find("skipped") is not None) is (status == "not_applicable")
            else:
                assert case.get("name") == suite.get("name")
                per_office.append((case.get("classname"), case.get("name"), case))
    # every result that is not a pass or not applicable has its own testcase, and only those
    acted_on = [r for r in results if r["status"] not in ("pass", "not_applicable")]
    assert acted_on and sorted(c[:2] for c in per_office) == sorted((r["office_id"], r["rule_id"]) for r in acted_on)
    expected_counts = {}
    for r in results:
        if r["status"] in ("pass", "not_applicable"):
            expected_counts[r["rule_id"], r["status"]] = expected_counts.get((r["rule_id"], r["status"]), 0) + 1
    assert counts == expected_counts and any(s == "not_applicable" for _, s in counts)
    kind = {"fail": "failure", "insufficient_data": "error", "waived": "skipped", "warn": "system-out"}
    status_of = {(r["office_id"], r["rule_id"]): r["status"] for r in acted_on}
    for office_id, rule_id, case in per_office:
        assert [child.tag for child in case] == [kind[status_of[office_id, rule_id]]]
    failed = sorted(c[:2] for c in per_office if c[2].find("failure") is not None)
    assert failed == sorted((r["office_id"], r["rule_id"]) for r in results if r["status"] == "fail")
    assert sum(int(s.get("failures")) for s in suites) == len(failed)
    assert sum(int(s.get("errors")) for s in suites) == sum(r["status"] == "insufficient_data" for r in results)


def test_evaluation_report_by_province_with_charts(out, document):
    html = (out / "evaluation.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "各条款分省符合率" in html and "服务县就业比例分布" in html
    gansu = html[html.index('href="offices/GS.html"'):]
    gansu = gansu[:gansu.index("</tr>")]
    counties = [r for r in results_of(document) if r["rule_id"] == "service_county-09"
                and r["office_id"].startswith("GS-") and isinstance(r["measured"], float)]
    # a county under the 25% warning band still places the 20% the article requires
    placing = sum(r["status"] == "pass" or (r["status"] == "warn" and not r["downgraded"]) for r in counties)
    assert placing < len(counties)  # the planted county
    assert f"{placing}/{len(counties)}" in gansu


def test_evaluation_counts_serving_volunteers_per_province(out):
    with (SAMPLE / "志愿者名册.csv").open(encoding="utf-8-sig", newline="") as handle:
        volunteers = list(csv.DictReader(handle))
    serving = {}
    for v in volunteers:
        if v["服务开始日期"] <= "2025-12-31" and v["服务结束日期"] >= "2025-01-01":
            province = v["服务县编号"].split("-")[0]
            serving[province] = serving.get(province, 0) + 1
    html = (out / "evaluation.html").read_text(encoding="utf-8")
    for province, count in serving.items():
        row = html[html.index(f'href="offices/{province}.html"'):]
        assert re.search(r'<td class="num" data-sort="(\d+)">', row)[1] == str(count), province


def test_no_id_or_phone_number_appears_unmasked_in_any_output_file(out):
    with (SAMPLE / "志愿者名册.csv").open(encoding="utf-8-sig", newline="") as handle:
        volunteers = list(csv.DictReader(handle))
    numbers = [v["身份证号码"] for v in volunteers] + [v["手机号码"] for v in volunteers if v["手机号码"]]
    assert len(numbers) > 200
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 60 and any(p.name.endswith(".evidence.csv") for p in files)
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
        else:
            text = path.read_text(encoding="utf-8-sig")
        leaked = [n for n in numbers if n in text]
        assert not leaked, (path.name, leaked[:2])


PAYLOAD = "=1+2<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_out(ruleset, tmp_path_factory):
    """The sample with the failing county's volunteers renamed to a formula that is also markup."""
    package = tmp_path_factory.mktemp("hostile") / "package"
    shutil.copytree(SAMPLE, package)
    roster = package / "志愿者名册.csv"
    with roster.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[5] == FAILING_COUNTY:
            row[1] = PAYLOAD
    with roster.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return _audit_into(package, package.parent / "out", ruleset)


def test_markup_in_submitted_values_is_escaped_in_html_and_markdown(hostile_out):
    html = (hostile_out / "offices" / f"{FAILING_COUNTY}.html").read_text(encoding="utf-8")
    assert "；姓名=" + "=1+2&lt;script&gt;alert(1)&lt;/script&gt;；" in html  # the column by its header
    for page in [*hostile_out.rglob("*.html"), *hostile_out.rglob("*.md")]:
        assert "<script>alert" not in page.read_text(encoding="utf-8"), page.name


def test_formula_cells_are_neutralised_in_csv_and_xlsx(hostile_out):
    with (hostile_out / "offices" / f"{FAILING_COUNTY}.evidence.csv").open(encoding="utf-8-sig") as handle:
        contents = [row["内容"] for row in csv.DictReader(handle)]
    assert any(PAYLOAD in c for c in contents)
    workbook = load_workbook(hostile_out / "findings.xlsx")
    cells = [c for row in workbook.worksheets for line in row.iter_rows(values_only=True) for c in line]
    assert all(not (isinstance(c, str) and c.startswith(("=", "+", "-", "@"))) for c in cells)


def test_neutralise_spreadsheet_cells():
    from westaudit.reports.safety import neutralise
    assert [neutralise(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "ok", 3, None, "a\x01b")] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "'\rx", "ok", 3, None, "ab"]


def test_streaming_workbook_continues_a_full_sheet_and_keeps_every_value(tmp_path):
    from westaudit.reports.xlsx import StreamingWorkbook
    rows = [["=1+2", 3, 0.25, True, None], ["<a>&b", -1, float("nan"), False, ""],
            ["'quoted", np.int64(7), np.float64(1.5), None, "x"], ["\x01ok", 10**12, 1e-7, None, "-3"],
            ["last", 0, 0.0, None, "@x"]]
    with StreamingWorkbook(tmp_path / "b.xlsx", max_rows=3) as book:  # a header and two rows a sheet
        book.add_sheet("s'1", ("a", "b", "c", "d", "e"), rows, [10, 20, 30, 40, 50])
        book.add_sheet("exact", ("a",), [["x"], ["y"]], [10])
    workbook = load_workbook(tmp_path / "b.xlsx")
    assert workbook.sheetnames == ["s'1", "s'1 (2)", "s'1 (3)", "exact"]
    read = [line for sheet in workbook.worksheets[:3] for line in sheet.iter_rows(min_row=2, values_only=True)]
    assert read == [("'=1+2", 3, 0.25, True, None), ("<a>&b", -1, "nan", False, None),
                    ("'quoted", 7, 1.5, None, "x"), ("ok", 10**12, 1e-7, None, "'-3"), ("last", 0, 0, None, "'@x")]
    for sheet in workbook.worksheets[:3]:
        assert [c.value for c in sheet[1]] == ["a", "b", "c", "d", "e"]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:E{sheet.max_row}"
        assert sheet.column_dimensions["B"].width == 20
    assert [c.value for c in workbook["exact"]["A"]] == ["a", "x", "y"]


def test_evidence_csv_lines_read_back_as_written(tmp_path):
    from westaudit.reports.office_pages import csv_line
    values = ["plain", 'say "hi"', "a,b", "two\nlines", "cr\rhere", "", None, 12, "中文，逗号", " lead"]
    path = tmp_path / "e.csv"
    path.write_text(csv_line(values) + csv_line(values[::-1]), encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as handle:
        read = list(csv.reader(handle))
    text = ["" if v is None else str(v) for v in values]
    assert read == [text, text[::-1]]


def test_report_json_file_is_the_report_document(ruleset, tmp_path):
    from westaudit.reports.report_json import report_document
    report = run_audit(load_package(SAMPLE, ruleset.contract), ruleset)
    write_report_json(report, tmp_path / "report.json")
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(report_document(report), default=str))
    assert "甘肃" in text and text.count("\n") > len(report.results)  # Chinese as written; a line per result


def test_markdown_escape_makes_markup_and_pipes_inert():
    from westaudit.reports.render import markdown_escape
    assert markdown_escape("a|b <i>x</i>\nnext") == r"a\|b \<i\>x\</i\> next"


def test_office_ids_become_safe_distinct_file_names():
    assert slug("GS-LZ-YZ") == "GS-LZ-YZ"
    assert "/" not in slug("../etc/passwd") and slug("a/b") != slug("a_b")


def test_svg_histogram_bins_and_escapes():
    from westaudit.reports.svg import heatmap, histogram, share_colour
    chart = str(histogram([0.0, 0.12, 0.24, 0.24, 0.9], 0.05, 10, 0.2, "x", "y", "t<"))
    assert "t&lt;" in chart and "<title>0%–5%: 1</title>" in chart and "<title>45%–50%: 1</title>" in chart
    assert "<title>20%–25%: 2</title>" in chart
    assert "&lt;b&gt;" in str(heatmap(["<b>"], ["p"], [[None]], "h")) and share_colour(None) == "#d9d9d9"


def test_english_report_with_lang_en(ruleset, tmp_path):
    out = _audit_into(SAMPLE, tmp_path / "en", ruleset, lang="en")
    html = (out / "offices" / f"{FAILING_COUNTY}.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "what to fix" in html and "serving county article 9" in html
    assert "West Plan annual evaluation report" in (out / "evaluation.html").read_text(encoding="utf-8")


def test_evaluate_command_writes_the_evaluation_alone(tmp_path, capsys):
    assert main(["evaluate", str(SAMPLE), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "evaluation.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "甘肃省项目办" in html and 'href="offices/' not in html
    assert (tmp_path / "evaluation.md").read_text(encoding="utf-8").startswith("# 西部计划年度评估报告")
    assert "evaluation.html" in capsys.readouterr().out


def test_audit_view_orders_offices_along_the_hierarchy(ruleset):
    report = run_audit(load_package(SAMPLE, ruleset.contract), ruleset)
    view = AuditView(report, ruleset.articles)
    order = list(view.offices)
    assert order[0] == "N" and set(order) == set(report.scope)
    for office_id, view_office in view.offices.items():
        parent = view_office.office.parent_id
        if parent in view.offices:
            assert order.index(parent) < order.index(office_id)


CLEAN_COUNTY = "GS-LZ-YZ"  # every duty of the county and its units passes in the sample


def _before(html: str, marker: str) -> str:
    return html[:html.index(marker)] if marker in html else html


def test_a_failing_office_page_opens_with_its_verdict_and_failures_most_serious_first(out, document, ruleset):
    html = (out / "offices" / f"{FAILING_COUNTY}.html").read_text(encoding="utf-8")
    rules = {rule.id: rule for rule in ruleset.rules}
    own = [r for r in results_of(document) if r["office_id"] == FAILING_COUNTY]
    to_fix = [r for r in own if r["status"] in ("fail", "insufficient_data")]
    fatal = [r for r in to_fix if rules[r["rule_id"]].severity == "fatal"]
    assert to_fix and fatal
    first_screen = _before(html, '<section class="article')
    assert f"需整改 {len(to_fix)} 项，其中致命 {len(fatal)} 项" in first_screen
    findings = first_screen[first_screen.index('<table class="findings'):]
    findings = findings[:findings.index("</table>")]
    for result in to_fix:
        assert rules[result["rule_id"]].title_zh in findings and result["message_zh"] in findings
    severities = re.findall(r'<td class="sev-(\w+)">', findings)
    assert severities == sorted(severities, key=lambda s: s != "fatal")
    # the passes folded after the failures, one row each: every result of the office is on its page once
    assert re.search(r'<details class="folded"><summary>符合及无需评价的职责（\d+ 项', html)
    folded = html[html.index('<details class="folded">'):]
    assert html.index('<details class="folded">') > html.index('<section class="article failed"')
    in_full = re.findall(r'<code class="muted">([^<]+)</code>', html[:html.index('<details class="folded">')])
    acted_on = [r for r in own if r["status"] in ("fail", "warn", "insufficient_data")]
    assert sorted(in_full) == sorted(r["rule_id"] for r in acted_on)
    rows = re.findall(r'<td>([^<]+)<td(?: class="s-[a-z_]+")?>[^<]+<td>', folded)
    assert sorted(rows) == sorted(rules[r["rule_id"]].title_zh for r in own if r not in acted_on)



def test_a_pass_beside_a_finding_in_its_article_is_a_row_not_in_full(out, document, ruleset):
    rules = {rule.id: rule for rule in ruleset.rules}
    article = {rule_id: (rule.office, rule.article) for rule_id, rule in rules.items()}
    acted_on = {(r["office_id"], article[r["rule_id"]]) for r in results_of(document)
                if r["status"] in ("fail", "warn", "insufficient_data")}
    beside = [r for r in results_of(document) if r["status"] == "pass" and (r["office_id"], article[r["rule_id"]])
              in acted_on and (out / "offices" / f"{slug(r['office_id'])}.html").is_file()]
    assert beside
    for result in beside[:20]:
        html = (out / "offices" / f"{slug(result['office_id'])}.html").read_text(encoding="utf-8")
        folded_at = html.index('<details class="folded">')
        assert f'<code class="muted">{result["rule_id"]}</code>' not in html[:folded_at]
        assert f"<td>{rules[result['rule_id']].title_zh}<td>符合<td>" in html[folded_at:]


def test_a_clean_office_says_it_can_submit_and_shows_no_zero_in_red(out):
    html = (out / "offices" / f"{CLEAN_COUNTY}.html").read_text(encoding="utf-8")
    assert "✓ 可以报送" in _before(html, "<h2>")
    assert '<span class="s-fail">不符合 0</span>' not in html and '<span class="zero">不符合 0</span>' in html
    assert '<table class="findings' not in html and "需整改" not in _before(html, "<h2>")
    # nothing to act on: no article in full, every duty a row linking its article and value bases on duties.html
    assert "<blockquote" not in html and "<th>取值依据</th>" not in html and "<section" not in html
    assert len(re.findall(r'<td>[^<]+<td(?: class="s-not_applicable")?>(?:符合|不适用)<td>', html)) >= 10
    assert len(re.findall(r'<a href="\.\./duties\.html#', html)) >= 8
    assert not (out / "offices" / f"{CLEAN_COUNTY}.md").exists()


def test_a_county_page_lists_the_failures_of_its_service_units_under_it(out, document):
    html = (out / "offices" / f"{FAILING_COUNTY}.html").read_text(encoding="utf-8")
    section = html[html.index("<h2>下级机构需整改的职责</h2>"):]
    section = section[:section.index("</table>")]
    below = [r for r in results_of(document) if r["office_id"].startswith(FAILING_COUNTY + "-")
             and r["status"] in ("fail", "insufficient_data", "warn")]
    assert below and section.count("<tr data-fix=") == len(below)
    for result in below:
        assert f'href="{slug(result["office_id"])}.html#' in section


def test_index_opens_with_the_scope_verdict_and_names_failed_duties_by_title(out, document, ruleset):
    html = (out / "index.html").read_text(encoding="utf-8")
    rules = {rule.id: rule for rule in ruleset.rules}
    offices_to_fix = {o["office_id"] for o in offices_of(document)
                      if o["score"]["failed"] or o["score"]["insufficient_data"]}
    assert f"{len(offices_to_fix)} 个机构需整改" in _before(html, "<h2>")
    assert f"{len(document['offices']) - len(offices_to_fix)} 个机构可以报送" in _before(html, "<h2>")
    row = re.search(rf'<tr data-fix="1"[^>]*>.*?{FAILING_COUNTY}\.html">.*?</tr>', html, re.S)[0]
    assert rules["service_county-09"].title_zh in row and 'data-severity="fatal"' in row
    assert '<form class="filters' in html and 'name="level"' in html


def test_a_share_is_coloured_by_its_value_and_nothing_judged_has_no_colour():
    from westaudit.reports.render import tone

    assert tone(0.35) != tone(0.9) != tone(1.0)
    assert [tone(v) for v in (0.0, 0.349, 0.35, 0.999, 1.0)] == ["v0", "v3", "v3", "v9", "v10"]
    assert tone(None) == "v-none"


# ids, codes and file names are names, not words of a language: 皋兰县项目办 in an English page, GS-LZ-GL in a Chinese
OTHER_LANGUAGE = {"zh": re.compile(r"[A-Za-z]*[a-z][A-Za-z]*"), "en": re.compile(r"[\u4e00-\u9fff]+")}
ALLOWED_IN = {"zh": {"csv", "xlsx"}, "en": set()}


def _first_screen_words(html: str, lang: str, names: set[str]) -> set[str]:
    start = html.index('<div class="verdict')
    screen = html[start:html.index('<div class="scorebox">', start)]
    screen = re.sub(r"<[^>]+>", " ", screen)
    for name in sorted(names, key=len, reverse=True):  # office names and ids, as the data contract names them
        screen = screen.replace(name, " ")
    screen = re.sub(r"[\w.-]+\.(csv|xlsx)", " ", screen)  # file names
    return set(OTHER_LANGUAGE[lang].findall(screen)) - ALLOWED_IN[lang]


@pytest.fixture(scope="module")
def english_out(ruleset, tmp_path_factory):
    return _audit_into(SAMPLE, tmp_path_factory.mktemp("reports-en"), ruleset, "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_first_screen_of_every_page_is_in_the_page_language(lang, out, english_out, document):
    folder = out if lang == "zh" else english_out
    names = {o["name"] for o in offices_of(document)} | {o["office_id"] for o in offices_of(document)}
    leaks = {}
    for page in [folder / "index.html", *sorted((folder / "offices").glob("*.html"))]:
        words = _first_screen_words(page.read_text(encoding="utf-8"), lang, names)
        if words:
            leaks[page.name] = sorted(words)[:8]
    assert leaks == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_evaluation_opens_with_a_summary_written_from_its_figures(lang, out, english_out, ruleset):
    from westaudit.reports.evaluation import evaluate
    from westaudit.reports.evaluation_summary import summary_sentences

    loaded = load_package(SAMPLE, ruleset.contract)
    view = AuditView(run_audit(loaded, ruleset), ruleset.articles)
    evaluation = evaluate(view, loaded.tables)
    sentences = summary_sentences(evaluation, lang)
    judged = [p for p in evaluation.provinces if p.employment_ok is not None and p.employment_ok.total]
    short = [p.province.office.name for p in judged if p.employment_ok.done < p.employment_ok.total]
    late = [p.province.office.name for p in evaluation.provinces if p.extension and p.extension.done < p.extension.total]
    assert judged and short and late
    text = " ".join(sentences)
    met = len(judged) - len(short)
    assert (f"{len(judged)} 个省份中 {met} 个省份" if lang == "zh" else f"in {met} of {len(judged)} provinces") in text
    assert all(name in text for name in short + late)
    page = ((out if lang == "zh" else english_out) / "evaluation.html").read_text(encoding="utf-8")
    summary = page[page.index('<section class="summary">'):page.index("</section>", page.index('<section class="summary">'))]
    assert page.index('<section class="summary">') < page.index("<table")
    assert all(str(markupsafe_escape(s)) in summary for s in sentences)


def test_a_bar_with_nothing_judged_is_no_bar_but_words():
    from westaudit.reports.svg import bar_chart

    chart = str(bar_chart(["甲", "乙"], [0.5, None], "按时率", "未提交"))
    assert chart.count("<rect") == 1 and "未提交" in chart and "50%" in chart

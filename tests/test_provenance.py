"""Every value a result is judged by names its basis (article text, policy, westaudit default) and every writer
shows it: report.json as structured fields, the office pages, the Markdown, the workbook and the terminal."""

from __future__ import annotations

import html
import json
import re

import pytest
from openpyxl import load_workbook

from westaudit.core.basis import BasisKind
from westaudit.core.results import Status, severity_counts, severity_text
from westaudit.reports.report_json import report_document, results_of
from westaudit.reports.site import FINDINGS_XLSX, write_site
from westaudit.reports.terminal import summary_lines
from westaudit.reports.value_basis import expected_text, value_basis

EMPLOYMENT_RULE, VISITS_RULE = "service_county-09", "service_county-07"
# the parameters are shown by their descriptions (rules/parameters.yaml), never by their code names
EMPLOYMENT_MIN = "每年落实就业岗位的志愿者占在本县服务志愿者人数的最低比例"


def test_every_parameter_declares_its_basis(ruleset):
    kinds = {name: p.basis.kind for name, p in ruleset.parameters.parameters.items()}
    assert len(kinds) == 65 and None not in kinds.values()
    assert kinds["employment_ratio_min"] is BasisKind.TEXT  # 不少于……20% stands in service_county-09
    assert kinds["visits_min_per_year"] is BasisKind.DEFAULT  # 定期 states no number


def _judged(audit, rule_id):
    return next(r for r in audit.results if r.rule_id == rule_id and r.parameters and r.status is not Status.PASS)


def test_report_json_carries_basis_and_source(sample_audit):
    document = report_document(sample_audit)
    written = next(r for r in results_of(document) if r["rule_id"] == EMPLOYMENT_RULE and r["status"] == "pass")
    (use,) = written["parameters"]
    assert use["basis"] == {"kind": "text", "article": "service_county-09",
                            "quote": "每年为不少于在本县服务志愿者人数20%的志愿者落实就业岗位"}
    assert use["source"] == "rules/parameters.yaml" and use["adopted_by"] == ""
    assert (use["name"], use["value"], use["unit"], use["effective"]) == ("employment_ratio_min", 0.2, "ratio",
                                                                         "2009-01-01")
    json.dumps(document, default=str)


def test_value_basis_reads_as_text_policy_or_default(sample_audit):
    employment = value_basis(_judged(sample_audit, EMPLOYMENT_RULE).parameters[0])
    assert employment.startswith(f"{EMPLOYMENT_MIN}：20%（2009-01-01 起施行） · 依据条文（服务县项目办第9条：“每年为")
    visits = value_basis(_judged(sample_audit, VISITS_RULE).parameters[0], "en")
    assert visits.startswith("Minimum visits to volunteers per year by a county office: 4 (in force from 2009-01-01)"), visits
    assert "westaudit default (in Chinese): “条文只写" in visits and "from the rule set's parameters" in visits


@pytest.fixture(scope="module")
def site(sample_audit, sample_package, ruleset, tmp_path_factory):
    out = tmp_path_factory.mktemp("provenance")
    write_site(sample_audit, ruleset.articles, sample_package.tables, out, "zh")
    return out


def test_pages_markdown_and_workbook_show_the_basis(sample_audit, site):
    result = _judged(sample_audit, VISITS_RULE)
    line = value_basis(result.parameters[0])
    page = (site / "offices" / f"{result.office_id}.html").read_text(encoding="utf-8")
    markdown = (site / "offices" / f"{result.office_id}.md").read_text(encoding="utf-8")
    assert "取值依据" in page and line in page
    assert "默认口径：条文只写“定期看望、慰问”" in markdown
    sheet = load_workbook(site / FINDINGS_XLSX, read_only=True)["县级"]
    header, *rows = sheet.iter_rows(values_only=True)
    column = header.index("取值依据")
    assert any(row[column] and "默认口径" in row[column] for row in rows)


def test_the_workbook_lists_every_value_of_a_finding_with_its_date_and_basis(sample_audit, site):
    sheet = load_workbook(site / FINDINGS_XLSX, read_only=True)["县级"]
    header, *rows = sheet.iter_rows(values_only=True)
    at = {name: header.index(name) for name in ("机构编号", "规则编号", "取值依据")}
    shown = {(row[at["机构编号"]], row[at["规则编号"]]): row[at["取值依据"]] for row in rows}
    for result in (_judged(sample_audit, VISITS_RULE), _judged(sample_audit, EMPLOYMENT_RULE)):
        # one line per value: name, value, the date it took effect, basis (the band's line too)
        assert shown[(result.office_id, result.rule_id)].split("\n") == [value_basis(u) for u in result.parameters]
        assert all("起施行" in line for line in shown[(result.office_id, result.rule_id)].split("\n"))


def test_every_summary_counts_by_severity(sample_audit, site):
    counts = severity_counts(sample_audit.results)
    assert counts["fatal"] and counts["warning"] and counts["default_basis"]
    assert report_document(sample_audit)["summary_by_severity"] == counts
    assert f"按严重程度：{severity_text(counts, 'zh')}" in summary_lines(
        sample_audit)
    assert f"按严重程度：{severity_text(counts, 'zh')}" in (site / "index.html").read_text(encoding="utf-8")
    office = _judged(sample_audit, VISITS_RULE).office_id
    own = severity_counts([r for r in sample_audit.results if r.office_id == office])
    assert f"按严重程度：{severity_text(own, 'zh')}" in (site / "offices" / f"{office}.html").read_text(encoding="utf-8")
    assert f"按严重程度: {severity_text(own, 'zh')}" in (site / "offices" / f"{office}.md").read_text(encoding="utf-8")
    sheet = load_workbook(site / FINDINGS_XLSX, read_only=True)["机构"]
    header, *rows = sheet.iter_rows(values_only=True)
    by_office = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert (by_office[office]["不符合"], by_office[office]["提示"], by_office[office]["其中默认口径"]) == (
        own["fatal"], own["warning"], own["default_basis"])
    assert [sum(row[name] for row in by_office.values()) for name in ("不符合", "提示", "其中默认口径")] == [
        counts["fatal"], counts["warning"], counts["default_basis"]]


def test_junit_failures_and_warnings_name_the_values_and_their_basis(sample_audit, site):
    import xml.etree.ElementTree as ET

    root = ET.parse(site / "junit.xml").getroot()
    case = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failed = next(r for r in sample_audit.results if r.rule_id == EMPLOYMENT_RULE and r.status is Status.FAIL)
    text = case[(failed.office_id, EMPLOYMENT_RULE)].find("failure").text
    assert text.endswith(f"; judged by {value_basis(failed.parameters[0], 'en')}")
    warned = _judged(sample_audit, VISITS_RULE)
    assert f"judged by {value_basis(warned.parameters[0], 'en')}" in case[(warned.office_id, VISITS_RULE)].find(
        "system-out").text


def test_the_terminal_shows_the_basis_of_a_finding(sample_audit):
    lines = summary_lines(sample_audit)
    assert any(line.strip().startswith("取值依据 县级项目办每年看望、慰问志愿者的最少次数：4") for line in lines), lines


def test_a_county_under_the_warning_band_names_both_lines(sample_audit):
    warned = [r for r in sample_audit.results if r.rule_id == EMPLOYMENT_RULE and r.status is Status.WARN]
    assert warned and all(0.2 <= r.measured < 0.25 and not r.downgraded for r in warned)
    lines = [value_basis(use) for use in warned[0].parameters]
    assert lines[0].startswith(f"{EMPLOYMENT_MIN}：20%") and lines[1].startswith(
        f"{EMPLOYMENT_MIN}（提示线）：25%（2009-01-01 起施行） · 默认口径：条文只定下限20%")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_duties_page_gives_every_article_once_with_each_rules_requirements_and_value_bases(
        sample_audit, ruleset, site):
    """An office page's passes are rows; their article text, requirement and value bases are on duties.html,
    written once for the site."""
    page = (site / "duties.html").read_text(encoding="utf-8")
    for (code, number), article in ruleset.articles.items():
        assert page.count(f'id="{code}-{number:02d}"') == 1 and article.text in _text(page), (code, number)
    text = _text(page)
    for result in sample_audit.results:
        assert expected_text(result) in text, result.rule_id
        for use in result.parameters:
            assert value_basis(use) in text, (result.rule_id, use.name)
    assert {rule.id for rule in ruleset.rules} <= set(re.findall(r'<code class="muted">([^<]+)</code>', page))


def test_a_pass_is_one_row_on_its_office_page_and_its_basis_only_on_the_duties_page(sample_audit, site):
    passed = next(r for r in sample_audit.results if r.rule_id == EMPLOYMENT_RULE and r.status is Status.PASS
                  and (site / "offices" / f"{r.office_id}.html").is_file()
                  and not any(o.office_id == r.office_id and o.status is not Status.PASS and o.rule_id.startswith(
                      "service_county-09") for o in sample_audit.results))
    page = (site / "offices" / f"{passed.office_id}.html").read_text(encoding="utf-8")
    line = value_basis(passed.parameters[0])
    assert line not in _text(page) and line in _text((site / "duties.html").read_text(encoding="utf-8"))
    assert re.search(r'<a href="\.\./duties\.html#service_county-09">服务县项目办第9条</a><td>[^<]+<td>符合<td>[^<]+%\n',
                     page)

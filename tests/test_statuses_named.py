"""Statuses named right on every page (issue 16 item 4): 数据不足 for a result resting on rejected rows, 已豁免
counted apart and never as resolved, a warning shown as 提示 with its severity (警告), and 符合 never counting the
warnings: the index, office HTML and Markdown, the evaluation, findings.xlsx, the terminal and "since last audit"."""

import contextlib
import io
import json
import re
import shutil
from textwrap import dedent

import pytest
from openpyxl import load_workbook

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.core.results import DEFAULT
from westaudit.evaluate.audit import run_audit
from westaudit.evaluate.waivers import apply_waivers, load_waivers
from westaudit.intake.package import load_package
from westaudit.reports.model import slug
from westaudit.reports.report_json import offices_of, results_of
from westaudit.reports.terminal import summary_lines

COUNTY = "GS-LZ-YZ"  # clean in the sample: its duties reading the broken date would pass
WAIVED = ("service_province-12", "GZ")
WAIVER = f"""\
waivers:
  - rule: {WAIVED[0]}
    office: {WAIVED[1]}
    reason: 从江县为深度贫困县，经全国项目办同意暂缓淘汰一年
    approved_by: N
    approved_on: 2025-03-01
    expires_on: 2099-12-31
"""


def _with_a_bad_date(target):
    """The sample with one volunteer of the county whose service start is no date: the row is kept, the cell
    rejected, so every duty of the offices above reading that column rests on a rejected row."""
    shutil.copytree(SAMPLE, target)
    roster = target / "志愿者名册.csv"
    lines = roster.read_text(encoding="utf-8-sig").splitlines()
    first = next(i for i, line in enumerate(lines) if f",{COUNTY},{COUNTY}-U1," in line)
    lines[first] = lines[first].replace(",2024-08-01,", ",2024年13月1日,", 1)
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _cli(*args) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([str(a) for a in args])
    return code, printed.getvalue()


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """Run 1: the sample. Run 2: the sample with a bad date and the waiver, every page written, same store."""
    folder = tmp_path_factory.mktemp("statuses")
    store, waivers = folder / "audits.sqlite", folder / "waivers.yaml"
    waivers.write_text(dedent(WAIVER), encoding="utf-8")
    _cli("audit", SAMPLE, "--out", folder / "first", "--store", store)
    package = _with_a_bad_date(folder / "package")
    _, printed = _cli("audit", package, "--out", folder / "second", "--store", store, "--waivers", waivers,
                      "--pages", "all")
    document = json.loads((folder / "second" / "report.json").read_text(encoding="utf-8"))
    return folder / "second", document, printed, store, package, waivers


def _results(document, status):
    return [r for r in results_of(document) if r["status"] == status]


def _page(out, office, suffix=".html"):
    return (out / "offices" / f"{slug(office)}{suffix}").read_text(encoding="utf-8")


def _findings_table(page):
    start = page.index('<table class="findings')
    return page[start:page.index("</table>", start)]


def _sheet_rows(out):
    workbook = load_workbook(out / "findings.xlsx", read_only=True)
    rows = {}
    for sheet in workbook.worksheets:
        header, *body = sheet.iter_rows(values_only=True)
        if "规则编号" in header and "结论" in header and sheet.title != "证据行":
            for row in body:
                named = dict(zip(header, row, strict=False))
                rows[(named["机构编号"], named["规则编号"])] = named
    offices = workbook["机构"]
    header, *body = offices.iter_rows(values_only=True)
    return rows, {row[0]: dict(zip(header, row, strict=True)) for row in body}


def _report(ruleset, package, waivers):
    report = run_audit(load_package(package, ruleset.contract), ruleset)
    return apply_waivers(report, load_waivers(waivers), report.reference_date)[0]


def test_a_result_resting_on_rejected_rows_is_data_insufficient_on_every_page(audited, ruleset):
    out, document, _, _, package, waivers = audited
    resting = [r for r in _results(document, "insufficient_data") if r["office_id"] == COUNTY]
    assert resting and all(r["incomplete_tables"] == ["volunteers"] and r["evidence_total"] for r in resting)
    # the office page and its Markdown: each in the findings, as 数据不足 and never 不适用
    table = _findings_table(_page(out, COUNTY))
    assert table.count('<td class="s-insufficient_data">数据不足</td>') == len(resting)
    assert "不适用" not in table
    markdown = _page(out, COUNTY, ".md")
    findings = markdown[:markdown.index("\n\n", markdown.index("| --- |"))]
    assert findings.count("| 数据不足 |") == len(resting) and "不适用" not in findings
    # the workbook's finding rows
    rows, offices = _sheet_rows(out)
    assert all(rows[(COUNTY, r["rule_id"])]["结论"] == "数据不足" for r in resting)
    assert offices[COUNTY]["数据不足"] == len(resting)
    # the index counts them
    everywhere = len(_results(document, "insufficient_data"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'数据不足 {everywhere}</span>', index)
    # the terminal of a self-check
    lines = summary_lines(_report(ruleset, package, waivers))
    for result in resting:
        line = next(line for line in lines if f" {result['rule_id']} " in line and line.lstrip().startswith("?"))
        assert line.lstrip().startswith("? 数据不足"), line


def test_a_waived_finding_is_counted_apart_and_never_resolved(audited):
    out, document, printed, store, _, _ = audited
    (waived,) = _results(document, "waived")
    assert (waived["rule_id"], waived["office_id"]) == WAIVED
    # since the last audit: 已豁免 1, and the finding is not among the resolved
    index = (out / "index.html").read_text(encoding="utf-8")
    since = index[index.index('<section class="since-last-audit">'):]
    since = since[:since.index("</section>")]
    assert "已豁免 1" in since
    row = next(row for row in since.split("<tr")[1:] if f"<code>{WAIVED[0]}</code>" in row and WAIVED[1] in row)
    assert row.startswith(' class="change-waived"><td>已豁免</td>'), row
    assert "已豁免 1" in printed and re.search(r"已解决 \d+、已豁免 1", printed)
    code, diff = _cli("diff", 1, 2, "--store", store)
    assert code == 0 and "已豁免 waived 1" in diff
    waived_line = next(line for line in diff.splitlines() if WAIVED[0] in line and WAIVED[1] in line)
    assert "已豁免 waived" in waived_line and "已解决" not in waived_line
    # the office's counts, on its page, its Markdown, the workbook and report.json
    assert re.search(r'<span class="s-waived">已豁免 1</span>', _page(out, WAIVED[1]))
    assert "已豁免 1)" in _page(out, WAIVED[1], ".md")
    _, offices = _sheet_rows(out)
    score = next(o["score"] for o in offices_of(document) if o["office_id"] == WAIVED[1])
    assert offices[WAIVED[1]]["已豁免"] == score["waived"] == 1


def test_a_warning_is_shown_as_a_hint_with_its_severity_and_never_as_a_pass(audited, ruleset):
    out, document, _, _, package, waivers = audited
    rules = {r["id"]: r for r in document["rules"]}
    # a failing check of a fatal rule judged by a westaudit default: a warning, whatever the rule says
    downgraded = next(r for r in _results(document, "warn")
                      if r["downgraded"] == DEFAULT and rules[r["rule_id"]]["severity"] == "fatal")
    assert downgraded["severity"] == "warning"
    office, rule_id = downgraded["office_id"], downgraded["rule_id"]
    table = _findings_table(_page(out, office))
    row = next(row for row in table.split("<tr")[1:] if f"#{rule_id}" in row or rule_id in row)
    assert '<td class="s-warn">提示 · 默认口径</td>' in row and '<td class="sev-warning">警告</td>' in row, row
    assert 'data-severity="warning"' in row and "致命" not in row
    markdown = _page(out, office, ".md")
    assert any("| 提示 · 默认口径 | 警告 |" in line for line in markdown.splitlines())
    rows, offices = _sheet_rows(out)
    assert (rows[(office, rule_id)]["结论"], rows[(office, rule_id)]["严重程度"]) == ("提示 · 默认口径", "警告")
    line = next(line for line in summary_lines(_report(ruleset, package, waivers))
                if f" {rule_id} " in line and line.lstrip().startswith("!"))
    assert line.lstrip().startswith("! 提示·默认口径") and line.endswith("（警告）"), line
    # 符合 counts passes only, 提示 the warnings, everywhere the counts are shown
    passes, warnings = len(_results(document, "pass")), len(_results(document, "warn"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"符合 {passes} · " in index and f'<span class="s-warn">提示 {warnings}</span>' in index
    assert "致命（不符合）" in index and "警告（提示）" in index
    own = [r for r in results_of(document) if r["office_id"] == office]
    score = next(o["score"] for o in offices_of(document) if o["office_id"] == office)
    assert score["warned"] == sum(r["status"] == "warn" for r in own)
    assert offices[office]["符合"] == sum(r["status"] == "pass" for r in own) == score["passed"] - score["warned"]
    assert offices[office]["提示"] == score["warned"]
    assert f"符合 {score['passed'] - score['warned']}, 提示 {score['warned']}," in markdown


def test_the_english_pages_name_the_statuses_too(tmp_path):
    english = tmp_path / "en"
    assert main(["audit", str(SAMPLE), "--out", str(english), "--no-store", "--lang", "en"]) in (0, 1)
    document = json.loads((english / "report.json").read_text(encoding="utf-8"))
    passes, warnings = len(_results(document, "pass")), len(_results(document, "warn"))
    index = (english / "index.html").read_text(encoding="utf-8")
    assert f"pass {passes} · " in index and f'<span class="s-warn">warning {warnings}</span>' in index
    evaluation = (english / "evaluation.html").read_text(encoding="utf-8")
    assert "pass/warning/fail/insufficient" in evaluation

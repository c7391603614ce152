"""A province whose recruiting or serving flag is blank (issue 15, item 5) is a data-quality finding in every
output, never a province silently without the duties of that side."""

import json
import shutil
from pathlib import Path

import pytest

from westaudit.cli import main
from westaudit.reports.report_json import results_of

SAMPLE = Path(__file__).parents[1] / "data_samples" / "west2025"
OFFICES = "组织机构.csv"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    root = tmp_path_factory.mktemp("flags")
    package = root / "package"
    shutil.copytree(SAMPLE, package)
    offices = package / OFFICES
    text = offices.read_text(encoding="utf-8-sig")
    assert "GZ,贵州省项目办,省级,N,是,是\n" in text
    offices.write_text(text.replace("GZ,贵州省项目办,省级,N,是,是\n", "GZ,贵州省项目办,省级,N,是,\n"), encoding="utf-8-sig")
    return package, root / "out"


def test_a_blank_serving_flag_is_a_finding_in_report_json_pages_and_terminal(audited, capsys):
    package, out = audited
    assert main(["audit", str(package), "--out", str(out), "--no-store"]) == 1  # the sample's planted findings
    printed = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    flagged = [r for r in report["rejected_rows"] if r["table"] == "offices"]
    assert [(r["office_id"], r["column"], r["value"], r["row_kept"]) for r in flagged] == [("GZ", "serves", "", True)]
    assert flagged[0]["source_file"] == OFFICES and flagged[0]["source_row"] == 4
    assert flagged[0]["expected"].startswith("省级项目办须填写是否服务省")
    assert "rejected rows: 1" in printed
    assert "省级项目办须填写是否服务省" in (out / "index.html").read_text(encoding="utf-8")
    # the province plays no serving role, so the finding is all that says why its serving duties are absent
    gz_rules = {r["rule_id"] for r in results_of(report) if r["office_id"] == "GZ"}
    assert not any(rule.startswith("service_province-") for rule in gz_rules)
    assert any(rule.startswith("recruit_province-") for rule in gz_rules)


def test_provinces_with_both_flags_filled_have_no_such_finding(tmp_path):
    out = tmp_path / "out"
    assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store"]) == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert not [r for r in report["rejected_rows"] if r["table"] == "offices"]

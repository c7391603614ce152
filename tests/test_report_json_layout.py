"""report.json 2.0 (docs/report-json.md): criteria and messages written once, each result a compact row. Read back
with results_of() and offices_of(), every result and office equals what schema 1.10 wrote for it; the 1.10
mappings are built here from the AuditReport itself (the oracle), not by the module under test."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from westaudit.core.basis import Basis, BasisKind
from westaudit.core.results import (
    DEFAULT,
    SEVERITY,
    Counts,
    EvidenceRow,
    ParameterUse,
    Remediation,
    Result,
    Status,
)
from westaudit.reports.model import Score
from westaudit.reports.report_json import offices_of, report_document, results_of, write_report_json
from westaudit.reports.safety import mask_text

PLANTED_ID = "620102200012077428"  # a valid resident ID number (tests/test_hostile_masking.py)
MASKED_ID = "620***********7428"
PLANTED_MOBILE = "13812345678"


def result_1_10(result: Result, package: str | None) -> dict:
    """A result as schema 1.10 wrote it (reports/report_json.py `_result()` of 1.10, field for field)."""
    return {
        "rule_id": result.rule_id, "office_id": result.office_id, "status": result.status.value,
        "measured": result.measured, "expected": result.expected, "threshold": result.threshold,
        "parameters": [use.as_dict() for use in result.parameters],
        "counts": None if result.counts is None else result.counts.as_dict(),
        "remediation": None if result.remediation is None else result.remediation.as_dict(),
        "expected_en": result.expected_en or result.expected, "severity": result.severity,
        "downgraded": result.downgraded, "last_ranked_again": list(result.last_ranked_again),
        "message_zh": result.message_zh, "message_en": result.message_en,
        "evidence": [{"table": e.table, "source_file": e.source_file, "source_row": e.source_row, "key": e.key,
                      "values": dict(e.values), "reason": e.reason, "reason_en": e.reason_in("en")}
                     for e in result.evidence],
        "evidence_total": result.evidence_total, "incomplete_tables": list(result.incomplete_tables),
        "package": package,
    }


def offices_1_10(report) -> list[dict]:
    by_office: dict[str, list[Result]] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    offices = []
    for office_id in report.scope:
        office, score = report.offices[office_id], Score.of(by_office.get(office_id, []))
        offices.append({"office_id": office_id, "name": office.name, "level": office.level,
                        "parent_id": office.parent_id, "roles": list(office.roles),
                        "score": {"judged": score.judged, "passed": score.passed, "failed": score.failed,
                                  "insufficient_data": score.insufficient,
                                  "compliance": None if score.compliance is None else round(score.compliance, 4),
                                  "warned": score.warned, "waived": score.waived},
                        "package": report.package_of(office_id)})
    return offices


def as_written(value) -> object:
    """A value as 1.10 wrote it into the file: JSON, personal numbers masked."""
    return json.loads(mask_text(json.dumps(value, ensure_ascii=False, default=str)))


def text_of(value) -> str:
    """JSON text, so that 1 and 1.0 (equal in Python) are told apart, and so is the order of keys."""
    return json.dumps(value, ensure_ascii=False, default=str)


def written(report, folder: Path) -> tuple[str, dict]:
    path = folder / "report.json"
    write_report_json(report, path)
    text = path.read_text(encoding="utf-8")
    return text, json.loads(text)


def planted_results(report) -> tuple[Result, ...]:
    """Every field of a result set, and unset: evidence (a row cited twice), remediation, counts, a parameter of
    each basis kind and one without, a waived and a downgraded result, thresholds 1 and 1.0 of one rule, an office
    offices[] does not list, personal numbers in a message and an evidence value."""
    office, other = report.scope[0], report.scope[1]
    text = ParameterUse("employment_ratio_min", 0.2, "ratio", dt.date(2020, 1, 1),
                        Basis(BasisKind.TEXT, article="service_county-09", quote="就业率不低于20%"),
                        "rules/parameters.yaml")
    policy = ParameterUse("deadline_days", 30, "days", dt.date(2025, 3, 1),
                          Basis(BasisKind.POLICY, title="甘肃省西部计划实施细则", number="甘青联发〔2025〕4号",
                                clause="第五条"), "policies/gs.yaml", "GS")
    default = ParameterUse("report_hours", 48, "hours", None, Basis(BasisKind.DEFAULT, why="无条文规定时限"))
    bare = ParameterUse("members_min", 1, "count", None)
    row = EvidenceRow("volunteers", "志愿者名册.csv", 7, "V007",
                      (("name", "张三"), ("id_number", PLANTED_ID), ("note", "电话 " + PLANTED_MOBILE)),
                      "未按期报到", "did not report in time")
    chinese_only = EvidenceRow("volunteers", "志愿者名册.csv", 9, "V009", (("name", "李四"),), "缺少身份证号")
    remedy = Remediation("correct", "volunteers", "在「志愿者名册」表更正第 7 行", "In the sheet, correct row 7",
                         (7, 9), "2025-03-31")
    return (
        Result("planted-01", office, Status.FAIL, "1/2", ">= 100%", f"未达标（{PLANTED_ID}）", "short",
               (row, chinese_only), 12, ("volunteers",), 1.0, (text, policy), Counts(1, 2), remedy, "",
               "fatal", "", ("V007",)),
        Result("planted-01", other, Status.WARN, "1/2", ">= 100%", "未达标", "short", (row,), 1, (), 1.0,
               (text, default), Counts(1, 2), remedy, "at least 100%", "warning", DEFAULT),
        Result("planted-01", other, Status.PASS, 1, ">= 1", "达标", "met", threshold=1, parameters=(bare,),
               severity="fatal"),
        Result("planted-01", office, Status.PASS, 1, ">= 1", "达标", "met", threshold=1.0, parameters=(bare,),
               severity="fatal"),
        Result("planted-02", office, Status.WAIVED, None, "按期报送", "已豁免：批准至 2026-01-01",
               "waived until 2026-01-01", severity="fatal"),
        Result("planted-03", office, Status.WARN, 0, "<= 0", "提示", "advice", severity="warning",
               downgraded=SEVERITY, counts=Counts(0, 0)),
        Result("planted-04", "not-in-scope", Status.INSUFFICIENT_DATA, None, "", "数据不足", "no data",
               incomplete_tables=("documents", "quotas"), parameters=(policy,)),
    )


@pytest.fixture(scope="module")
def planted(sample_audit):
    return dataclasses.replace(sample_audit, results=planted_results(sample_audit))


@pytest.mark.parametrize("case", ["sample", "planted"])
def test_results_read_back_are_the_results_of_schema_1_10(case, sample_audit, planted, tmp_path):
    report = sample_audit if case == "sample" else planted
    oracle = [result_1_10(r, report.package_of(r.office_id)) for r in report.results]
    document = report_document(report)
    assert document["schema_version"] == "2.0"
    assert results_of(document) == oracle
    assert text_of(results_of(document)) == text_of(oracle)
    _, from_file = written(report, tmp_path)
    assert text_of(results_of(from_file)) == text_of(as_written(oracle))
    assert text_of(offices_of(from_file)) == text_of(as_written(offices_1_10(report)))


def test_each_criterion_and_message_is_written_once(sample_audit, planted):
    document = report_document(planted)
    # planted-01 is judged against four criteria: two of other parameters, and thresholds 1 and 1.0 (equal in
    # Python, written apart); the last two share their message
    assert [c["rule_id"] for c in document["criteria"]].count("planted-01") == 4
    assert len(document["messages"]) == len(planted.results) - 1
    sample = report_document(sample_audit)
    for shared in (sample["criteria"], sample["messages"]):
        assert len({text_of(item) for item in shared}) == len(shared) < len(sample_audit.results)
    # a row leaves out its trailing defaults: most results end at their counts
    assert min(len(row) for row in sample["results"]) < len(sample["result_columns"])
    assert any(len(row) == len(sample["result_columns"]) for row in document["results"])  # not-in-scope


def test_the_file_holds_one_result_per_line(sample_audit, tmp_path):
    text, document = written(sample_audit, tmp_path)
    lines = text.splitlines()
    start = lines.index(' "results": [') + 1
    rows = lines[start:start + len(sample_audit.results)]
    assert lines[start + len(sample_audit.results)] == " ],"
    assert [json.loads(line.strip().rstrip(",")) for line in rows] == document["results"]
    # a result's line names its rule and office, as grep finds them
    assert all(f'["{r.rule_id}","{r.office_id}","{r.status.value}",' in line
               for r, line in zip(sample_audit.results, rows, strict=True))
    for field in ("offices", "criteria", "messages"):
        begin = lines.index(f' "{field}": [') + 1
        assert len([line for line in lines[begin:begin + len(document[field])] if line.startswith("  ")]) == len(
            document[field])


def test_a_personal_number_in_a_message_or_evidence_is_written_masked(planted, tmp_path):
    text, document = written(planted, tmp_path)
    assert PLANTED_ID not in text and PLANTED_MOBILE not in text
    # lines are masked a thousand at a time: every batch, the last one short
    many = dataclasses.replace(planted, results=planted.results * 300)
    many_text, many_document = written(many, tmp_path)
    assert PLANTED_ID not in many_text and PLANTED_MOBILE not in many_text
    # the message once, the evidence row in each of two results 300 times
    assert len(many_document["results"]) == len(many.results) and many_text.count(MASKED_ID) == 1 + 300 * 2
    first = results_of(document)[0]
    assert MASKED_ID in first["message_zh"] and first["evidence"][0]["values"]["id_number"] == MASKED_ID
    assert first["evidence"][0]["values"]["note"] == "电话 138****5678"


def test_a_1x_document_is_read_as_it_is_and_a_later_major_version_refused():
    result = {"rule_id": "r", "office_id": "o", "status": "pass"}
    office = {"office_id": "o", "score": {"judged": 1}}
    document = {"schema_version": "1.10", "results": [result], "offices": [office]}
    assert results_of(document) == [result] and offices_of(document) == [office]
    with pytest.raises(ValueError, match="schema 3.0"):
        results_of(document | {"schema_version": "3.0"})

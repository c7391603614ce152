"""JUnit XML for pipelines: one testcase per rule x office; fail is a failure, insufficient data an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from westaudit.results import Status

from .model import AuditView
from .safety import strip_control

_SKIPPED = (Status.NOT_APPLICABLE, Status.WAIVED)


def junit_tree(view: AuditView) -> ET.ElementTree:
    suites = ET.Element("testsuites", name=f"westaudit {view.report.year}")
    for office in view.offices.values():
        if not office.results:
            continue
        suite = ET.SubElement(suites, "testsuite", name=office.office.office_id, tests=str(len(office.results)),
                              failures=str(sum(r.status is Status.FAIL for r in office.results)),
                              errors=str(sum(r.status is Status.INSUFFICIENT_DATA for r in office.results)),
                              skipped=str(sum(r.status in _SKIPPED for r in office.results)))
        for result in office.results:
            case = ET.SubElement(suite, "testcase", classname=office.office.office_id, name=result.rule_id)
            detail = strip_control(f"{result.message_zh} / {result.message_en}")
            if result.status is Status.FAIL:
                ET.SubElement(case, "failure", message=detail, type="fail").text = (
                    strip_control(
                    f"measured {result.measured} expected {result.expected}; evidence rows {result.evidence_total}"))
            elif result.status is Status.INSUFFICIENT_DATA:
                ET.SubElement(case, "error", message=detail, type="insufficient_data")
            elif result.status in _SKIPPED:
                ET.SubElement(case, "skipped", message=detail)
            elif result.status is Status.WARN:
                ET.SubElement(case, "system-out").text = detail
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(view: AuditView, path: Path) -> None:
    junit_tree(view).write(path, encoding="utf-8", xml_declaration=True)

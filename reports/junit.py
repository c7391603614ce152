"""JUnit XML for pipelines: one testcase per rule x office; fail is a failure, insufficient data an error.

Written as text in one pass, laid out as ElementTree writes an indented tree: a national audit has 300,000
testcases, most of them word for word the same apart from the office, which ElementTree would build and
escape one by one.
"""

from __future__ import annotations

from pathlib import Path

from westaudit.core.results import Result, Status

from .model import AuditView
from .safety import mask_text, strip_control
from .value_basis import value_basis

_SKIPPED = (Status.NOT_APPLICABLE, Status.WAIVED)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                            "\t": "&#09;"})


def _attributes(**values: str) -> str:
    return "".join(f' {name}="{value.translate(_ATTRIBUTE)}"' for name, value in values.items())


def _judged_by(result: Result) -> str:
    """Each value the result was judged by, with its basis, in English (a pipeline's log is read in English)."""
    return "".join(f"; judged by {value_basis(use, 'en')}" for use in result.parameters)


def _inner(result: Result) -> str | None:
    """The element inside a testcase (None: a pass, an empty testcase)."""
    detail = strip_control(f"{result.message_zh} / {result.message_en}")
    if result.status is Status.FAIL:
        text = strip_control(f"measured {result.measured} expected {result.expected}; evidence rows "
                             f"{result.evidence_total}{_judged_by(result)}")
        return f"<failure{_attributes(message=detail, type='fail')}>{text.translate(_TEXT)}</failure>"
    if result.status is Status.INSUFFICIENT_DATA:
        return f"<error{_attributes(message=detail, type='insufficient_data')} />"
    if result.status in _SKIPPED:
        return f"<skipped{_attributes(message=detail)} />"
    if result.status is Status.WARN:
        return f"<system-out>{strip_control(detail + _judged_by(result)).translate(_TEXT)}</system-out>"
    return None


def junit_lines(view: AuditView) -> list[str]:
    suites = [office for office in view.offices.values() if office.results]
    opening = f"<?xml version='1.0' encoding='utf-8'?>\n<testsuites{_attributes(name=f'westaudit {view.report.year}')}"
    if not suites:
        return [opening, " />"]
    lines = [opening, ">\n"]
    # most results repeat word for word across offices (passes, nothing to judge, a table missing): each
    # distinct one is written once
    inner_of: dict[tuple, str | None] = {}
    names = {rule_id: _attributes(name=rule_id) for rule_id in view.rules}
    for office in suites:
        results, office_id = office.results, office.office.office_id
        counts = _attributes(name=office_id, tests=str(len(results)),
                             failures=str(sum(r.status is Status.FAIL for r in results)),
                             errors=str(sum(r.status is Status.INSUFFICIENT_DATA for r in results)),
                             skipped=str(sum(r.status in _SKIPPED for r in results)))
        lines.append(f"  <testsuite{counts}>\n")
        case_start = f"    <testcase{_attributes(classname=office_id)}"
        for result in results:
            key = (result.status, result.message_zh, result.message_en, result.measured.__class__, result.measured,
                   result.expected, result.evidence_total, result.parameters)
            if key not in inner_of:
                inner_of[key] = _inner(result)
            inner = inner_of[key]
            name = names.get(result.rule_id) or _attributes(name=result.rule_id)
            lines.append(f"{case_start}{name} />\n" if inner is None
                         else f"{case_start}{name}>\n      {inner}\n    </testcase>\n")
        lines.append("  </testsuite>\n")
    lines[-1] = "  </testsuite>\n</testsuites>"
    return lines


def write_junit(view: AuditView, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(map(mask_text, junit_lines(view)))

"""JUnit XML for pipelines: one testsuite per rule; a testcase per office for what a pipeline acts on or shows
(fail is a failure, insufficient data an error, a warning's reason in system-out, a waiver skipped), and one
testcase per rule for all its offices that passed and one for those with nothing to judge, named with their count.

A national audit has 377,446 results, 288,024 of them passes and 83,073 with nothing to judge: a testcase each
made junit.xml 37 MB of lines a pipeline reads as "fine". Which offices they are is in report.json.
Written as text in one pass, laid out as ElementTree writes an indented tree.
"""

from __future__ import annotations

from pathlib import Path

from westaudit.core.results import Result, Status

from .model import AuditView
from .safety import mask_text, strip_control
from .value_basis import value_basis

# the statuses a rule's suite counts in one testcase each, whatever the office (the office list: report.json)
COUNTED = (Status.PASS, Status.NOT_APPLICABLE)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
                            "\t": "&#09;"})
# the distinct reasons named in the testcase of a rule's offices with nothing to judge, most frequent first
MAX_REASONS_NAMED = 5


def _attributes(**values: str) -> str:
    return "".join(f' {name}="{value.translate(_ATTRIBUTE)}"' for name, value in values.items())


def _judged_by(result: Result) -> str:
    """Each value the result was judged by, with its basis, in English (a pipeline's log is read in English)."""
    return "".join(f"; judged by {value_basis(use, 'en')}" for use in result.parameters)


def _inner(result: Result) -> str | None:
    """The element inside an office's testcase (None: nothing inside)."""
    detail = strip_control(f"{result.message_zh} / {result.message_en}")
    if result.status is Status.FAIL:
        text = strip_control(f"measured {result.measured} expected {result.expected}; evidence rows "
                             f"{result.evidence_total}{_judged_by(result)}")
        return f"<failure{_attributes(message=detail, type='fail')}>{text.translate(_TEXT)}</failure>"
    if result.status is Status.INSUFFICIENT_DATA:
        return f"<error{_attributes(message=detail, type='insufficient_data')} />"
    if result.status is Status.WAIVED:
        return f"<skipped{_attributes(message=detail)} />"
    if result.status is Status.WARN:
        return f"<system-out>{strip_control(detail + _judged_by(result)).translate(_TEXT)}</system-out>"
    return None


def counted_case_name(status: Status, offices: int) -> str:
    """The name of the testcase standing for a rule's `offices` with this status (COUNTED)."""
    what = "passed" if status is Status.PASS else "not applicable"
    return f"{offices} {'office' if offices == 1 else 'offices'} {what}"


def _counted_case(rule_id: str, status: Status, results: list[Result]) -> str:
    start = f"    <testcase{_attributes(classname=rule_id, name=counted_case_name(status, len(results)))}"
    if status is Status.PASS:
        return f"{start} />\n"
    reasons: dict[str, int] = {}
    for result in results:
        reason = strip_control(f"{result.message_zh} / {result.message_en}")
        reasons[reason] = reasons.get(reason, 0) + 1
    named = sorted(reasons.items(), key=lambda item: -item[1])[:MAX_REASONS_NAMED]
    message = "; ".join(f"{reason} ({count})" for reason, count in named)
    if len(reasons) > len(named):
        message += f"; {len(reasons) - len(named)} other reasons"
    return f"{start}>\n      <skipped{_attributes(message=message)} />\n    </testcase>\n"


def junit_lines(view: AuditView) -> list[str]:
    by_rule: dict[str, list[Result]] = {}
    for office in view.offices.values():
        for result in office.results:
            by_rule.setdefault(result.rule_id, []).append(result)
    opening = f"<?xml version='1.0' encoding='utf-8'?>\n<testsuites{_attributes(name=f'westaudit {view.report.year}')}"
    if not by_rule:
        return [opening, " />"]
    lines = [opening, ">\n"]
    # the same result reads word for word the same in many offices (a table missing, a hint): written once
    inner_of: dict[tuple, str | None] = {}
    ordered = [rule_id for rule_id in view.rules if rule_id in by_rule] + [r for r in by_rule if r not in view.rules]
    for rule_id in ordered:
        results = by_rule[rule_id]
        counted: dict[Status, list[Result]] = {status: [] for status in COUNTED}
        cases: list[str] = []
        name = _attributes(name=rule_id)
        for result in results:
            if result.status in counted:
                counted[result.status].append(result)
                continue
            key = (result.status, result.message_zh, result.message_en, result.measured.__class__, result.measured,
                   result.expected, result.evidence_total, result.parameters)
            if key not in inner_of:
                inner_of[key] = _inner(result)
            inner = inner_of[key]
            start = f"    <testcase{_attributes(classname=result.office_id)}{name}"
            cases.append(f"{start} />\n" if inner is None else f"{start}>\n      {inner}\n    </testcase>\n")
        cases.extend(_counted_case(rule_id, status, found) for status, found in counted.items() if found)
        counts = _attributes(name=rule_id, tests=str(len(cases)),
                             failures=str(sum(r.status is Status.FAIL for r in results)),
                             errors=str(sum(r.status is Status.INSUFFICIENT_DATA for r in results)),
                             skipped=str(sum(r.status is Status.WAIVED for r in results)
                                         + bool(counted[Status.NOT_APPLICABLE])))
        lines.append(f"  <testsuite{counts}>\n")
        lines.extend(cases)
        lines.append("  </testsuite>\n")
    lines[-1] = "  </testsuite>\n</testsuites>"
    return lines


def write_junit(view: AuditView, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(map(mask_text, junit_lines(view)))

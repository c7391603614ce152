"""report.json: every result of an audit, in the documented, versioned schema of docs/report-json.md.

A national audit holds hundreds of thousands of results, so the plain dicts are built field by field (no
`dataclasses.asdict`, which deep-copies every evidence row) and the file is written in one streamed pass: each
top-level field on its own line, each office, rule, result, table and rejected row on one line of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from westaudit.core.results import EvidenceRow, RejectedRow, Result, Status, TableAccount, severity_counts
from westaudit.core.submission import ConsolidationSummary
from westaudit.evaluate.audit import AuditReport
from westaudit.reports.heap import collector_relaxed
from westaudit.reports.model import Score
from westaudit.reports.safety import mask_text
from westaudit.spec.policies import Policy
from westaudit.spec.ruleset import Rule

SCHEMA_VERSION = "1.10"
# the C encoder (json only uses it without indent); Chinese kept as written
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"), check_circular=False)


def _judged_against(result: Result) -> dict[str, Any]:
    """The typed sides of measured and expected (1.3), each a value object's own fields."""
    return {"threshold": result.threshold, "parameters": [use.as_dict() for use in result.parameters],
            "counts": None if result.counts is None else result.counts.as_dict(),
            "remediation": None if result.remediation is None else result.remediation.as_dict(),
            "expected_en": result.expected_en or result.expected,
            "severity": result.severity, "downgraded": result.downgraded,
            "last_ranked_again": list(result.last_ranked_again)}


def _result(result: Result, package: str | None) -> dict[str, Any]:
    return {
        "rule_id": result.rule_id, "office_id": result.office_id, "status": result.status.value,
        "measured": result.measured, "expected": result.expected, **_judged_against(result),
        "message_zh": result.message_zh, "message_en": result.message_en,
        "evidence": [{"table": e.table, "source_file": e.source_file, "source_row": e.source_row, "key": e.key,
                      "values": dict(e.values), "reason": e.reason, "reason_en": e.reason_in("en")}
                     for e in result.evidence],
        "evidence_total": result.evidence_total, "incomplete_tables": list(result.incomplete_tables),
        "package": package,
    }


class _Json(str):
    """Text that is JSON already."""


class _ResultLines:
    """Each result as one line of JSON, equal to json of _result(); written field by field so that an evidence
    row's values (three quarters of a national report.json) are encoded once, however many results cite the row."""

    def __init__(self) -> None:
        self._values: dict[tuple[tuple[str, str], ...], str] = {}

    def __call__(self, result: Result, package: str | None) -> _Json:
        if not result.evidence:  # most results: one call of the encoder
            return _Json(_ENCODER.encode(_result(result, package)))
        head = _ENCODER.encode({"rule_id": result.rule_id, "office_id": result.office_id,
                                "status": result.status.value, "measured": result.measured,
                                "expected": result.expected, **_judged_against(result),
                                "message_zh": result.message_zh,
                                "message_en": result.message_en})
        tail = _ENCODER.encode({"evidence_total": result.evidence_total,
                                "incomplete_tables": list(result.incomplete_tables), "package": package})
        evidence = ",".join([self._evidence(row) for row in result.evidence])
        return _Json(f'{head[:-1]},"evidence":[{evidence}],{tail[1:]}')

    def _evidence(self, row: EvidenceRow) -> str:
        values = self._values.get(row.values)
        if values is None:
            values = self._values[row.values] = _ENCODER.encode(dict(row.values))
        encode = _ENCODER.encode
        return (f'{{"table":{encode(row.table)},"source_file":{encode(row.source_file)},'
                f'"source_row":{encode(row.source_row)},"key":{encode(row.key)},"values":{values},'
                f'"reason":{encode(row.reason)},"reason_en":{encode(row.reason_in("en"))}}}')


def _results(report: AuditReport, as_lines: bool) -> Iterator[dict[str, Any] | _Json]:
    package_of: dict[str, str | None] = {}
    convert = _ResultLines() if as_lines else _result
    for result in report.results:
        office = result.office_id
        if office not in package_of:
            package_of[office] = report.package_of(office)
        yield convert(result, package_of[office])


def _scores(report: AuditReport) -> dict[str, dict[str, Any]]:
    """Each office's compliance as the reports show it (1.1): same numbers in HTML, XLSX and JSON."""
    by_office: dict[str, list[Result]] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    scores = {}
    for office_id in report.scope:
        score = Score.of(by_office.get(office_id, []))
        compliance = None if score.compliance is None else round(score.compliance, 4)
        scores[office_id] = {"judged": score.judged, "passed": score.passed, "failed": score.failed,
                             "insufficient_data": score.insufficient, "compliance": compliance,
                             "warned": score.warned, "waived": score.waived}
    return scores


def _offices(report: AuditReport) -> Iterator[dict[str, Any]]:
    scores = _scores(report)
    for office in (report.offices[i] for i in report.scope):
        yield {"office_id": office.office_id, "name": office.name, "level": office.level,
               "parent_id": office.parent_id, "roles": list(office.roles), "score": scores[office.office_id],
               "package": report.package_of(office.office_id)}


def _table(account: TableAccount) -> dict[str, Any]:
    return {"table": account.table, "source_files": list(account.source_files), "rows_read": account.rows_read,
            "rows_accepted": account.rows_accepted, "rows_rejected": account.rows_rejected,
            "rows_merged": account.rows_merged, "rows_partial": account.rows_partial}


def _rejected(row: RejectedRow) -> dict[str, Any]:
    return {"table": row.table, "source_file": row.source_file, "source_row": row.source_row, "column": row.column,
            "value": row.value, "expected": row.expected, "office_id": row.office_id, "row_kept": row.row_kept}


def _consolidation(summary: ConsolidationSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    packages = []
    for item in summary.submissions:
        receipt = asdict(item.receipt) | {"state": item.receipt.state.value,
                                          "counts": dict(item.receipt.counts),
                                          "failing_rules": list(item.receipt.failing_rules),
                                          "changed_files": list(item.receipt.changed_files),
                                          "offices": [{"office_id": office.office_id, "counts": dict(office.counts),
                                                       "failing_rules": list(office.failing_rules)}
                                                      for office in item.receipt.offices]}
        packages.append(asdict(item) | {"receipt": receipt})
    return {"supervising_office": summary.supervising_office, "packages": packages,
            "missing_offices": list(summary.missing_offices)}


def _policy(policy: Policy) -> dict[str, Any]:
    return {"office": policy.office, "file": policy.file, "document": policy.document.as_dict(),
            "parameters": {name: [[since.isoformat(), value] for since, value in values]
                           for name, values in policy.values.items()},
            "rules": {rule_id: {"severity": change.severity, "switched_off": change.off}
                      for rule_id, change in policy.rules.items()}}


def _in_force(rule: Rule) -> dict[str, Any] | None:
    if rule.in_force_from is None and rule.in_force_until is None:
        return None
    return {"from": rule.in_force_from, "until": rule.in_force_until, "why": rule.in_force_why}


def _fields(report: AuditReport, as_lines: bool = False) -> Iterator[tuple[str, Any]]:
    """The document's fields in schema order; the long lists as iterators, so a writer can stream them
    (as_lines: the results as JSON text already)."""
    counts = {status.value: 0 for status in Status}
    for result in report.results:
        counts[result.status.value] += 1
    yield from (("schema_version", SCHEMA_VERSION), ("package", report.package),
                ("submitting_office", report.submitting_office), ("year", report.year),
                ("ruleset_version", report.ruleset_version), ("generated_at", report.generated_at),
                ("summary", counts), ("summary_by_severity", severity_counts(report.results)),
                ("as_of", report.as_of), ("reference_date", report.reference_date),
                ("last_place_compared_with", report.last_place_compared_with),
                ("policies", [_policy(p) for p in report.policies]), ("offices", _offices(report)))
    yield "rules", ({"id": r.id, "office": r.office, "article": r.article, "title_zh": r.title_zh,
                     "title_en": r.title_en, "severity": r.severity, "kind": r.check.name, "citation": r.citation,
                     "in_force": _in_force(r)}
                    for r in report.rules)
    yield "results", _results(report, as_lines)
    yield "tables", (_table(a) for a in report.accounts)
    yield "rejected_rows", (_rejected(r) for r in report.rejected)
    yield "consolidation", _consolidation(report.consolidation)


def report_document(report: AuditReport) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, Iterator) else value for name, value in _fields(report)}


def _list_lines(items: Iterable[Any]) -> Iterator[str]:
    first = True
    for item in items:
        yield ("[\n  " if first else ",\n  ") + (item if isinstance(item, _Json) else _ENCODER.encode(item))
        first = False
    yield "[]" if first else "\n ]"


def write_report_json(report: AuditReport, path: Path) -> None:
    with collector_relaxed(), path.open("w", encoding="utf-8") as handle:
        handle.write("{")
        for index, (name, value) in enumerate(_fields(report, as_lines=True)):
            handle.write(("\n " if index == 0 else ",\n ") + _ENCODER.encode(name) + ": ")
            if isinstance(value, Iterator):
                handle.writelines(map(mask_text, _list_lines(value)))
            else:
                handle.write(mask_text(_ENCODER.encode(value)))
        handle.write("\n}\n")

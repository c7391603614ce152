"""report.json: every result of an audit, in the documented, versioned schema of docs/report-json.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from westaudit.audit import AuditReport
from westaudit.reports.model import Score
from westaudit.results import Result, Status
from westaudit.submission import ConsolidationSummary

SCHEMA_VERSION = "1.2"


def _result(result: Result, package: str | None) -> dict[str, Any]:
    data = asdict(result)
    data["status"] = result.status.value
    data["package"] = package
    data["evidence"] = [
        {"table": e.table, "source_file": e.source_file, "source_row": e.source_row, "key": e.key,
         "values": dict(e.values), "reason": e.reason} for e in result.evidence
    ]
    data["incomplete_tables"] = list(result.incomplete_tables)
    return data


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
                             "insufficient_data": score.insufficient, "compliance": compliance}
    return scores


def _consolidation(summary: ConsolidationSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    packages = []
    for item in summary.submissions:
        receipt = asdict(item.receipt) | {"state": item.receipt.state.value,
                                          "counts": dict(item.receipt.counts),
                                          "failing_rules": list(item.receipt.failing_rules),
                                          "changed_files": list(item.receipt.changed_files)}
        packages.append(asdict(item) | {"receipt": receipt})
    return {"supervising_office": summary.supervising_office, "packages": packages,
            "missing_offices": list(summary.missing_offices)}


def report_document(report: AuditReport) -> dict[str, Any]:
    scores = _scores(report)
    counts = {status.value: 0 for status in Status}
    for result in report.results:
        counts[result.status.value] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "package": report.package,
        "submitting_office": report.submitting_office,
        "year": report.year,
        "ruleset_version": report.ruleset_version,
        "generated_at": report.generated_at,
        "summary": counts,
        "offices": [{"office_id": o.office_id, "name": o.name, "level": o.level, "parent_id": o.parent_id,
                     "roles": list(o.roles), "score": scores[o.office_id],
                     "package": report.package_of(o.office_id)} for o in (report.offices[i] for i in report.scope)],
        "rules": [{"id": r.id, "office": r.office, "article": r.article, "title_zh": r.title_zh,
                   "title_en": r.title_en, "severity": r.severity, "kind": r.check.name, "citation": r.citation}
                  for r in report.rules],
        "results": [_result(r, report.package_of(r.office_id)) for r in report.results],
        "tables": [asdict(a) | {"source_files": list(a.source_files)} for a in report.accounts],
        "rejected_rows": [asdict(r) for r in report.rejected],
        "consolidation": _consolidation(report.consolidation),
    }


def write_report_json(report: AuditReport, path: Path) -> None:
    path.write_text(json.dumps(report_document(report), ensure_ascii=False, indent=1, default=str), encoding="utf-8")

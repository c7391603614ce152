"""report.json: every result of an audit, in the documented, versioned schema of docs/report-json.md.

A national audit holds hundreds of thousands of results that share a few hundred criteria (the rule's expected
value, threshold and parameters with their basis) and a few thousand messages word for word. Schema 2.0 writes
each criterion and each message once and each result as a compact array of `result_columns` pointing at them, so
the national report.json is a seventh of what 1.x wrote. results_of() and offices_of() expand the rows back into
the mappings of 1.10, for readers that read results by name.

The file is written in one streamed pass, each top-level field on its own line and each office, rule, criterion,
message, result, table and rejected row on one line of its own; the rows are built field by field (no
`dataclasses.asdict`, which deep-copies every evidence row).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from westaudit.core.json_text import json_encoder
from westaudit.core.results import EvidenceRow, RejectedRow, Result, Status, TableAccount, severity_counts
from westaudit.core.submission import ConsolidationSummary
from westaudit.evaluate.audit import AuditReport
from westaudit.reports.model import Score
from westaudit.reports.safety import mask_text
from westaudit.runtime.heap import collector_relaxed
from westaudit.spec.policies import Policy
from westaudit.spec.ruleset import Rule

SCHEMA_VERSION = "2.0"
# a result row's columns. A row ends at its last column that differs from its default (most results end at
# counts): the first _REQUIRED are always there, the others default to _defaults(), package to the package of the
# result's office in offices[] (an office's findings come from the office's package)
RESULT_COLUMNS = ("rule_id", "office_id", "status", "measured", "criterion", "message", "counts", "remediation",
                  "evidence_total", "incomplete_tables", "last_ranked_again", "evidence", "package")
_REQUIRED = 6
OFFICE_COLUMNS = ("office_id", "name", "level", "parent_id", "roles", "score", "package")
SCORE_COLUMNS = ("judged", "passed", "failed", "insufficient_data", "compliance", "warned", "waived")
EVIDENCE_COLUMNS = ("table", "source_file", "source_row", "key", "values", "reason", "reason_en")
# compact, Chinese kept as written, the C encoder made once
_encode = json_encoder((",", ":"))


def _defaults(package: str | None) -> list[Any]:
    """The values of the optional columns, counts to package, that a row leaves out (fresh lists each time)."""
    return [None, None, 0, [], [], [], package]


class _Shared:
    """The criteria and messages of an audit's results, each once, and each result's index into them."""

    def __init__(self, results: Iterable[Result]) -> None:
        criterion_of: dict[tuple, int] = {}
        message_of: dict[tuple[str, str], int] = {}
        self.criteria: list[dict[str, Any]] = []
        self.messages: list[dict[str, str]] = []
        self.indexes: list[tuple[int, int]] = []
        # the results of a rule share a few tuples of parameters (N=1: 80 for 377,446 results): each is hashed once,
        # by value, here; by identity after (the results hold them, so an id is not reused while this runs)
        parameters_of: dict[int, int] = {}
        parameters_by_value: dict[tuple, int] = {}
        for result in results:
            uses = result.parameters
            parameters = parameters_of.get(id(uses))
            if parameters is None:
                # the types too: 1 == 1.0 == True, yet JSON writes them apart
                by_value = (uses, tuple(type(use.value) for use in uses))
                parameters = parameters_of[id(uses)] = parameters_by_value.setdefault(by_value, len(parameters_by_value))
            key = (result.rule_id, result.expected, result.expected_en, type(result.threshold), result.threshold,
                   parameters, result.severity, result.downgraded)
            criterion = criterion_of.get(key)
            if criterion is None:
                criterion = criterion_of[key] = len(self.criteria)
                self.criteria.append(_criterion(result))
            pair = (result.message_zh, result.message_en)
            message = message_of.get(pair)
            if message is None:
                message = message_of[pair] = len(self.messages)
                self.messages.append({"message_zh": result.message_zh, "message_en": result.message_en})
            self.indexes.append((criterion, message))


def _criterion(result: Result) -> dict[str, Any]:
    """What a result was judged against: the typed side of expected (1.3) with its basis (1.4) and severity (1.6)."""
    return {"rule_id": result.rule_id, "expected": result.expected,
            "expected_en": result.expected_en or result.expected, "threshold": result.threshold,
            "parameters": [use.as_dict() for use in result.parameters], "severity": result.severity,
            "downgraded": result.downgraded}


def _evidence(row: EvidenceRow) -> list[Any]:
    return [row.table, row.source_file, row.source_row, row.key, dict(row.values), row.reason, row.reason_in("en")]


def _head(result: Result, indexes: tuple[int, int]) -> list[Any]:
    """A result's columns up to its evidence."""
    return [result.rule_id, result.office_id, result.status.value, result.measured, *indexes,
            None if result.counts is None else [result.counts.met, result.counts.total],
            None if result.remediation is None else result.remediation.as_dict(), result.evidence_total,
            list(result.incomplete_tables), list(result.last_ranked_again)]


def _trimmed(row: list[Any], office_package: object) -> list[Any]:
    """The row without its trailing columns that hold their default."""
    defaults = _defaults(office_package)
    end = len(row)
    while end > _REQUIRED and row[end - 1] == defaults[end - 1 - _REQUIRED]:
        end -= 1
    return row[:end]


class _Json(str):
    """Text that is JSON already."""


class _ResultLines:
    """Each result as one line of JSON, equal to json of its row; an evidence row's values (most of the evidence's
    bytes) are encoded once, however many results cite the row."""

    def __init__(self) -> None:
        self._values: dict[tuple[tuple[str, str], ...], str] = {}

    def __call__(self, result: Result, indexes: tuple[int, int], package: str | None,
                 office_package: object) -> _Json:
        head = _head(result, indexes)
        if not result.evidence and package == office_package:  # most results
            return _Json(_encode(_trimmed(head, office_package)))
        evidence = ",".join([self._evidence(row) for row in result.evidence])
        end = "" if package == office_package else "," + _encode(package)
        return _Json(f"{_encode(head)[:-1]},[{evidence}]{end}]")

    def _evidence(self, row: EvidenceRow) -> str:
        values = self._values.get(row.values)
        if values is None:
            values = self._values[row.values] = _encode(dict(row.values))
        encode = _encode
        return (f"[{encode(row.table)},{encode(row.source_file)},{encode(row.source_row)},{encode(row.key)},"
                f"{values},{encode(row.reason)},{encode(row.reason_in('en'))}]")


# the package of an office that offices[] does not list: none equals it, so a result of such an office names its own
_UNLISTED = object()


def _results(report: AuditReport, shared: _Shared, as_lines: bool) -> Iterator[list[Any] | _Json]:
    listed = set(report.scope)  # the offices of offices[]
    package_of: dict[str, str | None] = {}
    lines = _ResultLines() if as_lines else None
    for result, indexes in zip(report.results, shared.indexes, strict=True):
        office = result.office_id
        if office not in package_of:
            package_of[office] = report.package_of(office)
        package = package_of[office]
        office_package = package if office in listed else _UNLISTED
        if lines is not None:
            yield lines(result, indexes, package, office_package)
        else:
            yield _trimmed([*_head(result, indexes), [_evidence(row) for row in result.evidence], package],
                           office_package)


def _major(document: dict[str, Any]) -> int:
    """The document's major schema version: 1 or 2 (a later one is refused: its rows may mean other things)."""
    version = str(document["schema_version"])
    major = int(version.split(".")[0])
    if major not in (1, 2):
        raise ValueError(f"report.json schema {version}: this westaudit reads schemas 1.x and 2.x")
    return major


def results_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The results of a report.json document as 1.10 wrote them: one mapping per result, with the keys and values
    of 1.10 (rule_id, ..., package; docs/report-json.md). Columns are found by name in `result_columns` and
    `evidence_columns`, so a later minor version adding a column still reads. A 1.x document's results are returned
    as they are. The criterion's parameters are shared by the results judged against it: read, do not change them."""
    if _major(document) == 1:
        return list(document["results"])
    at = {name: index for index, name in enumerate(document["result_columns"])}
    evidence_at = [(name, document["evidence_columns"].index(name)) for name in EVIDENCE_COLUMNS]
    criteria, messages = document["criteria"], document["messages"]
    office_package = {office["office_id"]: office["package"] for office in offices_of(document)}
    optional = RESULT_COLUMNS[_REQUIRED:]
    expanded = []
    for row in document["results"]:
        named = {name: row[at[name]] for name in RESULT_COLUMNS[:_REQUIRED]}
        defaults = _defaults(office_package.get(named["office_id"]))
        named |= {name: row[at[name]] if at[name] < len(row) else default
                  for name, default in zip(optional, defaults, strict=True)}
        criterion, message, counts = criteria[named["criterion"]], messages[named["message"]], named["counts"]
        expanded.append({
            "rule_id": named["rule_id"], "office_id": named["office_id"], "status": named["status"],
            "measured": named["measured"], "expected": criterion["expected"], "threshold": criterion["threshold"],
            "parameters": criterion["parameters"],
            "counts": None if counts is None else {"met": counts[0], "total": counts[1]},
            "remediation": named["remediation"], "expected_en": criterion["expected_en"],
            "severity": criterion["severity"], "downgraded": criterion["downgraded"],
            "last_ranked_again": named["last_ranked_again"], "message_zh": message["message_zh"],
            "message_en": message["message_en"],
            "evidence": [{name: evidence[index] for name, index in evidence_at} for evidence in named["evidence"]],
            "evidence_total": named["evidence_total"], "incomplete_tables": named["incomplete_tables"],
            "package": named["package"]})
    return expanded


def _scores(report: AuditReport) -> dict[str, list[Any]]:
    """Each office's compliance as the reports show it (1.1): same numbers in HTML, XLSX and JSON."""
    by_office: dict[str, list[Result]] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    scores = {}
    for office_id in report.scope:
        score = Score.of(by_office.get(office_id, []))
        compliance = None if score.compliance is None else round(score.compliance, 4)
        scores[office_id] = [score.judged, score.passed, score.failed, score.insufficient, compliance,
                             score.warned, score.waived]  # SCORE_COLUMNS
    return scores


def _offices(report: AuditReport) -> Iterator[list[Any]]:
    scores = _scores(report)
    for office in (report.offices[i] for i in report.scope):  # OFFICE_COLUMNS
        yield [office.office_id, office.name, office.level, office.parent_id, list(office.roles),
               scores[office.office_id], report.package_of(office.office_id)]


def offices_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The offices of a report.json document as 1.10 wrote them: a mapping per office (office_id, name, level,
    parent_id, roles, score as a mapping, package), columns found by name. A 1.x document's offices as they are."""
    if _major(document) == 1:
        return list(document["offices"])
    at = [(name, document["office_columns"].index(name)) for name in OFFICE_COLUMNS]
    score_at = [(name, document["score_columns"].index(name)) for name in SCORE_COLUMNS]
    return [{name: {score: row[index][column] for score, column in score_at} if name == "score" else row[index]
             for name, index in at} for row in document["offices"]]


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
                ("policies", [_policy(p) for p in report.policies]), ("office_columns", list(OFFICE_COLUMNS)),
                ("score_columns", list(SCORE_COLUMNS)), ("offices", _offices(report)))
    yield "rules", ({"id": r.id, "office": r.office, "article": r.article, "title_zh": r.title_zh,
                     "title_en": r.title_en, "severity": r.severity, "kind": r.check.name, "citation": r.citation,
                     "in_force": _in_force(r)}
                    for r in report.rules)
    shared = _Shared(report.results)  # before the results, so that a streaming reader has them when it needs them
    yield from (("result_columns", list(RESULT_COLUMNS)), ("evidence_columns", list(EVIDENCE_COLUMNS)),
                ("criteria", iter(shared.criteria)), ("messages", iter(shared.messages)))
    yield "results", _results(report, shared, as_lines)
    yield "tables", (_table(a) for a in report.accounts)
    yield "rejected_rows", (_rejected(r) for r in report.rejected)
    yield "consolidation", _consolidation(report.consolidation)


def report_document(report: AuditReport) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, Iterator) else value for name, value in _fields(report)}


def _list_lines(items: Iterable[Any]) -> Iterator[str]:
    first = True
    for item in items:
        yield ("[\n  " if first else ",\n  ") + (item if isinstance(item, _Json) else _encode(item))
        first = False
    yield "[]" if first else "\n ]"


def _batches(lines: Iterable[str], size: int = 1000) -> Iterator[str]:
    """The lines joined a thousand at a time, so that each is not masked alone: a personal number never spans two
    lines (each holds one whole JSON value, which the mask's context stops at), so the batch masks the same."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def write_report_json(report: AuditReport, path: Path) -> None:
    with collector_relaxed(), path.open("w", encoding="utf-8") as handle:
        handle.write("{")
        for index, (name, value) in enumerate(_fields(report, as_lines=True)):
            handle.write(("\n " if index == 0 else ",\n ") + _encode(name) + ": ")
            if isinstance(value, Iterator):
                handle.writelines(map(mask_text, _batches(_list_lines(value))))
            else:
                handle.write(mask_text(_encode(value)))
        handle.write("\n}\n")

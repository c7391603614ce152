"""What the check page shows, built once from the typed results and kept beside the check as JSON.

Order on the page: the verdict (可以报送, or 需整改 N 项 with the fatal ones counted), every data problem (a
rejected row: file, sheet, row, column, the value written and what to write instead), the failing duties with
the rows to correct and the remediation text of the reports, grouped by office: the office checked, then each
office below it (a county's service units) with its own under its name, then what changed since the office's
previous check. Nothing here reads message text back into numbers: counts come from statuses, places from evidence.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from westaudit.core.results import Result, Status
from westaudit.evaluate.waivers import WAIVABLE as WAIVABLE_STATUSES
from westaudit.history.rundiff import CHANGE_ZH
from westaudit.intake.orgchart import top_down
from westaudit.reports.messages import LEVEL, fix_text, words
from westaudit.reports.value_basis import result_status, value_bases

if TYPE_CHECKING:
    from westaudit.evaluate.audit import AuditReport
    from westaudit.history.rundiff import RunDiff
    from westaudit.spec.ruleset import Rule, RuleSet

# a duty result that stops the package from being sent as it is (a warning does not)
BLOCKING = (Status.FAIL, Status.INSUFFICIENT_DATA)
# a waived finding is shown too (已豁免, its reason and approver in its message), after what is still open
SHOWN = (Status.FAIL, Status.INSUFFICIENT_DATA, Status.WARN, Status.WAIVED)
# what an office may ask to have waived: what the audit would waive
WAIVABLE = tuple(status.value for status in WAIVABLE_STATUSES)
EVIDENCE_SHOWN = 20
_ORDER = {Status.FAIL: 0, Status.INSUFFICIENT_DATA: 1, Status.WARN: 2, Status.WAIVED: 3}


@dataclass(frozen=True)
class DataProblem:
    table_zh: str
    file: str
    sheet: str
    row: int
    column_zh: str
    value: str
    expected: str


@dataclass(frozen=True)
class Place:
    """A row behind a finding: where to correct it."""

    file: str
    sheet: str
    row: int
    key: str
    reason: str


@dataclass(frozen=True)
class DutyFinding:
    office_id: str
    office_name: str
    office_level_zh: str
    rule_id: str
    title_zh: str
    article: int
    citation: str
    fatal: bool
    status: str
    status_zh: str
    message_zh: str
    expected: str
    remediation_zh: str
    places: tuple[Place, ...] = ()
    places_total: int = 0
    incomplete_tables_zh: tuple[str, ...] = ()
    # each value the duty was judged by: name, value, the date it took effect, its basis (reports/value_basis.py)
    bases_zh: tuple[str, ...] = ()

    @property
    def waivable(self) -> bool:
        return self.status in WAIVABLE


@dataclass(frozen=True)
class OfficeSection:
    """One office of the checked subtree, as the page heads its duties: the office checked (depth 0), then each
    office below it down the hierarchy, with what it has to put right."""

    office_id: str
    office_name: str
    office_level_zh: str
    depth: int
    counts: dict[str, int]
    to_fix: int  # its duty findings that hold the package back (fail, insufficient data)
    fatal: int
    hints: int  # its warnings


@dataclass(frozen=True)
class ChangeLine:
    change: str
    change_zh: str
    office_id: str
    office_name: str
    rule_id: str
    title_zh: str
    message_zh: str


@dataclass(frozen=True)
class TableLine:
    table_zh: str
    source: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int


@dataclass(frozen=True)
class CheckOutcome:
    office_id: str
    office_name: str
    year: int
    checked_at: str
    ruleset_version: str
    offices_checked: int
    counts: dict[str, int]
    duties: tuple[DutyFinding, ...]
    problems: tuple[DataProblem, ...]
    tables: tuple[TableLine, ...]
    # None: the office's first check of this year; otherwise the changes since `previous_run_id`
    changes: tuple[ChangeLine, ...] | None = None
    previous_run_id: int | None = None
    waiver_notices: tuple[str, ...] = field(default=())
    # the offices checked, the office first, then down the hierarchy (empty in an outcome written before the
    # page grouped duties by office: it lists them in one run)
    offices: tuple[OfficeSection, ...] = field(default=())

    def duties_of(self, office_id: str) -> tuple[DutyFinding, ...]:
        return tuple(d for d in self.duties if d.office_id == office_id)

    @property
    def duties_to_fix(self) -> int:
        return sum(d.status in {s.value for s in BLOCKING} for d in self.duties)

    @property
    def fatal(self) -> int:
        return sum(d.fatal and d.status in {s.value for s in BLOCKING} for d in self.duties)

    @property
    def to_fix(self) -> int:
        """需整改 N 项: blocking duty findings and rejected rows, each one item."""
        return self.duties_to_fix + len(self.problems)

    @property
    def can_submit(self) -> bool:
        return self.to_fix == 0

    def verdict(self, lang: str) -> str:
        """In the reports' words (reports/messages.py), so the page and the downloaded report say it alike."""
        said = words(lang)
        if self.can_submit:
            return said.verdict_ready
        return f"{said.verdict_fix.format(n=self.to_fix)}，{said.verdict_fatal.format(m=self.fatal)}" if lang == "zh" \
            else f"{said.verdict_fix.format(n=self.to_fix)}, {said.verdict_fatal.format(m=self.fatal)}"

    @property
    def verdict_zh(self) -> str:
        return self.verdict("zh")

    @property
    def verdict_en(self) -> str:
        return self.verdict("en")

    def changed(self, change: str) -> tuple[ChangeLine, ...]:
        return tuple(c for c in self.changes or () if c.change == change)

    def summary(self) -> dict:
        return {"can_submit": self.can_submit, "to_fix": self.to_fix, "fatal": self.fatal,
                "duties_to_fix": self.duties_to_fix, "data_problems": len(self.problems), "counts": self.counts}

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> CheckOutcome:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["duties"] = tuple(DutyFinding(**{**d, "places": tuple(Place(**p) for p in d["places"]),
                                              "incomplete_tables_zh": tuple(d["incomplete_tables_zh"]),
                                              "bases_zh": tuple(d.get("bases_zh", ()))})
                               for d in data["duties"])
        data["problems"] = tuple(DataProblem(**p) for p in data["problems"])
        data["tables"] = tuple(TableLine(**t) for t in data["tables"])
        if data["changes"] is not None:
            data["changes"] = tuple(ChangeLine(**c) for c in data["changes"])
        data["waiver_notices"] = tuple(data["waiver_notices"])
        data["offices"] = tuple(OfficeSection(**o) for o in data.get("offices", ()))
        return cls(**data)


def split_source(source_file: str) -> tuple[str, str]:
    """`book.xlsx#志愿者名册` -> (book.xlsx, 志愿者名册); a CSV has no sheet."""
    file, _, sheet = source_file.partition("#")
    return file, sheet


def _column_zh(ruleset: RuleSet, table: str, column: str) -> str:
    spec = ruleset.contract.get(table)
    if spec is not None and column in spec.columns:
        return spec.columns[column].zh
    return column


def _table_zh(ruleset: RuleSet, table: str) -> str:
    spec = ruleset.contract.get(table)
    return spec.title_zh if spec is not None else table


def build_outcome(report: AuditReport, ruleset: RuleSet, office_id: str, since: RunDiff | None,
                  notices: tuple[str, ...] = ()) -> CheckOutcome:
    rules = {rule.id: rule for rule in report.rules}
    offices = report.offices

    def name(office: str) -> str:
        return offices[office].name if office in offices else office

    judged = set(report.scope)
    order = [office for office in top_down(offices, office_id) if office in judged]
    position = {office: index for index, office in enumerate(order)}
    duties = []
    for result in sorted((r for r in report.results if r.status in SHOWN),
                         key=lambda r: (position.get(r.office_id, len(order)), r.office_id, _ORDER[r.status],
                                        not _fatal(r, rules), r.rule_id)):
        rule = rules[result.rule_id]
        office = offices.get(result.office_id)
        places = tuple(Place(*split_source(e.source_file), e.source_row, e.key, e.reason)
                       for e in result.evidence[:EVIDENCE_SHOWN])
        duties.append(DutyFinding(
            result.office_id, name(result.office_id), LEVEL["zh"].get(office.level, office.level) if office else "",
            rule.id, rule.title_zh, rule.article, rule.citation, _fatal(result, rules), result.status.value,
            result_status(result, "zh"), result.message_zh, result.expected,
            fix_text(result, rule.check.name, "zh"),
            places, result.evidence_total, tuple(_table_zh(ruleset, t) for t in result.incomplete_tables),
            tuple(value_bases(result, "zh"))))
    problems = tuple(DataProblem(_table_zh(ruleset, row.table), *split_source(row.source_file), row.source_row,
                                 _column_zh(ruleset, row.table, row.column), row.value, row.expected)
                     for row in sorted(report.rejected, key=lambda r: (r.source_file, r.source_row, r.column)))
    tables = tuple(TableLine(_table_zh(ruleset, a.table), "、".join(a.source_files), a.rows_read, a.rows_accepted,
                             a.rows_rejected) for a in report.accounts)
    changes = None
    if since is not None:
        changes = tuple(ChangeLine(c.change, CHANGE_ZH[c.change], c.office_id, name(c.office_id), c.rule_id,
                                   rules[c.rule_id].title_zh if c.rule_id in rules else c.rule_id, c.message_zh)
                        for c in since.changes)
    counts = {status.value: sum(r.status is status for r in report.results) for status in Status}
    return CheckOutcome(office_id, name(office_id), report.year, report.generated_at, report.ruleset_version,
                        len(report.scope), counts, tuple(duties), problems, tables, changes,
                        since.before.run_id if since is not None else None, notices,
                        _sections(report, order, duties))


def _fatal(result: Result, rules: dict[str, Rule]) -> bool:
    # the severity for this office (a policy may change it), as the reports count 其中致命
    return (result.severity or rules[result.rule_id].severity) == "fatal"


def _sections(report: AuditReport, order: list[str], duties: list[DutyFinding]) -> tuple[OfficeSection, ...]:
    tally = Counter((r.office_id, r.status) for r in report.results)
    findings: dict[str, list[DutyFinding]] = {}
    for duty in duties:
        findings.setdefault(duty.office_id, []).append(duty)
    depth: dict[str, int] = {}
    sections = []
    for office_id in order:
        office = report.offices[office_id]
        depth[office_id] = (depth.get(office.parent_id, -1) + 1) if depth else 0
        own = findings.get(office_id, [])
        blocking = [d for d in own if d.status in {s.value for s in BLOCKING}]
        counts = {status.value: tally[office_id, status] for status in Status}
        sections.append(OfficeSection(office_id, office.name, LEVEL["zh"].get(office.level, office.level),
                                      depth[office_id], counts, len(blocking), sum(d.fatal for d in blocking),
                                      sum(d.status == Status.WARN.value for d in own)))
    return tuple(sections)

"""The findings as an XLSX workbook for officials who work in Excel: what needs acting on, sized for a national audit.

- one sheet per office level with a row per finding: each report.json result whose status is fail, warn or
  insufficient_data (the same rule, office, status, measured, expected, in the same order). Passes and results
  with nothing to judge are not findings; a national audit has hundreds of thousands of them.
- 证据行: the first EVIDENCE_SAMPLE evidence rows of each finding, as the office pages show them; the full list
  is the office's offices/<id>.evidence.csv (and report.json).
- 机构: every office in scope with its compliance and counts, the same figures as the pages and report.json, and
  its findings by severity (不符合 fatal, 提示 warning, 其中默认口径 of those on a westaudit default).

Rows are generated and streamed into the file (reports/xlsx.py), which also neutralises every text cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePath

from westaudit.core.results import Result, Status, severity_counts
from westaudit.intake.rectification import RECTIFICATION_COLUMNS, STATES

from .messages import LEVEL, LEVEL_ORDER, fix_text, office_code_label, severity_label
from .model import AuditView, evidence_values_text, table_title
from .office_pages import EVIDENCE_SAMPLE
from .value_basis import result_status, value_bases
from .xlsx import StreamingWorkbook

FINDING_STATUSES = (Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA)
# 数据包: the package the finding (its office) or the evidence row came from; blank: the office sent none
# the last four an office fills in and sends back (westaudit audit --rectification reads them, intake/rectification.py)
FINDING_HEADER = ("机构编号", "机构名称", "层级", "规则编号", "条款", "职责", "严重程度", "结论", "状态代码", "实测", "要求",
                  "原因", "证据行数", "数据不完整的表", "整改建议", "数据包", "取值依据", *RECTIFICATION_COLUMNS)
FINDING_FORMATS = (None, "wrap", None, None, "wrap", "wrap", None, None, None, "wrap", "wrap", "wrap", None, "wrap",
                   "wrap", None, "wrap", "wrap", "date", None, "wrap")
EVIDENCE_HEADER = ("机构编号", "规则编号", "结论", "数据表", "文件", "行", "编号", "原因", "内容", "数据包")
# 不符合 are the fatal findings; 提示 the warnings, of which 默认口径 the failing checks judged by a westaudit default
OFFICE_HEADER = ("机构编号", "机构名称", "层级", "上级机构编号", "符合率", "评价项", "符合", "不符合", "提示", "其中默认口径",
                 "数据不足", "已豁免", "数据包")
OFFICE_FORMATS = (None, "wrap", None, None, "percent")
EVIDENCE_SHEET, OFFICE_SHEET = "证据行", "机构"
_WIDTHS = {"取值依据": 40, "职责": 30, "原因": 36, "整改建议": 48, "内容": 60, "机构名称": 18, "数据包": 14, "要求": 24,
           "实测": 16, "条款": 16, "说明": 30, "整改责任人": 12, "整改期限": 12, "整改状态": 11, "严重程度": 9, "结论": 9}


def findings(view: AuditView) -> list[Result]:
    """The results the workbook lists, in report.json order."""
    return [result for result in view.report.results if result.status in FINDING_STATUSES]


def finding_rows(view: AuditView, results: list[Result]) -> Iterator[list]:
    report = view.report
    rules = {rule_id: (rule, f"{office_code_label(rule.office, 'zh')}第{rule.article}条")
             for rule_id, rule in view.rules.items()}
    for result in results:
        office = report.offices[result.office_id]
        rule, article = rules[result.rule_id]
        # what the office wrote last time is carried over, so the list goes back and forth
        filled = view.rectification.get((office.office_id, rule.id))
        yield [office.office_id, office.name, LEVEL["zh"].get(office.level, office.level), rule.id, article,
               # the severity for this office (a policy may change it; a finding on a default is a warning)
               rule.title_zh, severity_label(result.severity or rule.severity, "zh"), result_status(result, "zh"),
               result.status.value, result.measured, result.expected, result.message_zh, result.evidence_total,
               "、".join(result.incomplete_tables), fix_text(result, rule.check.name, "zh"),
               view.package_of(office.office_id), "\n".join(value_bases(result)),
               *((filled.owner, filled.deadline, filled.state, filled.note) if filled else (None, None, None, None))]


def _evidence_package(view: AuditView, source_file: str) -> str | None:
    consolidation = view.report.consolidation
    return consolidation.package_of_source(source_file) if consolidation else PurePath(view.report.package).name


def evidence_rows(view: AuditView, results: list[Result]) -> Iterator[list]:
    packages: dict[str, str | None] = {}
    for result in results:
        status = result_status(result, "zh")
        for row in result.evidence[:EVIDENCE_SAMPLE]:
            if row.source_file not in packages:
                packages[row.source_file] = _evidence_package(view, row.source_file)
            yield [result.office_id, result.rule_id, status, table_title(row.table, "zh"), row.source_file, row.source_row, row.key,
                   row.reason, evidence_values_text(row), packages[row.source_file]]


def office_rows(view: AuditView) -> Iterator[list]:
    for office_view in view.offices.values():
        office, score = office_view.office, office_view.score
        by_severity = severity_counts(office_view.results)
        yield [office.office_id, office.name, LEVEL["zh"].get(office.level, office.level), office.parent_id,
               # 符合 and 提示 apart: a warning counts toward compliance but is not shown as a pass
               score.compliance, score.judged, score.passed_outright, score.failed, by_severity["warning"],
               by_severity["default_basis"], score.insufficient, score.waived, view.package_of(office.office_id)]


def _widths(header: tuple[str, ...]) -> list[int]:
    return [_WIDTHS.get(name, 14) for name in header]


def write_workbook(view: AuditView, path: Path) -> None:
    listed = findings(view)
    by_level: dict[str, list[Result]] = {}
    for result in listed:
        by_level.setdefault(view.report.offices[result.office_id].level, []).append(result)
    levels = [lvl for lvl in LEVEL_ORDER if any(o.level == lvl for o in view.report.offices.values()
                                                 if o.office_id in view.offices)]
    with StreamingWorkbook(path) as workbook:
        for level in levels:
            workbook.add_sheet(LEVEL["zh"][level], FINDING_HEADER, finding_rows(view, by_level.get(level, [])),
                               _widths(FINDING_HEADER), FINDING_FORMATS, {FINDING_HEADER.index("整改状态"): STATES})
        workbook.add_sheet(EVIDENCE_SHEET, EVIDENCE_HEADER, evidence_rows(view, listed), _widths(EVIDENCE_HEADER))
        workbook.add_sheet(OFFICE_SHEET, OFFICE_HEADER, office_rows(view), _widths(OFFICE_HEADER), OFFICE_FORMATS)

"""All findings as an XLSX workbook for officials who work in Excel: one sheet per office level, then evidence.

A findings row is a report.json result (same rule, office, status, measured, expected), in the same order.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .messages import LEVEL, LEVEL_ORDER, office_code_label, remediation, status_label
from .model import AuditView
from .safety import neutralise

# 数据包: the package the finding (its office) or the evidence row came from; blank: the office sent none
FINDING_HEADER = ("机构编号", "机构名称", "层级", "规则编号", "条款", "职责", "结论", "状态代码", "实测", "要求",
                  "说明", "证据行数", "数据不完整的表", "整改建议", "数据包")
EVIDENCE_HEADER = ("机构编号", "规则编号", "结论", "数据表", "文件", "行", "编号", "原因", "内容", "数据包")
EVIDENCE_SHEET = "证据行"
_WIDTHS = {"职责": 36, "说明": 40, "整改建议": 40, "内容": 60, "机构名称": 18, "数据包": 18}


def _sheet(workbook: Workbook, title: str, header: tuple[str, ...], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(rows) + 1, 2)}"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 14)


def finding_rows(view: AuditView, level: str) -> list[list]:
    rows = []
    for result in view.report.results:
        office = view.report.offices[result.office_id]
        if office.level != level:
            continue
        rule = view.rules[result.rule_id]
        rows.append([office.office_id, office.name, LEVEL["zh"].get(office.level, office.level), rule.id,
                     f"{office_code_label(rule.office, 'zh')}第{rule.article}条", rule.title_zh,
                     status_label(result.status, "zh"), result.status.value, result.measured, result.expected,
                     result.message_zh, result.evidence_total, "、".join(result.incomplete_tables),
                     remediation(rule.check.name, result.status, result.expected, result.incomplete_tables, "zh"),
                     view.report.package_of(result.office_id)])
    return rows


def _evidence_package(view: AuditView, source_file: str) -> str | None:
    consolidation = view.report.consolidation
    return consolidation.package_of_source(source_file) if consolidation else PurePath(view.report.package).name


def evidence_rows(view: AuditView) -> list[list]:
    return [[result.office_id, result.rule_id, status_label(result.status, "zh"), row.table, row.source_file,
             row.source_row, row.key, row.reason, "；".join(f"{name}={value}" for name, value in row.values),
             _evidence_package(view, row.source_file)]
            for result in view.report.results for row in result.evidence]


def write_workbook(view: AuditView, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    levels = [lvl for lvl in LEVEL_ORDER if any(o.level == lvl for o in view.report.offices.values()
                                                 if o.office_id in view.offices)]
    for level in levels:
        _sheet(workbook, LEVEL["zh"][level], FINDING_HEADER, finding_rows(view, level))
    _sheet(workbook, EVIDENCE_SHEET, EVIDENCE_HEADER, evidence_rows(view))
    workbook.save(path)

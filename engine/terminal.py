"""Readable terminal summaries (Chinese first, English beside)."""

from __future__ import annotations

from westaudit.audit import AuditReport
from westaudit.results import STATUS_ZH, Status

_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.NOT_APPLICABLE: "-",
         Status.INSUFFICIENT_DATA: "?", Status.WAIVED: "~"}


def summary_lines(report: AuditReport, evidence_shown: int = 5) -> list[str]:
    rules = {rule.id: rule for rule in report.rules}
    lines = [f"审计年度 {report.year}  报送单位 {report.submitting_office}  规则集 {report.ruleset_version}"]
    for account in report.accounts:
        if account.rows_rejected:
            lines.append(f"  数据表 {account.table}: 读取 {account.rows_read} = 接受 {account.rows_accepted}"
                         f" + 拒收 {account.rows_rejected}")
    for row in report.rejected[:evidence_shown * 4]:
        lines.append(f"  拒收 {row.source_file}:{row.source_row} 列 {row.column} 值 {row.value!r}：应为 {row.expected}")
    current = None
    for result in report.results:
        if result.office_id != current:
            current = result.office_id
            lines.append(f"\n{report.offices[current].name}（{current}）")
        rule = rules[result.rule_id]
        lines.append(f"  {_MARK[result.status]} {STATUS_ZH[result.status]:<4} {result.rule_id:<34} {rule.title_zh}")
        if result.status in (Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA):
            lines.append(f"      {result.message_zh}  (要求 {result.expected})")
            for evidence in result.evidence[:evidence_shown]:
                lines.append(f"      · {evidence.source_file}:{evidence.source_row} {evidence.key} {evidence.reason}")
            if result.evidence_total > evidence_shown:
                lines.append(f"      … 共 {result.evidence_total} 行")
        if result.incomplete_tables and result.status is not Status.INSUFFICIENT_DATA:
            lines.append(f"      依据的数据不完整（有拒收行）incomplete data: {'、'.join(result.incomplete_tables)}")
    counts = {status: sum(r.status is status for r in report.results) for status in Status}
    lines.append("\n合计 " + "  ".join(f"{STATUS_ZH[s]} {n}" for s, n in counts.items() if n))
    return lines

"""Readable terminal summaries (Chinese first, English beside)."""

from __future__ import annotations

from westaudit.core.results import DEFAULT, STATUS_ZH, Result, Status, severity_counts, severity_text
from westaudit.core.submission import (
    RECEIPT_STATE_EN,
    RECEIPT_STATE_ZH,
    ConsolidationSummary,
    ReceiptCheck,
    ReceiptState,
)
from westaudit.evaluate.audit import AuditReport
from westaudit.intake.orgchart import Office
from westaudit.reports.value_basis import value_bases

_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.NOT_APPLICABLE: "-",
         Status.INSUFFICIENT_DATA: "?", Status.WAIVED: "~"}


def summary_lines(report: AuditReport, evidence_shown: int = 5) -> list[str]:
    rules = {rule.id: rule for rule in report.rules}
    lines = [f"审计年度 {report.year}  报送单位 {report.submitting_office}  规则集 {report.ruleset_version}"]
    for account in report.accounts:
        if account.rows_rejected or account.rows_partial:
            merged = f" + 合并重复 {account.rows_merged}" if account.rows_merged else ""
            partial = f"（其中 {account.rows_partial} 行有拒收单元格）" if account.rows_partial else ""
            lines.append(f"  数据表 {account.table}: 读取 {account.rows_read} = 接受 {account.rows_accepted}{partial}"
                         f" + 拒收 {account.rows_rejected}{merged}")
    for row in report.rejected[:evidence_shown * 4]:
        lines.append(f"  拒收 {row.source_file}:{row.source_row} 列 {row.column} 值 {row.value!r}：应为 {row.expected}")
    current = None
    for result in report.results:
        if result.office_id != current:
            current = result.office_id
            lines.append(f"\n{report.offices[current].name}（{current}）")
        rule = rules[result.rule_id]
        label = STATUS_ZH[result.status] + ("·默认口径" if result.downgraded == DEFAULT else "")
        lines.append(f"  {_MARK[result.status]} {label:<4} {result.rule_id:<34} {rule.title_zh}")
        if result.status in (Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA):
            lines.append(f"      {result.message_zh}  (要求 {result.expected})")
            lines.extend(f"      取值依据 {line}" for line in value_bases(result))
            for evidence in result.evidence[:evidence_shown]:
                lines.append(f"      · {evidence.source_file}:{evidence.source_row} {evidence.key} {evidence.reason}")
            if result.evidence_total > evidence_shown:
                lines.append(f"      … 共 {result.evidence_total} 行")
        if result.incomplete_tables and result.status is not Status.INSUFFICIENT_DATA:
            lines.append(f"      依据的数据不完整（有拒收行）incomplete data: {'、'.join(result.incomplete_tables)}")
    counts = {status: sum(r.status is status for r in report.results) for status in Status}
    lines.append("\n合计 " + "  ".join(f"{STATUS_ZH[s]} {n}" for s, n in counts.items() if n))
    lines.append(f"按严重程度 by severity: {severity_line(report.results)}")
    if report.as_of or report.policies:
        lines.append(judged_at_line(report))
    return lines


def severity_line(results: tuple[Result, ...] | list[Result]) -> str:
    counts = severity_counts(results)
    return f"{severity_text(counts, 'zh')} / {severity_text(counts, 'en')}"


def judged_at_line(report: AuditReport) -> str:
    """What the audit was judged by besides rules/: the as-of date and the policies applied."""
    parts = [f"评估日期 as of {report.as_of}"] if report.as_of else []
    parts += [f"政策 policy {p.office}：{p.document.label('zh')}（{p.file}）" for p in report.policies]
    return "；".join(parts)


def _receipt_text(check: ReceiptCheck) -> str:
    state = f"{RECEIPT_STATE_ZH[check.state]} {RECEIPT_STATE_EN[check.state]}"
    if check.state is ReceiptState.ABSENT:
        return state
    counts = "  ".join(f"{STATUS_ZH[Status(s)]} {n}" for s, n in check.counts if n)
    ruleset = "同一规则集 same rule set" if check.same_ruleset else "规则集不同 other rule set"
    text = (f"{state} · 自查机构 {check.office_id} · {check.checked_at} · 规则集 {check.ruleset_version}"
            f"（{ruleset}）· {counts}")
    if check.failing_rules:
        text += " · 不符合 failing: " + ", ".join(check.failing_rules)
    if check.state is ReceiptState.CHANGED:
        changed = "、".join(check.changed_files) or "package_checksum"
        text = f"！！ 回执与数据包不符 RECEIPT DOES NOT MATCH THE PACKAGE（改动 changed: {changed}）· " + text
    return text


def consolidation_lines(summary: ConsolidationSummary, offices: dict[str, Office]) -> list[str]:
    """Per package: office, rows, and whether it is the package its office self-checked; then who sent nothing."""
    name = offices[summary.supervising_office].name
    lines = [f"合并审计 consolidated audit: 监督机构 {name}（{summary.supervising_office}），"
             f"{len(summary.submissions)} 个数据包 packages"]
    for item in summary.submissions:
        lines.append(f"  数据包 {item.label}  报送 {offices[item.office_id].name}（{item.office_id}）  读取 {item.rows_read}"
                     f" = 接受 {item.rows_accepted} + 拒收 {item.rows_rejected} + 合并重复 {item.rows_merged}")
        lines.append(f"      自查回执 receipt: {_receipt_text(item.receipt)}")
    if summary.missing_offices:
        lines.append("  未报送数据包 missing (职责为数据不足 duties insufficient_data): " + "、".join(
            f"{offices[o].name}（{o}）" for o in summary.missing_offices))
    return lines

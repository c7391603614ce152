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
from westaudit.intake.orgchart import Office, top_down
from westaudit.reports.messages import LEVEL, severity_label, status_label, words
from westaudit.reports.value_basis import expected_text, value_bases
from westaudit.spec.ruleset import Rule

_MARK = {Status.PASS: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.NOT_APPLICABLE: "-",
         Status.INSUFFICIENT_DATA: "?", Status.WAIVED: "~"}
# what an office's section lists one by one; passes and duties with nothing to judge are counted on one line
_SHOWN = (Status.FAIL, Status.INSUFFICIENT_DATA, Status.WARN, Status.WAIVED)
_DETAILED = (Status.FAIL, Status.WARN, Status.INSUFFICIENT_DATA)
_TO_FIX = (Status.FAIL, Status.INSUFFICIENT_DATA)

# the terminal's own words: Chinese with the English beside (the default), or English alone (--lang en)
_SAID = {
    "zh": {"head": "审计年度 {year}  报送单位 {submitter}  规则集 {version}",
           "scope": "自查范围：{name}（{office}）及下属 {below} 个机构",
           "account": "  数据表 {table}: 读取 {read} = 接受 {accepted}{partial} + 拒收 {rejected}{merged}",
           "partial": "（其中 {n} 行有拒收单元格）", "merged": " + 合并重复 {n}",
           "rejected": "  拒收 {file}:{row} 列 {column} 值 {value!r}：应为 {expected}",
           "office": "{indent}{name}（{office}，{level}）：{counts}",
           "nothing": "无适用的核查项", "passes": "{mark} 符合 {n} 项：{rules}",
           "required": "（要求 {expected}）", "basis": "取值依据 {line}", "more": "… 共 {n} 行",
           "incomplete": "依据的数据不完整（有拒收行）incomplete data: {tables}",
           "total": "合计", "total_of": "合计（{n} 个机构）", "by_severity": "按严重程度：{text}",
           "verdict": "结论：{text}", "sep": "  ", "list": "、", "colon": "：", "and": "，", "also": "；",
           "default": "·默认口径", "severity": "（{severity}）"},
    "en": {"head": "audit year {year}  submitted by {submitter}  rule set {version}",
           "scope": "self-check of {name} ({office}) and the {below} offices below it",
           "account": "  table {table}: read {read} = accepted {accepted}{partial} + rejected {rejected}{merged}",
           "partial": " ({n} with a rejected cell)", "merged": " + merged duplicates {n}",
           "rejected": "  rejected {file}:{row} column {column} value {value!r}: expected {expected}",
           "office": "{indent}{name} ({office}, {level}): {counts}",
           "nothing": "no checks apply", "passes": "{mark} pass {n}: {rules}",
           "required": " (expected {expected})", "basis": "basis of the values: {line}", "more": "… {n} rows in all",
           "incomplete": "rests on incomplete data (rows rejected): {tables}",
           "total": "total", "total_of": "total ({n} offices)", "by_severity": "by severity: {text}",
           "verdict": "verdict: {text}", "sep": "  ", "list": ", ", "colon": ": ", "and": ", ", "also": ", ",
           "default": " · westaudit default", "severity": " ({severity})"},
}


def summary_lines(report: AuditReport, office_id: str | None = None, lang: str = "zh",
                  evidence_shown: int = 5) -> list[str]:
    """The self-check on the terminal: the data check, then the office's findings and under it each office
    below it with its own (down the hierarchy, a county then its service units), each office's passes on one
    line, and a verdict counting the whole subtree. office_id: the office self-checked (default: the
    submitting office)."""
    said = _SAID[lang]
    rules = {rule.id: rule for rule in report.rules}
    root = office_id or report.submitting_office
    judged = set(report.scope)
    order = [office for office in top_down(report.offices, root) if office in judged]
    lines = [said["head"].format(year=report.year, submitter=report.submitting_office,
                                 version=report.ruleset_version)]
    if len(order) > 1:
        lines.append(said["scope"].format(name=report.offices[root].name, office=root, below=len(order) - 1))
    lines.extend(_data_check_lines(report, said, evidence_shown))
    by_office: dict[str, list[Result]] = {}
    for result in report.results:
        by_office.setdefault(result.office_id, []).append(result)
    depth = {root: 0}
    for office in order:
        parent = report.offices[office].parent_id
        depth[office] = depth.get(parent, 0) + 1 if office != root else 0
        indent = "  " * depth[office]
        lines.append("")
        lines.extend(_office_lines(report.offices[office], by_office.get(office, []), rules, indent, lang,
                                   evidence_shown))
    counts = {status: sum(r.status is status for r in report.results) for status in Status}
    lines.append("")
    lines.append(said["verdict"].format(text=verdict_text(report.results, rules, lang)))
    total = said["total_of"].format(n=len(order)) if len(order) > 1 else said["total"]
    lines.append(total + said["colon"] + _counts_text(counts, lang))
    lines.append(said["by_severity"].format(text=severity_text(severity_counts(report.results), lang)))
    if report.as_of or report.policies:
        lines.append(judged_at_line(report, lang))
    return lines


def _data_check_lines(report: AuditReport, said: dict[str, str], evidence_shown: int) -> list[str]:
    lines = []
    for account in report.accounts:
        if account.rows_rejected or account.rows_partial:
            lines.append(said["account"].format(
                table=account.table, read=account.rows_read, accepted=account.rows_accepted,
                partial=said["partial"].format(n=account.rows_partial) if account.rows_partial else "",
                rejected=account.rows_rejected,
                merged=said["merged"].format(n=account.rows_merged) if account.rows_merged else ""))
    for row in report.rejected[:evidence_shown * 4]:
        lines.append(said["rejected"].format(file=row.source_file, row=row.source_row, column=row.column,
                                             value=row.value, expected=row.expected))
    return lines


def _office_lines(office: Office, results: list[Result], rules: dict[str, Rule], indent: str, lang: str,
                  evidence_shown: int) -> list[str]:
    """An office's heading with its counts, each finding with what was measured, its basis and evidence rows,
    then the rules it passed on one line."""
    said = _SAID[lang]
    counts = {status: sum(r.status is status for r in results) for status in Status}
    level = LEVEL[lang].get(office.level, office.level)
    lines = [said["office"].format(indent=indent, name=office.name, office=office.office_id, level=level,
                                   counts=_counts_text(counts, lang) or said["nothing"])]
    inner = indent + "  "
    for result in sorted((r for r in results if r.status in _SHOWN), key=lambda r: (_SHOWN.index(r.status), r.rule_id)):
        rule = rules[result.rule_id]
        label = status_label(result.status, lang) + (said["default"] if result.downgraded == DEFAULT else "")
        title = rule.title_zh if lang == "zh" else rule.title_en
        # a finding says how serious it is, as the pages' severity column does (the result's, after policies)
        if result.status in (Status.FAIL, Status.WARN):
            title += said["severity"].format(severity=severity_label(result.severity or rule.severity, lang))
        lines.append(f"{inner}{_MARK[result.status]} {label:<4} {result.rule_id:<34} {title}")
        if result.status in _DETAILED:
            message = result.message_zh if lang == "zh" else result.message_en
            expected = expected_text(result, lang)
            lines.append(f"{inner}    {message}  {said['required'].format(expected=expected).strip()}")
            lines.extend(f"{inner}    " + said["basis"].format(line=line) for line in value_bases(result, lang))
            for evidence in result.evidence[:evidence_shown]:
                lines.append(f"{inner}    · {evidence.source_file}:{evidence.source_row} {evidence.key} "
                             f"{evidence.reason_in(lang)}")
            if result.evidence_total > evidence_shown:
                lines.append(f"{inner}    " + said["more"].format(n=result.evidence_total))
        if result.incomplete_tables and result.status is not Status.INSUFFICIENT_DATA:
            lines.append(f"{inner}    " + said["incomplete"].format(tables=said["list"].join(result.incomplete_tables)))
    passed = sorted(r.rule_id for r in results if r.status is Status.PASS)
    if passed:
        lines.append(inner + said["passes"].format(mark=_MARK[Status.PASS], n=len(passed), rules=" ".join(passed)))
    return lines


def _counts_text(counts: dict[Status, int], lang: str) -> str:
    return _SAID[lang]["sep"].join(f"{status_label(s, lang)} {n}" for s, n in counts.items() if n)


def verdict_text(results: tuple[Result, ...] | list[Result], rules: dict[str, Rule], lang: str) -> str:
    """In the pages' words (reports/messages.py): 可以报送, or 需整改 N 项，其中致命 M 项 (fail and insufficient
    data; fatal by the result's severity for the office, else the rule's), with the hints (warn) beside."""
    said = words(lang)
    to_fix = [r for r in results if r.status in _TO_FIX]
    hints = sum(r.status is Status.WARN for r in results)
    if not to_fix:
        text = said.verdict_ready
    else:
        fatal = sum((r.severity or rules[r.rule_id].severity) == "fatal" for r in to_fix)
        text = said.verdict_fix.format(n=len(to_fix)) + _SAID[lang]["and"] + said.verdict_fatal.format(m=fatal)
    if hints:
        text += _SAID[lang]["also"] + said.verdict_hints.format(k=hints)
    return text


def severity_line(results: tuple[Result, ...] | list[Result]) -> str:
    counts = severity_counts(results)
    return f"{severity_text(counts, 'zh')} / {severity_text(counts, 'en')}"


def judged_at_line(report: AuditReport, lang: str = "zh") -> str:
    """What the audit was judged by besides rules/: the as-of date and the policies applied."""
    if lang == "en":
        parts = [f"as of {report.as_of}"] if report.as_of else []
        parts += [f"policy of {p.office}: {p.document.label('en')} ({p.file})" for p in report.policies]
        return "; ".join(parts)
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
    below = check.offices[1:]
    if below:  # the self-check covered the office's subtree (a receipt of format 2)
        failing = "；".join(f"{o.office_id} {', '.join(o.failing_rules)}" for o in below if o.failing_rules)
        offices = "office" if len(below) == 1 else "offices"
        text += (f" · 含下属 {len(below)} 个机构 with {len(below)} {offices} below"
                 + (f"，不符合 failing: {failing}" if failing else "，均无不符合 none failed"))
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

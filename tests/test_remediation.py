"""Every check kind writes what to do about its failures from the rule's own parameters and the evidence: the
sheet by its Chinese title, the rows by their source row (or the row to add, with what to enter), and by when."""

import math

import pytest

from westaudit.checks.registry import kinds
from westaudit.core.results import Remediation, Status

GENERIC = "对照条文逐项整改"


def _failures(sample_audit, kind: str):
    rules = {rule.id: rule for rule in sample_audit.rules}
    found = [(result, rules[result.rule_id]) for result in sample_audit.results
             if result.verdict is Status.FAIL and rules[result.rule_id].check.name == kind]
    assert found, f"the sample fails no rule of kind {kind}: plant one"
    return found


def _on_the_rows_of_its_evidence(result, remedy: Remediation):
    if remedy.action in ("correct", "complete") and result.evidence:
        shown = {row.source_row for row in result.evidence}
        assert shown <= set(remedy.rows), (result.rule_id, result.office_id)
        first = sorted(remedy.rows)[0]
        assert f"第 {first}" in remedy.text_zh and str(first) in remedy.text_en


def _document(ctx, result, rule, remedy):
    p = rule.check.params
    if not result.evidence:  # nothing filed: the row to add, its document type as offices type it
        assert remedy.action == "add" and "补一行" in remedy.text_zh
        for column, wanted in p.documents.where.items():
            code = wanted[0] if isinstance(wanted, list) else wanted
            assert ctx.contract[p.documents.table].columns[column].values[code][0] in remedy.text_zh
    else:
        assert remedy.action == "correct"
    if p.due:
        assert remedy.due == ctx.deadline(p.due).date().isoformat()


def _ratio(ctx, result, rule, remedy):
    minimum = float(ctx.resolve(rule.check.params.min))
    needed = math.ceil(minimum * result.counts.total - 1e-9) - result.counts.met
    assert f"至少还需 {needed} 条" in remedy.text_zh and f"{minimum:.0%}" in remedy.text_zh
    assert remedy.table == rule.check.params.achieved.table


def _deadline(ctx, result, rule, remedy):
    p = rule.check.params
    date_zh = ctx.contract[p.records.table].columns[p.date_column].zh
    assert remedy.action == "correct" and date_zh in remedy.text_zh
    if p.due:
        assert ctx.deadline(p.due).date().isoformat() in remedy.text_zh
    elif p.within:
        assert f"{float(ctx.resolve(p.within.limit)):g}" in remedy.text_zh


def _periodic(ctx, result, rule, remedy):
    p = rule.check.params
    minimum = int(ctx.resolve(p.min_count))
    assert remedy.action == "add" and result.office_id in remedy.text_zh
    count = int(str(result.measured).split(" ")[0].removesuffix("次"))
    assert f"还需 {minimum - count} 次" in remedy.text_zh or (minimum <= count and "天" in remedy.text_zh)


def _row_condition(ctx, result, rule, remedy):
    columns = ctx.contract[rule.check.params.records.table].columns
    assert any(columns[c.column].zh in remedy.text_zh for c in rule.check.params.require)


def _procedure(ctx, result, rule, remedy):
    titles = [step.title_zh for step in rule.check.params.steps]
    assert any(f"「{title}」" in remedy.text_zh for title in titles)


def _quota(ctx, result, rule, remedy):
    assert remedy.table == rule.check.params.quotas.table
    assert "指标" in remedy.text_zh


def _ranking(ctx, result, rule, remedy):
    p = rule.check.params
    label = ctx.contract[p.assessments.table].columns[p.outcome_column].values[p.eliminated][0]
    assert label in remedy.text_zh


def _within_office(ctx, result, rule, remedy):
    columns = ctx.contract[rule.check.params.records.table].columns
    assert all(columns[c].zh in remedy.text_zh for c in rule.check.params.columns)


def _monthly(ctx, result, rule, remedy):
    p = rule.check.params
    assert f"每月 {int(ctx.resolve(p.due_day))} 日前" in remedy.text_zh and remedy.action == "complete"


BY_KIND = {"document": _document, "ratio": _ratio, "deadline": _deadline, "periodic": _periodic,
           "row_condition": _row_condition, "procedure": _procedure, "quota": _quota, "ranking": _ranking,
           "within_office": _within_office, "monthly": _monthly}


def test_every_kind_is_covered():
    assert set(BY_KIND) == set(kinds())


@pytest.fixture(scope="module")
def ctx(sample_package, ruleset):
    from westaudit.evaluate.context import EvalContext
    from westaudit.intake.orgchart import OrgChart

    return EvalContext(sample_package.manifest.year, ruleset.parameters, sample_package.tables, ruleset.contract,
                       OrgChart(sample_package.tables["offices"]))


@pytest.mark.parametrize("kind", sorted(BY_KIND))
def test_each_kind_says_which_sheet_which_rows_and_what_to_enter(kind, sample_audit, ruleset, ctx):
    for result, rule in _failures(sample_audit, kind):
        remedy = result.remediation
        assert remedy is not None, (result.rule_id, result.office_id)
        sheet = ruleset.contract[remedy.table]
        assert remedy.text_zh.startswith(f"在「{sheet.title_zh}」表") and f'"{sheet.title_en}"' in remedy.text_en
        assert GENERIC not in remedy.text_zh
        _on_the_rows_of_its_evidence(result, remedy)
        BY_KIND[kind](ctx, result, rule, remedy)


def test_the_remediation_reads_back_from_a_dict():
    remedy = Remediation("correct", "documents", "在「文件报送」表更正第 3 行：…", "correct row 3", (3, 7), "2025-03-31")
    assert Remediation.from_dict(remedy.as_dict()) == remedy

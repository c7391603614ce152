"""The audit: every applicable rule for every office in scope, over the package's accepted tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import BaseModel

from westaudit.checks.base import OfficeOutcome, ParamRef, parameters_used
from westaudit.checks.selectors import RowSelector
from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.errors import InputError, UsageError
from westaudit.core.results import EvidenceRow, RejectedRow, Result, Status, TableAccount
from westaudit.evaluate.context import EvalContext
from westaudit.evaluate.evidence import EVIDENCE_LIMIT, evidence_of_each
from westaudit.evaluate.judgement import judge, within_band
from westaudit.evaluate.policy_scope import PolicyGroup, PolicyScope, switched_off
from westaudit.evaluate.province_flags import blank_province_flags
from westaudit.intake.orgchart import Office, OrgChart
from westaudit.runtime import parallel, progress
from westaudit.runtime.heap import collector_relaxed
from westaudit.spec.policies import Policy
from westaudit.spec.ruleset import Rule, RuleSet

if TYPE_CHECKING:
    from westaudit.core.submission import ConsolidationSummary
    from westaudit.evaluate.coverage import Coverage
    from westaudit.intake.package import Package


@dataclass(frozen=True)
class AuditReport:
    package: str
    submitting_office: str
    year: int
    ruleset_version: str
    generated_at: str
    scope: tuple[str, ...]
    offices: dict[str, Office]
    rules: tuple[Rule, ...]
    results: tuple[Result, ...]
    accounts: tuple[TableAccount, ...]
    rejected: tuple[RejectedRow, ...]
    # a consolidated audit of several packages: who sent what, who sent nothing (None: one package)
    consolidation: ConsolidationSummary | None = None
    # --as-of: rules and values in force on that date; reference_date: what waiver expiry is judged at
    as_of: dt.date | None = None
    reference_date: dt.date | None = None
    # the policy overlays the audit applied (engine/spec/policies.py)
    policies: tuple[Policy, ...] = ()
    # the earlier year whose recorded standings the ranking results were compared with (last place two years
    # running, Result.last_ranked_again); None: no audit store was used, or it holds no standings of that year,
    # so nobody can be said to be last two years running or not
    last_place_compared_with: int | None = None

    @property
    def failed(self) -> bool:
        """A fatal finding: the run fails (exit 1)."""
        return any(r.status is Status.FAIL for r in self.results)

    @property
    def warned(self) -> bool:
        """A warning finding: the run fails only with --fail-on warning."""
        return any(r.status is Status.WARN for r in self.results)

    def fails_on(self, level: str) -> bool:
        return self.failed or (level == "warning" and self.warned)

    def package_of(self, office_id: str) -> str | None:
        """The package an office's findings come from: the one audited, or in a consolidated audit the package
        covering the office; None for an office no package covers."""
        if self.consolidation is None:
            return Path(self.package).name
        return self.consolidation.package_of.get(office_id)


# a table's whole rows rejected (column None) or only some of its cells (the column): what each rejection weighs on
Incomplete = dict[tuple[str, str | None], set[str]]


def incomplete_by_office(rejected: tuple[RejectedRow, ...]) -> Incomplete:
    """(table, None) -> owners of rows rejected whole; (table, column) -> owners of rows kept with that cell
    rejected, which weigh only on rules reading the column."""
    found: Incomplete = {}
    for row in rejected:
        found.setdefault((row.table, row.column if row.row_kept else None), set()).add(row.office_id or "*")
    return found


def _weighing_on(incomplete: Incomplete, org: OrgChart) -> Incomplete:
    """A rejected row weighs on its office and every office above it (roll-ups count it); a row whose office
    is blank or unknown could belong to anyone ("*")."""
    return {where: {office for owner in owners
                    for office in ((owner, *org.ancestors(owner)) if owner in org else ("*",))}
            for where, owners in incomplete.items()}


def _read_by(rule: Rule) -> set[tuple[str, str | None]]:
    """What rejections of which a rule's result depends on: whole rows of its tables, cells of its columns."""
    refs = list(rule.check.column_refs())
    return {(ref.table, None) for ref in refs} | {(ref.table, ref.column) for ref in refs if ref.column}


def _evidence(outcomes: list[OfficeOutcome], ruleset: RuleSet) -> list[tuple[tuple[EvidenceRow, ...], int]]:
    """Each outcome's evidence rows, those of one table written together."""
    evidence: list[tuple[tuple[EvidenceRow, ...], int]] = [((), 0)] * len(outcomes)
    by_table: dict[str, list[int]] = {}
    for index, outcome in enumerate(outcomes):
        if outcome.evidence is not None and outcome.evidence_table in ruleset.contract:
            by_table.setdefault(outcome.evidence_table, []).append(index)
    for table, indexes in by_table.items():
        written = evidence_of_each([outcomes[index].evidence for index in indexes], ruleset.contract[table])
        for index, rows in zip(indexes, written, strict=True):
            evidence[index] = rows
    return evidence


def _result(rule: Rule, incomplete_at: dict[str, tuple[str, ...]], everywhere: tuple[str, ...],
            outcome: OfficeOutcome, evidence_found: tuple[tuple[EvidenceRow, ...], int], ctx: EvalContext,
            to_fix: _RowsToFix, severity: str) -> Result:
    """The outcome as a result, with the severity judge() gives it unless the verdict is a failing check (a
    national audit makes 400,000: most need no second copy)."""
    evidence, total = evidence_found
    incomplete = incomplete_at.get(outcome.office_id, everywhere)
    result = Result(rule.id, outcome.office_id, outcome.status, outcome.measured, outcome.expected,
                    outcome.message_zh, outcome.message_en, evidence, total, incomplete,
                    outcome.threshold, outcome.parameters, outcome.counts, outcome.remediation,
                    outcome.expected_en, severity=severity)
    if incomplete and not _stands_on_incomplete_data(rule, outcome):
        rows = to_fix.of(outcome.office_id)
        if rows:
            return _awaiting_corrections(result, rows, ctx)
    return result


def _stands_on_incomplete_data(rule: Rule, outcome: OfficeOutcome) -> bool:
    """Whether a verdict holds whatever the rejected rows held: never a pass (or nothing to judge: the rejected
    rows may be all there was); a fail only where the kind judges records one by one and found offending ones,
    which no other row can make right. Anything else might turn on the rows left out."""
    if outcome.status is Status.FAIL:
        return rule.check.fails_row_by_row and outcome.evidence is not None and len(outcome.evidence) > 0
    return outcome.status not in (Status.PASS, Status.NOT_APPLICABLE)


def _awaiting_corrections(result: Result, rows: list[RejectedRow], ctx: EvalContext) -> Result:
    """insufficient_data with what the accepted rows measured and, as evidence, the rejected rows to correct."""
    shown = tuple(EvidenceRow(r.table, r.source_file, r.source_row, "", ((r.column, r.value),),
                              f"列 column {r.column} 值 value {r.value!r}：应为 expected {r.expected}")
                  for r in rows[:EVIDENCE_LIMIT])
    titles = "、".join(ctx.contract[t].title_zh if t in ctx.contract else t for t in result.incomplete_tables)
    # the kind's own remediation was written for its verdict; what to do now is correct these rows
    return replace(result, status=Status.INSUFFICIENT_DATA, evidence=shown, evidence_total=len(rows), remediation=None,
                   message_zh=f"数据不足：{titles}中有 {len(rows)} 行被拒收的数据须先更正"
                              f"（按已接受的数据：{result.message_zh}）",
                   message_en=f"insufficient data: {len(rows)} rejected rows of {', '.join(result.incomplete_tables)}"
                              f" to correct first (on the accepted rows: {result.message_en})")


class _RowsToFix:
    """The rejected rows a rule reads that could have counted for each office: the office's own rows, those of
    the offices below it where the rule rolls rows up to it, and rows of no known office. (incomplete_tables names
    a table for every office above a rejected row; only these rows can turn an office's verdict.)"""

    def __init__(self, rule: Rule, ctx: EvalContext):
        read, up = _read_by(rule), _rolls_up(rule.check.params)
        self._by_office: dict[str, list[RejectedRow]] = {}
        self._anyone: list[RejectedRow] = []
        for row in ctx.rejected:
            if (row.table, row.column if row.row_kept else None) not in read:
                continue
            if row.office_id is None or row.office_id not in ctx.org:
                self._anyone.append(row)
                continue
            for office in (row.office_id, *ctx.org.ancestors(row.office_id)) if up else (row.office_id,):
                self._by_office.setdefault(office, []).append(row)

    def of(self, office: str) -> list[RejectedRow]:
        return self._by_office.get(office, []) + self._anyone


def _rolls_up(value: object) -> bool:
    """Whether a rule's parameters choose rows rolled up from the offices below (a RowSelector's roll_up_to)."""
    if isinstance(value, RowSelector):
        return value.roll_up_to is not None
    if isinstance(value, BaseModel):
        return any(_rolls_up(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list | tuple):
        return any(_rolls_up(item) for item in value)
    if isinstance(value, dict):
        return any(_rolls_up(item) for item in value.values())
    return False


def not_evaluable(rule: Rule, offices: list[str], ruleset: RuleSet, ctx: EvalContext) -> list[Result]:
    """insufficient_data for every office when a table or optional column the rule reads was not submitted.

    ctx needs only has_table and has_column (coverage.py passes what one office's packages submitted).
    """
    refs = list(rule.check.column_refs())
    missing_tables = sorted({r.table for r in refs if not ctx.has_table(r.table)})
    if missing_tables:
        titles = "、".join(ruleset.contract[t].title_zh for t in missing_tables)
        why_zh, why_en, tables = f"未提交：{titles}", f"not submitted: {', '.join(missing_tables)}", missing_tables
    else:
        missing = sorted({(r.table, r.column) for r in refs if not ctx.has_column(r.table, r.column)})
        if not missing:
            return []
        columns = "、".join(f"{ruleset.contract[t].title_zh}.{ruleset.contract[t].columns[c].zh}" for t, c in missing)
        why_zh, why_en = f"未提交列：{columns}", "columns not submitted: " + ", ".join(f"{t}.{c}" for t, c in missing)
        tables = sorted({t for t, _ in missing})
    return [Result(rule.id, office, Status.INSUFFICIENT_DATA, None, "", why_zh, why_en,
                   incomplete_tables=tuple(tables)) for office in offices]


def evaluate_rule(rule: Rule, offices: list[str], ruleset: RuleSet, ctx: EvalContext,
                  policies: PolicyScope | None = None) -> list[Result]:
    """Every office's result for the rule: the offices grouped by the policies that apply to them (each group
    evaluated at once with its own parameter values and severity), then judged (engine/evaluate/judgement.py)."""
    groups = policies.groups(rule, offices) if policies is not None else [PolicyGroup(tuple(offices))]
    results: list[Result] = []
    for group in groups:
        if group.switched_off is not None:
            results.extend(switched_off(rule, group))
            continue
        group_ctx = (replace(ctx, parameters=ctx.parameters.with_overlays(group.overlays))
                     if group.overlays else ctx)
        results.extend(_evaluate_group(rule, list(group.offices), ruleset, group_ctx, group.severity or rule.severity))
    if len(groups) > 1:
        order = {office: index for index, office in enumerate(offices)}
        results.sort(key=lambda result: order[result.office_id])
    return results


def _with_values(rule: Rule, results: list[Result], ctx: EvalContext) -> list[Result]:
    """Results with nothing judged (a table or column not submitted, no package) still name each value the rule
    holds the office to, as in force for it after its policies, with its basis: what it will be judged by."""
    names = sorted(rule.check.parameter_names())
    if not names or not results:
        return results
    uses = parameters_used(ctx, *(ParamRef(name) for name in names))
    return [result if result.parameters else result.revised(parameters=uses) for result in results]


def _under_policies(rule: Rule, held_back: list[Result], policies: PolicyScope | None,
                    ctx: EvalContext) -> list[Result]:
    """The results of offices with nothing to judge (no package, a table or column not submitted) as the policies
    over each office have them: a rule switched off is not_applicable with the policy's reason, not missing data,
    and each keeps the severity and names the values its policy gives the rule."""
    if not held_back or policies is None:
        return [judge(result, rule.severity) for result in _with_values(rule, held_back, ctx)]
    of_office = {result.office_id: result for result in held_back}
    judged: list[Result] = []
    for group in policies.groups(rule, list(of_office)):
        if group.switched_off is not None:
            judged.extend(switched_off(rule, group))
            continue
        group_ctx = replace(ctx, parameters=ctx.parameters.with_overlays(group.overlays)) if group.overlays else ctx
        judged.extend(judge(result, group.severity or rule.severity)
                      for result in _with_values(rule, [of_office[office] for office in group.offices], group_ctx))
    order = {office: index for index, office in enumerate(of_office)}
    return sorted(judged, key=lambda result: order[result.office_id])


def _evaluate_group(rule: Rule, offices: list[str], ruleset: RuleSet, ctx: EvalContext, severity: str) -> list[Result]:
    held_back = not_evaluable(rule, offices, ruleset, ctx)
    if held_back:
        return [judge(result, severity) for result in _with_values(rule, held_back, ctx)]
    incomplete_at, everywhere = _incomplete_tables(rule, ctx)
    to_fix = _RowsToFix(rule, ctx) if incomplete_at or everywhere else None  # usually nothing is incomplete
    evaluated = _without_rejected_cells(rule, ctx)

    def results_under(under: EvalContext) -> list[Result]:
        outcomes = rule.check.evaluate(under, offices)
        return [_result(rule, incomplete_at, everywhere, outcome, evidence, under, to_fix, severity)
                for outcome, evidence in zip(outcomes, _evidence(outcomes, ruleset), strict=True)]

    results = results_under(evaluated)
    names = rule.check.parameter_names()
    banded = evaluated.parameters.banded(names, ctx.year)
    if banded is not None:
        results = within_band(results, results_under(replace(evaluated, parameters=banded)), names)
    return [judge(result, severity) for result in results]


def _without_rejected_cells(rule: Rule, ctx: EvalContext) -> EvalContext:
    """The context a rule evaluates in: its tables without the rows kept with a rejected cell in a column it
    reads (those rows stay for every other rule). Usually there are none and ctx is returned as it is."""
    bad: dict[str, set[tuple[str, int]]] = {}
    read = _read_by(rule)
    for row in ctx.rejected:
        if row.row_kept and (row.table, row.column) in read:
            bad.setdefault(row.table, set()).add((row.source_file, row.source_row))
    if not bad:
        return ctx
    tables = dict(ctx.tables)
    for table, rows in bad.items():
        if table in tables:
            frame = tables[table]
            left_out = pd.MultiIndex.from_arrays([frame[SOURCE_FILE], frame[SOURCE_ROW]]).isin(list(rows))
            tables[table] = frame[~left_out]
    return replace(ctx, tables=tables)


def _incomplete_tables(rule: Rule, ctx: EvalContext) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The rule's tables with rejected rows (or rejected cells of columns it reads) weighing on each office
    (those of unknown offices weigh on every office), worked out once per rule: usually nothing, and 25,000
    unit offices share one answer."""
    read = _read_by(rule)
    weighing: dict[str, set[str]] = {}
    for (table, column), owners in ctx.incomplete.items():
        if owners and (table, column) in read:
            weighing.setdefault(table, set()).update(owners)
    everywhere = tuple(sorted(table for table, offices in weighing.items() if "*" in offices))
    by_office: dict[str, set[str]] = {}
    for table, offices in weighing.items():
        for office in offices - {"*"}:
            by_office.setdefault(office, set(everywhere)).add(table)
    return {office: tuple(sorted(tables)) for office, tables in by_office.items()}, everywhere


def offices_in_scope(org: OrgChart, submitting_office: str, subtree_of: str | None) -> list[str]:
    """The offices an audit judges: the subtree of the office self-checked (itself and every office below it in
    the package's offices table), else of the submitting office."""
    return sorted(org.subtree(subtree_of or submitting_office))


# what a rule costs, measured at N=1 (benchmarks/README.md): about 0.8 µs a row it reads and 28 µs an office it
# judges (its outcome, result, evidence and severity), so 36 rows an office; a procedure's rows pass one by one
# through the durable-rules engine, about twice a vectorised row.
ROWS_PER_OFFICE, PROCEDURE_ROW = 36, 2


def _cost(rule: Rule, offices: list[str], ctx: EvalContext) -> float:
    """A guess at a rule's work, in rows read: the costliest rules are claimed first, so the last ones are small."""
    rows = sum(len(ctx.tables[t]) for t in rule.check.tables() if t in ctx.tables)
    return rows * (PROCEDURE_ROW if rule.check.name == "procedure" else 1) + ROWS_PER_OFFICE * len(offices)


def reference_date(year: int, as_of: dt.date | None, today: dt.date | None = None) -> dt.date:
    """The date an audit is judged at (waiver expiry): the as-of date, else the end of the audit year, or today
    if that is earlier. Re-running last year's audit next year gives the same verdicts."""
    if as_of is not None:
        return as_of
    return min(dt.date(year, 12, 31), today or dt.date.today())


def out_of_force(rule: Rule, offices: list[str], on: dt.date) -> list[Result]:
    period = rule.period_text()
    return [Result(rule.id, office, Status.NOT_APPLICABLE, None, "",
                   f"本规则于 {on} 不在施行期内（{period[0]}）", f"the rule is not in force on {on} ({period[1]})",
                   severity=rule.severity) for office in offices]


def run_audit(package: Package, ruleset: RuleSet, subtree_of: str | None = None,
              coverage: Coverage | None = None, jobs: int | None = None,
              policies: tuple[Policy, ...] = (), as_of: dt.date | None = None) -> AuditReport:
    """subtree_of: the office self-checked (`westaudit check --office`): it and every office below it are judged;
    None: the submitting office's subtree.
    coverage: for a consolidated package, the offices with no package and what each office's packages
    submitted (engine/evaluate/coverage.py); their duties are insufficient_data, not evaluated over others' rows.
    jobs: processes evaluating rules (None: both cores for a large package, one otherwise); same results.
    policies: overlays adopted by offices of the package (engine/spec/policies.py), applying to their subtrees.
    as_of: rules and parameter values in force on that date (default: those in force on 31 December)."""
    org = OrgChart(package.tables["offices"])
    year = package.manifest.year
    policy_scope = PolicyScope(policies, org) if policies else None
    if package.manifest.office_id not in org:
        raise InputError(str(package.path), "the manifest's office_id is not in the offices table",
                         column="office_id", column_zh="机构编号", value=package.manifest.office_id,
                         message_zh="清单的机构编号不在「组织机构」表中：请在「组织机构」表补上本机构一行，或改正清单的 office_id")
    if subtree_of and subtree_of not in org.subtree(package.manifest.office_id):
        submitter = package.manifest.office_id
        raise UsageError(f"机构 {subtree_of} 不在本数据包中（报送单位 {submitter}，只能自查它及其下级机构）："
                         f"请核对 --office / office {subtree_of!r} is not in this package (submitted by {submitter})")
    incomplete = incomplete_by_office(package.rejected)
    if coverage is not None:  # an office that sent nothing weighs on every office above it, like a rejected row
        for table in ruleset.contract:
            incomplete.setdefault((table, None), set()).update(coverage.missing)
    ctx = EvalContext(year, ruleset.parameters.at(as_of), package.tables, ruleset.contract, org,
                      _weighing_on(incomplete, org), package.submitted_columns, package.rejected)
    rules_on = ctx.parameters.date_for(year)
    scope = offices_in_scope(org, package.manifest.office_id, subtree_of)
    results: list[Result] = []
    tasks: list[tuple[Rule, list[str]]] = []
    in_role = {role: [o for o in scope if role in org.offices[o].roles] for role in {r.office for r in ruleset.rules}}
    for rule in ruleset.rules:
        offices = in_role[rule.office]
        if offices and not rule.in_force_on(rules_on):
            results.extend(out_of_force(rule, offices, rules_on))
            continue
        held_back = coverage.held_back(rule, offices, ruleset) if coverage is not None and offices else []
        held_back = _under_policies(rule, held_back, policy_scope, ctx)
        if held_back:
            settled = {r.office_id for r in held_back}
            offices = [o for o in offices if o not in settled]
            results.extend(held_back)
        if offices:
            tasks.append((rule, offices))
    shown = progress.current()
    shown.stage("评估 evaluate")
    rows = sum(len(frame) for frame in package.tables.values())
    with collector_relaxed():  # a national audit makes 400,000 results: the package is left out of collections
        for evaluated in parallel.evaluate_all(
                tasks, lambda task: evaluate_rule(task[0], task[1], ruleset, ctx, policy_scope),
                [_cost(rule, offices, ctx) for rule, offices in tasks],
                parallel.default_jobs(rows) if jobs is None else jobs, lambda done: shown.step("rules", done, len(tasks))):
            results.extend(evaluated)
    return AuditReport(str(package.path), package.manifest.office_id, year, ruleset.version,
                       dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), tuple(scope), org.offices,
                       ruleset.rules, tuple(results), package.accounts,
                       package.rejected + blank_province_flags(package.tables["offices"], set(scope)),
                       as_of=as_of, reference_date=reference_date(year, as_of), policies=tuple(policies))

"""Every `procedure` rule, varied from its own spec: each required step missing, each ordered pair swapped,
each time limit met exactly and overrun by one unit. Plus determinism and isolation between packages.

The first case of a procedure rule's test file is its baseline (one case, every step recorded once, in order,
on time). Its tables are typed once; each variation edits the typed cell (or row) that recorded the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from westaudit.checks.procedure import ProcedureCheck
from westaudit.checks.procedures.model import StepViolation, ViolationReason
from westaudit.evaluate.context import SOURCE_FILE, SOURCE_ROW, EvalContext
from westaudit.evaluate.rulecases import _standard_org, _typed_tables  # the same typing the YAML cases get
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import CASES_SUFFIX, RULES_DIR, load_ruleset
from westaudit.spec.yamlsource import load_yaml

_RULESET = load_ruleset(RULES_DIR)
PROCEDURE_RULES = [rule for rule in _RULESET.rules if isinstance(rule.check, ProcedureCheck)]
UNIT = {"hours": timedelta(hours=1), "days": timedelta(days=1)}


@dataclass
class Baseline:
    check: ProcedureCheck
    year: int
    office: str
    tables: dict[str, pd.DataFrame]

    def context(self, tables: dict[str, pd.DataFrame] | None = None) -> EvalContext:
        tables = tables or self.tables
        return EvalContext(self.year, _RULESET.parameters, tables, _RULESET.contract, OrgChart(tables["offices"]))

    def violations(self, tables: dict[str, pd.DataFrame]) -> list[tuple]:
        return [_summary(v) for v in self.check.violations(self.context(tables), [self.office])]

    def status(self, tables: dict[str, pd.DataFrame]) -> str:
        return self.check.evaluate(self.context(tables), [self.office])[0].status.value

    def step_cells(self) -> dict[str, tuple[str, int, str]]:
        """Where each step is recorded: (table, row index, time column)."""
        cells = {}
        for event in self.check.events(self.context(), [self.office]):
            table = event.source_file.rsplit("#", 1)[1]
            frame = self.tables[table]
            index = frame.index[(frame[SOURCE_FILE] == event.source_file) & (frame[SOURCE_ROW] == event.source_row)]
            step = next(s for s in self.check.params.steps if s.name == event.step)
            assert event.step not in cells, f"baseline records {event.step} twice"
            cells[event.step] = (table, index[0], step.column or step.records.time_column)
        return cells


def _summary(violation: StepViolation) -> tuple:
    return violation.reason, violation.step, violation.other_step, violation.overrun


def _baseline(rule) -> Baseline:
    document = load_yaml(RULES_DIR / rule.office / f"{rule.id}{CASES_SUFFIX}")
    first = document["cases"][0]
    raw = {"offices": _standard_org(RULES_DIR)} | dict(document.get("tables", {})) | dict(first["tables"])
    tables, rejected = _typed_tables(raw, _RULESET, f"{rule.id}{CASES_SUFFIX}")
    assert not rejected
    assert first["expect"][0]["status"] == "pass", "the first case must be the passing baseline"
    return Baseline(rule.check, first.get("year", document["year"]), first["expect"][0]["office"], tables)


def _with_time(tables: dict[str, pd.DataFrame], cell: tuple[str, int, str], at) -> dict[str, pd.DataFrame]:
    table, index, column = cell
    changed = tables[table].copy()
    changed.loc[index, column] = at
    return tables | {table: changed}


def _without(baseline: Baseline, step: str, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    table, index, column = baseline.step_cells()[step]
    source = next(s for s in baseline.check.params.steps if s.name == step)
    if source.column:
        return _with_time(tables, (table, index, column), pd.NaT)
    return tables | {table: tables[table].drop(index)}


def _variations(kind: str) -> list[tuple]:
    found = []
    for rule in PROCEDURE_RULES:
        params = rule.check.params
        items = {"missing": params.required, "swapped": params.order, "limit": params.time_limits}[kind]
        found += [(rule, item) for item in items]
    return found


def _id(value) -> str:
    return getattr(value, "id", None) or str(getattr(value, "end", value))


@pytest.fixture(scope="module")
def baselines():
    return {rule.id: _baseline(rule) for rule in PROCEDURE_RULES}


def test_every_procedure_duty_is_a_procedure_rule():
    duties = {"service_county-03", "service_unit-05", "service_county-04", "service_prefecture-02",
              "service_province-06", "service_unit-04", "service_county-10", "recruit_province-03",
              "recruit_province-04", "university-03", "university-04", "university-05"}
    assert duties <= {rule.id for rule in PROCEDURE_RULES}


@pytest.mark.parametrize("rule", PROCEDURE_RULES, ids=_id)
def test_baseline_records_every_step_once_and_passes(baselines, rule):
    baseline = baselines[rule.id]
    assert set(baseline.step_cells()) == {step.name for step in rule.check.params.steps}
    assert baseline.violations(baseline.tables) == []
    assert baseline.status(baseline.tables) == "pass"


@pytest.mark.parametrize(("rule", "step"), _variations("missing"), ids=_id)
def test_each_required_step_missing(baselines, rule, step):
    baseline = baselines[rule.id]
    tables = _without(baseline, step, baseline.tables)
    assert baseline.violations(tables) == [(ViolationReason.MISSING_STEP, step, None, None)]
    assert baseline.status(tables) == "fail"


@pytest.mark.parametrize(("rule", "pair"), _variations("swapped"), ids=_id)
def test_each_ordered_pair_swapped(baselines, rule, pair):
    baseline = baselines[rule.id]
    before, after = pair
    cells = baseline.step_cells()
    times = {step: baseline.tables[cells[step][0]].loc[cells[step][1], cells[step][2]] for step in pair}
    assert times[before] < times[after], "the baseline must keep a gap between ordered steps"
    tables = _with_time(baseline.tables, cells[before], times[after])
    tables = _with_time(tables, cells[after], times[before])
    assert (ViolationReason.OUT_OF_ORDER, after, before, None) in baseline.violations(tables)
    assert baseline.status(tables) == "fail"


@pytest.mark.parametrize(("rule", "limit"), _variations("limit"), ids=_id)
def test_each_time_limit_met_exactly_and_overrun_by_one_unit(baselines, rule, limit):
    baseline = baselines[rule.id]
    parameter = _RULESET.parameters.parameters[limit.within]
    allowed = float(_RULESET.parameters.value(limit.within, baseline.year)) * UNIT[parameter.unit]
    cells = baseline.step_cells()
    start = baseline.tables[cells[limit.start][0]].loc[cells[limit.start][1], cells[limit.start][2]]
    exactly = _with_time(baseline.tables, cells[limit.end], start + allowed)
    assert baseline.violations(exactly) == []
    assert baseline.status(exactly) == "pass"
    late = _with_time(baseline.tables, cells[limit.end], start + allowed + UNIT[parameter.unit])
    assert baseline.violations(late) == [(ViolationReason.OVERDUE, limit.end, limit.start, UNIT[parameter.unit])]
    assert baseline.status(late) == "fail"


def test_the_reason_names_the_step_the_actor_and_the_overrun(baselines):
    baseline = baselines["service_county-04"]
    cells = baseline.step_cells()
    received = baseline.tables["incident_reports"].loc[cells["county_received"][1], "reported_at"]
    late = _with_time(baseline.tables, cells["county_report"], received + timedelta(hours=5))
    outcome = baseline.check.evaluate(baseline.context(late), ["C1"])[0]
    assert outcome.evidence["_reason"].tolist() == [
        "「县级项目办上报」（C1）超时 3 小时（自「县级项目办收到报告」起限 2 小时）"
        "［service_county-04.test.yaml#incident_reports:1、service_county-04.test.yaml#incident_reports:2］"]
    assert outcome.evidence["_reason_en"].tolist() == [
        "overdue by 3 hours: county office reports up (C1) after county office receives the report, within 2 hours "
        "[service_county-04.test.yaml#incident_reports:1, service_county-04.test.yaml#incident_reports:2]"]
    assert outcome.evidence["incident_id"].tolist() == ["I1"]
    missing = _without(baseline, "county_report", baseline.tables)
    outcome = baseline.check.evaluate(baseline.context(missing), ["C1"])[0]
    assert outcome.evidence["_reason"].tolist() == ["缺少「县级项目办上报」（服务县项目办）"]
    assert outcome.evidence["_reason_en"].tolist() == ["missing: county office reports up (the serving county)"]


def test_the_same_rule_over_two_packages_keeps_their_facts_apart(baselines):
    """Two packages with the same case key: each result is what that package alone gives, in any order."""
    baseline = baselines["service_county-10"]
    broken = _without(baseline, "handover", baseline.tables)
    alone_broken = baseline.violations(broken)
    assert baseline.violations(baseline.tables) == []
    assert baseline.violations(broken) == alone_broken == [(ViolationReason.MISSING_STEP, "handover", None, None)]
    assert baseline.violations(baseline.tables) == []


def test_two_evaluations_in_one_process_give_identical_outcomes(baselines):
    baseline = baselines["service_unit-04"]
    late = _with_time(baseline.tables, baseline.step_cells()["unit_report"], pd.Timestamp("2025-07-30"))
    first = baseline.check.evaluate(baseline.context(late), [baseline.office])
    second = baseline.check.evaluate(baseline.context(late), [baseline.office])
    assert [(o.status, o.measured, o.evidence["_reason"].tolist()) for o in first] == \
           [(o.status, o.measured, o.evidence["_reason"].tolist()) for o in second]


def test_two_audits_of_the_sample_in_one_process_give_identical_results():
    from conftest import SAMPLE
    from westaudit.evaluate.audit import run_audit
    from westaudit.intake.package import load_package

    procedure_ids = {rule.id for rule in PROCEDURE_RULES}
    runs = [[r for r in run_audit(load_package(SAMPLE, _RULESET.contract), _RULESET).results
             if r.rule_id in procedure_ids] for _ in range(2)]
    assert runs[0] == runs[1]
    assert sum(r.verdict.value == "fail" for r in runs[0]) == 12


def _params(**changes) -> dict:
    base = {"cases": {"table": "departures", "office_column": "county_id"}, "case_key": "departure_id",
            "steps": [{"name": "handover", "title_zh": "交接", "title_en": "hand-over", "actor": "service_county",
                       "column": "handover_on"},
                      {"name": "leaves", "title_zh": "离岗", "title_en": "leaves", "actor": "volunteer",
                       "column": "left_on"}]}
    return base | changes


@pytest.mark.parametrize(("changes", "message"), [
    ({"order": [["handover", "leaves"], ["leaves", "handover"]]}, "order has a cycle: handover -> leaves -> handover"),
    ({"required": ["certificate"]}, "required: unknown step 'certificate'"),
    ({"surprise": 1}, "Extra inputs are not permitted"),
    ({"steps": [{"name": "leaves", "title_zh": "离岗", "title_en": "leaves", "actor": "volunteer"}]},
     "give exactly one of column, records"),
])
def test_an_unsound_procedure_is_refused_when_the_rule_is_loaded(changes, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        ProcedureCheck.Params.model_validate(_params(**changes))


def test_a_time_limit_parameter_must_be_in_hours_or_days(baselines):
    from westaudit.core.errors import SpecError

    params = ProcedureCheck.Params.model_validate(_params(time_limits=[
        {"start": "handover", "end": "leaves", "within": "employment_ratio_min"}]))
    with pytest.raises(SpecError, match="must be in hours or days, not ratio"):
        ProcedureCheck(params).spec(baselines["service_county-10"].context())


def test_lint_sees_every_column_a_step_reads():
    refs = {(ref.table, ref.column) for ref in _RULESET.by_id("service_county-04").check.column_refs()}
    assert {("incidents", "occurred_at"), ("incidents", "unit_id"), ("incidents", "severity"),
            ("incident_reports", "incident_id"), ("incident_reports", "reported_at"),
            ("incident_reports", "from_office_id"), ("incident_reports", "to_office_id")} <= refs

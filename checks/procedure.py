"""procedure: every case (a post adjustment, an incident, a departure, a recruit) goes through its steps, in the
required order, within the time limits. The order and timing joins run in the Rete engine (procedure_model).

The YAML names the cases (rows of one table and their key), where each step's time comes from (a date or
datetime column of the case row, or rows of another table joined on a case column, optionally filtered and
restricted to rows whose acting office plays a role), the required order as pairs, the required steps and
time limits naming hours/days parameters. The structure becomes a `ProcedureSpec` when the rule is loaded
(lint sees a bad step name or a cycle); the limits are filled in once per evaluation with the values in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from westaudit.checks import remedy
from westaudit.checks.base import (
    CheckKind,
    ColumnRef,
    OfficeOutcome,
    ParamName,
    ParamRef,
    Params,
    parameters_used,
)
from westaudit.checks.office_rows import OfficeRows
from westaudit.checks.procedures.model import (
    Event,
    Precedence,
    ProcedureSpec,
    Step,
    StepViolation,
    TimeLimit,
    ViolationReason,
    evaluate_procedure,
)
from westaudit.checks.procedures.screen import cases_to_examine
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, OfficeCode, RowSelector, Scalar
from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.errors import SpecError, SpecProblem
from westaudit.core.offices import OFFICE_CODES, OFFICE_CODES_ZH
from westaudit.core.results import Counts, ParameterUse, Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext

StepName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Actor = Literal[(*OFFICE_CODES, "volunteer")]  # type: ignore[valid-type]
ACTOR_ZH = {**OFFICE_CODES_ZH, "volunteer": "志愿者本人"}
LIMIT_UNITS = ("hours", "days")
_UNIT_ZH = {"hours": "小时", "days": "天"}
_UNIT_LENGTH = {"hours": timedelta(hours=1), "days": timedelta(days=1)}
_EVENT_COLUMNS = ["case_key", "step", "at", "actor", SOURCE_FILE, SOURCE_ROW]


class StepRecords(Params):
    """Rows of another table that record a step, joined to their case by `case_column`."""

    table: str
    case_column: str
    time_column: str
    where: dict[str, Scalar | list[Scalar]] = {}
    actor_column: str | None = None
    actor_role: OfficeCode | None = Field(default=None, description="keep rows whose actor_column office plays it")

    @model_validator(mode="after")
    def _role_needs_office(self) -> StepRecords:
        if self.actor_role and not self.actor_column:
            raise ValueError("actor_role needs actor_column (the office whose role is checked)")
        return self


class StepParams(Params):
    name: StepName
    title_zh: str
    title_en: str
    actor: Actor
    column: str | None = Field(default=None, description="a date/datetime column of the case table")
    actor_column: str | None = Field(default=None, description="with column: the case column naming who acted")
    # a step only one office may take (the service province approving a county's adjustment): the step counts only
    # where actor_column names the case office's own office of this role, so a county approving itself is no step
    actor_role: OfficeCode | None = Field(default=None, description="with actor_column: whose act counts")
    records: StepRecords | None = None

    @model_validator(mode="after")
    def _one_source(self) -> StepParams:
        if (self.column is None) == (self.records is None):
            raise ValueError(f"step {self.name!r}: give exactly one of column, records")
        if (self.actor_column or self.actor_role) and self.records:
            raise ValueError(f"step {self.name!r}: actor_column and actor_role go inside records for a step read "
                             "from records")
        if self.actor_role and not self.actor_column:
            raise ValueError(f"step {self.name!r}: actor_role needs actor_column (the office whose role is checked)")
        return self


class TimeLimitParams(Params):
    start: StepName
    end: StepName
    within: ParamName  # a parameter in hours or days


class ProcedureParams(Params):
    cases: RowSelector
    case_key: str
    steps: list[StepParams] = Field(min_length=1)
    order: list[tuple[StepName, StepName]] = []
    required: list[StepName] = []
    time_limits: list[TimeLimitParams] = []
    when_none: Literal["not_applicable", "fail", "insufficient_data"] = "not_applicable"

    @model_validator(mode="after")
    def _procedure_is_sound(self) -> ProcedureParams:
        # Unknown step names, self-references and cycles are refused when the rule is loaded, not mid-audit.
        compile_spec(self, {limit.within: (0.0, "hours") for limit in self.time_limits})
        return self


def compile_spec(params: ProcedureParams, limits: dict[str, tuple[float, str]]) -> ProcedureSpec:
    """The rule's procedure with each limit parameter replaced by its (value, unit)."""
    try:
        return ProcedureSpec(
            steps=[Step(s.name, s.title_zh, s.title_en, s.actor) for s in params.steps],
            order=[Precedence(before, after) for before, after in params.order],
            time_limits=[TimeLimit(lim.start, lim.end, *limits[lim.within]) for lim in params.time_limits],
            required=params.required,
        )
    except ValueError as problem:
        raise ValueError(str(problem)) from None


@register("procedure")
class ProcedureCheck(CheckKind):
    Params = ProcedureParams
    summary_zh = "程序：每件事项按规定顺序、在时限内完成全部步骤"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.cases.column_refs("cases")
        yield ColumnRef(p.cases.table, p.case_key, "case_key")
        for index, step in enumerate(p.steps):
            field = f"steps.{index}"
            for column in (step.column, step.actor_column):
                if column:
                    yield ColumnRef(p.cases.table, column, field)
            if step.records:
                records = step.records
                yield ColumnRef(records.table, "", f"{field}.records")
                for column in (records.case_column, records.time_column, records.actor_column, *records.where):
                    if column:
                        yield ColumnRef(records.table, column, f"{field}.records")

    def spec(self, ctx: EvalContext) -> ProcedureSpec:
        return compile_spec(self.params, {lim.within: _limit_value(ctx, lim.within) for lim in self.params.time_limits})

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        spec = self.spec(ctx)
        cases = self.cases(ctx, offices)
        case_keys = cases[self.params.case_key].astype(str)
        violations = self._violations(ctx, spec, cases)
        reasons = _reasons_by_case(spec, violations)
        offending = cases[case_keys.isin(reasons)].assign(_reason=case_keys.map({k: zh for k, (zh, _) in reasons.items()}),
                                                          _reason_en=case_keys.map({k: en for k, (_, en) in reasons.items()}))
        used = parameters_used(ctx, *(ParamRef(limit.within) for limit in self.params.time_limits))
        fixes = self._fixes_by_case(ctx, spec, violations)
        return self._outcomes(offices, cases, offending, used, lambda evidence: self._remedy(ctx, evidence, fixes))

    def _fixes_by_case(self, ctx: EvalContext, spec: ProcedureSpec,
                       violations: list[StepViolation]) -> dict[str, list[tuple[str, str]]]:
        """Per case, what to do about each violation: the step to carry out and record (in which sheet), the
        dates to check for steps out of order, the reason to give for a step done late."""
        steps = {step.name: step for step in self.params.steps}
        fixes: dict[str, list[tuple[str, str]]] = {}
        for violation in violations:
            step = spec.step(violation.step)
            actor = violation.actor or ""
            actor_zh = ACTOR_ZH.get(actor, actor)
            actor_en = "the volunteer" if actor == "volunteer" else remedy.OFFICE_CODES_EN.get(actor, actor)
            if violation.reason is ViolationReason.MISSING_STEP:
                source = steps[violation.step]
                if source.records is not None:
                    sheet_zh, sheet_en = remedy.sheet(ctx, source.records.table)
                    where_zh, where_en = f"，在「{sheet_zh}」表补一行", f", as a row of \"{sheet_en}\""
                else:
                    col_zh, col_en = remedy.column(ctx, self.params.cases.table, source.column)
                    where_zh, where_en = f"，填写{col_zh}", f", filling in {col_en}"
                fix = (f"补办「{step.title_zh}」{f'（{actor_zh}）' if actor_zh else ''}并登记{where_zh}",
                       f"carry out \"{step.title_en}\"{f' ({actor_en})' if actor_en else ''} and record it{where_en}")
            elif violation.reason is ViolationReason.OUT_OF_ORDER:
                other = spec.step(violation.other_step)
                fix = (f"核对「{step.title_zh}」与「{other.title_zh}」的日期，应先「{other.title_zh}」",
                       f"check the dates of \"{step.title_en}\" and \"{other.title_en}\": {other.title_en} comes first")
            else:
                other, limit = spec.step(violation.other_step), violation.limit
                fix = (f"「{step.title_zh}」超出自「{other.title_zh}」起 {limit.within:g} {_UNIT_ZH[limit.unit]}的时限，"
                       "写明原因", f"\"{step.title_en}\" came more than {limit.within:g} {limit.unit} after "
                       f"\"{other.title_en}\": say why")
            fixes.setdefault(violation.case_key, [])
            if fix not in fixes[violation.case_key]:
                fixes[violation.case_key].append(fix)
        return fixes

    def _remedy(self, ctx: EvalContext, failing: pd.DataFrame, fixes: dict[str, list[tuple[str, str]]]) -> Remediation:
        found: list[tuple[str, str]] = []
        for case in failing[self.params.case_key].astype(str):
            found.extend(fix for fix in fixes.get(case, ()) if fix not in found)
        return remedy.correct_rows(ctx, self.params.cases.table, remedy.source_rows(failing),
                                   ("；".join(z for z, _ in found), "; ".join(e for _, e in found)))

    def cases(self, ctx: EvalContext, offices: list[str]) -> pd.DataFrame:
        p = self.params
        cases = p.cases.select(ctx)
        return cases[cases[OFFICE].isin(offices) & cases[p.case_key].notna()]

    def events(self, ctx: EvalContext, offices: list[str]) -> list[Event]:
        """The recorded steps of the offices' cases, one event per source row."""
        cases = self.cases(ctx, offices)
        return self._events(ctx, cases, cases[self.params.case_key].astype(str))

    def violations(self, ctx: EvalContext, offices: list[str]) -> list[StepViolation]:
        return self._violations(ctx, self.spec(ctx), self.cases(ctx, offices))

    def _violations(self, ctx: EvalContext, spec: ProcedureSpec, cases: pd.DataFrame) -> list[StepViolation]:
        # Only the cases some rule may fire on go through the Rete engine (checks/procedures/screen.py).
        case_keys = cases[self.params.case_key].astype(str)
        events = self._event_frame(ctx, cases, case_keys)
        examined = cases_to_examine(spec, case_keys.unique(), events)
        return evaluate_procedure(spec, examined, _as_events(events[events["case_key"].isin(examined)]))

    def _events(self, ctx: EvalContext, cases: pd.DataFrame, case_keys: pd.Series) -> list[Event]:
        return _as_events(self._event_frame(ctx, cases, case_keys))

    def _event_frame(self, ctx: EvalContext, cases: pd.DataFrame, case_keys: pd.Series) -> pd.DataFrame:
        frames = [self._column_events(ctx, cases, case_keys, step) if step.column else
                  self._record_events(ctx, case_keys, step) for step in self.params.steps]
        events = pd.concat(frames, ignore_index=True)
        return events[events["at"].notna()]

    @staticmethod
    def _column_events(ctx: EvalContext, cases: pd.DataFrame, case_keys: pd.Series, step: StepParams) -> pd.DataFrame:
        at = _as_datetime(cases[step.column])
        if step.actor_role:
            # blank, another office, or the case's office itself: the step was not taken by the one who may take it
            entitled = ctx.org.rollup_map(cases[OFFICE], step.actor_role).astype("string")
            taken = (cases[step.actor_column].astype("string") == entitled).fillna(False).astype(bool)
            at = at.where(taken)
        return pd.DataFrame({
            "case_key": case_keys, "step": step.name, "at": at,
            "actor": cases[step.actor_column] if step.actor_column else None,
            SOURCE_FILE: cases[SOURCE_FILE], SOURCE_ROW: cases[SOURCE_ROW],
        })

    @staticmethod
    def _record_events(ctx: EvalContext, case_keys: pd.Series, step: StepParams) -> pd.DataFrame:
        source = step.records
        rows = RowSelector(table=source.table, where=source.where).select(ctx)
        rows = rows[rows[source.case_column].astype("string").isin(set(case_keys))]
        if source.actor_role:
            acting = rows[source.actor_column]
            plays = {office: source.actor_role in ctx.org.offices[office].roles
                     for office in acting.dropna().unique() if office in ctx.org}
            rows = rows[acting.map(plays).fillna(False).astype(bool)]
        return pd.DataFrame({
            "case_key": rows[source.case_column].astype(str), "step": step.name,
            "at": _as_datetime(rows[source.time_column]),
            "actor": rows[source.actor_column] if source.actor_column else None,
            SOURCE_FILE: rows[SOURCE_FILE], SOURCE_ROW: rows[SOURCE_ROW],
        })

    def _outcomes(self, offices: list[str], cases: pd.DataFrame, offending: pd.DataFrame,
                  used: tuple[ParameterUse, ...], remedy: Callable[[pd.DataFrame], Remediation]) -> list[OfficeOutcome]:
        """Each office's outcome, built whole: 25,000 service units a rule, and a copy per outcome to add its
        parameters and remediation had cost more than building it."""
        p = self.params
        totals = cases.groupby(OFFICE).size().to_dict()
        failing = OfficeRows(offending)
        expected = "每件均按序、按时完成规定步骤"
        expected_en = "every case completes its steps in order and on time"
        outcomes = []
        for office in offices:
            total = int(totals.get(office, 0))
            if total == 0:
                outcomes.append(OfficeOutcome(office, Status(p.when_none), 0, expected, "无相关事项", "no cases",
                                              counts=Counts(0, 0), parameters=used, expected_en=expected_en))
                continue
            bad = failing.count(office)
            evidence = failing.of(office) if bad else None
            outcomes.append(OfficeOutcome(
                office, Status.FAIL if bad else Status.PASS, f"{total - bad}/{total}", expected,
                f"{total} 件中 {bad} 件程序缺步、顺序颠倒或超时",
                f"{bad} of {total} cases miss a step, are out of order or late",
                evidence, p.cases.table, counts=Counts(total - bad, total), parameters=used,
                remediation=remedy(evidence) if evidence is not None else None, expected_en=expected_en))
        return outcomes


def _as_datetime(column: pd.Series) -> pd.Series:
    # to_datetime walks a column that is already datetime64 value by value (its cache): 0.8 s per national step
    return column if pd.api.types.is_datetime64_any_dtype(column) else pd.to_datetime(column)


def _as_events(events: pd.DataFrame) -> list[Event]:
    return [Event(key, step, at.to_pydatetime(), None if pd.isna(actor) else str(actor), str(file), int(row))
            for key, step, at, actor, file, row in events[_EVENT_COLUMNS].itertuples(index=False)]


def _limit_value(ctx: EvalContext, name: str) -> tuple[float, str]:
    parameter = ctx.parameters.parameters[name]
    if parameter.unit not in LIMIT_UNITS:
        raise SpecError([SpecProblem(parameter.file, parameter.line, name,
                                     f"a procedure time limit must be in hours or days, not {parameter.unit}")])
    return float(ctx.resolve(ParamRef(name))), parameter.unit


def _reasons_by_case(spec: ProcedureSpec, violations: list[StepViolation]) -> dict[str, tuple[str, str]]:
    """Per case, its violations in words: (Chinese, English)."""
    reasons: dict[str, list[tuple[str, str]]] = {}
    for violation in violations:
        reasons.setdefault(violation.case_key, []).append(describe(spec, violation))
    return {case: ("；".join(zh for zh, _ in texts), "; ".join(en for _, en in texts)) for case, texts in reasons.items()}


def describe(spec: ProcedureSpec, violation: StepViolation) -> tuple[str, str]:
    """One violation in words, in Chinese and in English: the step, who acted, and by how much it was late."""
    step = spec.step(violation.step)
    actor = ACTOR_ZH.get(violation.actor or "", violation.actor or "")
    actor_en = "the volunteer" if violation.actor == "volunteer" else remedy.office_code(violation.actor or "")[1]
    if violation.reason is ViolationReason.MISSING_STEP:
        return f"缺少「{step.title_zh}」（{actor}）", f"missing: {step.title_en} ({actor_en})"
    other = spec.step(violation.other_step)
    places = list(dict.fromkeys(f"{event.source_file}:{event.source_row}" for event in violation.evidence))
    sources, sources_en = "、".join(places), ", ".join(places)
    if violation.reason is ViolationReason.OUT_OF_ORDER:
        return (f"「{step.title_zh}」（{actor}）早于「{other.title_zh}」［{sources}］",
                f"out of order: {step.title_en} ({actor_en}) before {other.title_en} [{sources_en}]")
    limit = violation.limit
    unit = limit.unit
    overrun = f"{violation.overrun / _UNIT_LENGTH[unit]:.4g}"
    return (f"「{step.title_zh}」（{actor}）超时 {overrun} {_UNIT_ZH[unit]}（自「{other.title_zh}」起限 "
            f"{limit.within:g} {_UNIT_ZH[unit]}）［{sources}］",
            f"overdue by {overrun} {unit}: {step.title_en} ({actor_en}) after {other.title_en}, "
            f"within {limit.within:g} {unit} [{sources_en}]")

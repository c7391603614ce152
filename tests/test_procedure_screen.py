"""The vectorised screen sends to the Rete engine exactly the cases the engine finds a violation in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from westaudit.checks.procedure import compile_spec
from westaudit.checks.procedures.model import Event, ProcedureSpec, evaluate_procedure
from westaudit.checks.procedures.screen import cases_to_examine
from westaudit.spec.ruleset import RULES_DIR, load_ruleset

T0 = datetime(2024, 7, 1, 9, 0)
LIMIT_HOURS = 2.0


def _procedure_specs() -> list[tuple[str, ProcedureSpec]]:
    """Every procedure rule's spec, each time limit set to LIMIT_HOURS so random gaps straddle it."""
    specs = []
    for rule in load_ruleset(RULES_DIR).rules:
        if rule.check.name == "procedure":
            params = rule.check.params
            specs.append((rule.id, compile_spec(params, {lim.within: (LIMIT_HOURS, "hours") for lim in params.time_limits})))
    return specs


def _frame(events: list[Event]) -> pd.DataFrame:
    return pd.DataFrame({"case_key": [e.case_key for e in events], "step": [e.step for e in events],
                         "at": pd.to_datetime([e.at for e in events])})


def _random_cases(spec: ProcedureSpec, count: int, rng: random.Random) -> tuple[list[str], list[Event]]:
    """Steps about an hour apart in spec order, each sometimes missing, repeated, swapped or moved to a limit's
    edge (exactly on it, or a microsecond either side)."""
    edges = [timedelta(hours=LIMIT_HOURS) + timedelta(microseconds=d) for d in (-1, 0, 1)]
    keys, events = [], []
    for index in range(count):
        key = f"c{index:04d}"
        keys.append(key)
        at = {step.name: T0 + timedelta(hours=position, minutes=rng.choice((0, 0, 0, -90, 45)))
              for position, step in enumerate(spec.steps) if rng.random() > 0.1}
        for limit in spec.time_limits:
            if limit.start in at and limit.end in at and rng.random() < 0.4:
                at[limit.end] = at[limit.start] + rng.choice(edges)
        for row, (step, when) in enumerate(at.items(), start=2):
            events.append(Event(key, step, when, None, "events.csv", row))
            if rng.random() < 0.1:  # a later repeat changes nothing; an earlier one moves the step
                events.append(Event(key, step, when + timedelta(hours=rng.choice((-3, 3))), None, "events.csv", 900 + row))
    return keys, events


@pytest.mark.parametrize(("rule_id", "spec"), _procedure_specs(), ids=lambda value: value if isinstance(value, str) else "")
def test_screen_examines_exactly_the_cases_the_engine_faults(rule_id: str, spec: ProcedureSpec) -> None:
    keys, events = _random_cases(spec, 300, random.Random(rule_id))
    faulted = {violation.case_key for violation in evaluate_procedure(spec, keys, events)}
    examined = cases_to_examine(spec, keys, _frame(events))
    assert faulted, "the random cases should break the procedure somewhere"
    assert set(examined) == faulted
    assert len(faulted) < len(keys), "and leave some cases compliant"


def _two_step_spec() -> ProcedureSpec:
    (_, departure), *_ = [(rule_id, spec) for rule_id, spec in _procedure_specs() if rule_id == "service_unit-04"]
    return departure


def test_exactly_on_the_limit_is_settled_and_a_microsecond_over_is_examined() -> None:
    spec = _two_step_spec()
    limit = spec.time_limits[0]
    order = [step.name for step in spec.steps]
    base = {name: T0 + timedelta(hours=index) for index, name in enumerate(order)}
    on_time = {**base, limit.end: base[limit.start] + limit.duration}
    late = {**base, limit.end: base[limit.start] + limit.duration + timedelta(microseconds=1)}
    events = [Event(key, step, at, None, "f.csv", 2) for key, times in (("on", on_time), ("late", late))
              for step, at in times.items()]
    assert cases_to_examine(spec, ["on", "late"], _frame(events)) == ["late"]


def test_a_case_without_events_is_examined_when_a_step_is_required() -> None:
    spec = _two_step_spec()
    assert spec.required
    assert cases_to_examine(spec, ["nothing"], _frame([])) == ["nothing"]


def test_times_before_1970_round_like_the_engine() -> None:
    spec = _two_step_spec()
    limit = spec.time_limits[0]
    start = datetime(1969, 12, 31, 23, 59, 59, 999_999)
    times = {step.name: start for step in spec.steps}
    times[limit.end] = start + limit.duration
    events = [Event("old", step, at, None, "f.csv", 2) for step, at in times.items()]
    engine = {v.case_key for v in evaluate_procedure(spec, ["old"], events)}
    assert set(cases_to_examine(spec, ["old"], _frame(events))) == engine


def test_mixed_naive_and_aware_times_send_every_case_to_the_engine() -> None:
    spec = _two_step_spec()
    names = [step.name for step in spec.steps]
    frame = pd.DataFrame({"case_key": ["a", "b"], "step": names[:2],
                          "at": pd.Series([T0, datetime(2024, 7, 1, tzinfo=UTC)], dtype=object)})
    assert cases_to_examine(spec, ["a", "b"], frame) == ["a", "b"]

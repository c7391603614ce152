"""Ordered procedures checked through the Rete engine: exact violations, determinism, spec validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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

T0 = datetime(2024, 7, 1, 9, 0)


def _step(name: str, actor: str) -> Step:
    return Step(name, title_zh=f"{name}（中文）", title_en=name.replace("_", " "), actor=actor)


# Departure: a chain, so swapping two neighbours breaks exactly one precedence.
DEPARTURE = ProcedureSpec(
    steps=(
        _step("unit_appraisal", "service unit"),
        _step("county_appraisal", "county project office"),
        _step("certificate_entry", "provincial project office"),
        _step("handover", "volunteer"),
        _step("leave", "volunteer"),
    ),
    order=(
        Precedence("unit_appraisal", "county_appraisal"),
        Precedence("county_appraisal", "certificate_entry"),
        Precedence("certificate_entry", "handover"),
        Precedence("handover", "leave"),
    ),
    required=("unit_appraisal", "county_appraisal", "certificate_entry", "handover", "leave"),
)

# Serious incident reporting: limits only, so stretching one gap breaks exactly one limit.
INCIDENT = ProcedureSpec(
    steps=(
        _step("unit_report", "service unit"),
        _step("county_report", "county project office"),
        _step("prefecture_report", "prefecture project office"),
        _step("province_report", "provincial project office"),
        _step("national_report", "national project office"),
    ),
    time_limits=(
        TimeLimit("unit_report", "county_report", 2, "hours"),
        TimeLimit("county_report", "prefecture_report", 2, "hours"),
        TimeLimit("county_report", "province_report", 4, "hours"),
        TimeLimit("unit_report", "national_report", 1, "days"),
    ),
    required=("unit_report", "county_report", "province_report", "national_report"),
)


def _events(case_key: str, times: dict[str, datetime]) -> list[Event]:
    return [
        Event(case_key, step, at, actor=f"{step} clerk", source_file="events.xlsx", source_row=row)
        for row, (step, at) in enumerate(times.items(), start=2)
    ]


def _departure_times() -> dict[str, datetime]:
    return {step.name: T0 + timedelta(days=index) for index, step in enumerate(DEPARTURE.steps)}


def _incident_times() -> dict[str, datetime]:
    return {step.name: T0 + timedelta(minutes=10 * index) for index, step in enumerate(INCIDENT.steps)}


def test_complete_case_in_order_has_no_violations():
    events = _events("v1", _departure_times()) + _events("v2", _incident_times())
    assert evaluate_procedure(DEPARTURE, ["v1"], _events("v1", _departure_times())) == []
    assert evaluate_procedure(INCIDENT, ["v2"], _events("v2", _incident_times())) == []
    assert evaluate_procedure(DEPARTURE, [], events[:5]) == []


@pytest.mark.parametrize("missing", DEPARTURE.required)
def test_each_required_step_missing(missing):
    times = _departure_times()
    del times[missing]
    assert evaluate_procedure(DEPARTURE, ["v1"], _events("v1", times)) == [
        StepViolation("v1", ViolationReason.MISSING_STEP, missing, actor=DEPARTURE.step(missing).actor)
    ]


@pytest.mark.parametrize("pair", DEPARTURE.order, ids=lambda pair: f"{pair.before}-{pair.after}")
def test_each_pair_swapped(pair):
    times = _departure_times()
    times[pair.before], times[pair.after] = times[pair.after], times[pair.before]
    events = {event.step: event for event in _events("v1", times)}
    assert evaluate_procedure(DEPARTURE, ["v1"], events.values()) == [
        StepViolation(
            "v1",
            ViolationReason.OUT_OF_ORDER,
            step=pair.after,
            other_step=pair.before,
            actor=f"{pair.after} clerk",
            evidence=(events[pair.after], events[pair.before]),
        )
    ]


def test_steps_at_the_same_moment_are_in_order():
    times = _departure_times()
    times["county_appraisal"] = times["unit_appraisal"]
    assert evaluate_procedure(DEPARTURE, ["v1"], _events("v1", times)) == []


@pytest.mark.parametrize("limit", INCIDENT.time_limits, ids=lambda limit: f"{limit.start}-{limit.end}")
def test_each_time_limit_met_exactly(limit):
    times = _incident_times()
    times[limit.end] = times[limit.start] + limit.duration
    assert evaluate_procedure(INCIDENT, ["i1"], _events("i1", times)) == []


@pytest.mark.parametrize("limit", INCIDENT.time_limits, ids=lambda limit: f"{limit.start}-{limit.end}")
def test_each_time_limit_overrun_by_one_unit(limit):
    one_unit = timedelta(hours=1) if limit.unit == "hours" else timedelta(days=1)
    times = _incident_times()
    times[limit.end] = times[limit.start] + limit.duration + one_unit
    events = {event.step: event for event in _events("i1", times)}
    assert evaluate_procedure(INCIDENT, ["i1"], events.values()) == [
        StepViolation(
            "i1",
            ViolationReason.OVERDUE,
            step=limit.end,
            other_step=limit.start,
            actor=f"{limit.end} clerk",
            overrun=one_unit,
            evidence=(events[limit.start], events[limit.end]),
            limit=limit,
        )
    ]


def test_an_overdue_step_names_the_limit_it_broke_not_only_its_steps():
    # two limits on the same steps: only the tighter one is broken, and the violation says which
    steps = [Step("ask", "申请", "ask", "unit"), Step("grant", "批准", "grant", "province")]
    spec = ProcedureSpec(steps, time_limits=[TimeLimit("ask", "grant", 3, "days"), TimeLimit("ask", "grant", 48, "hours")])
    start = datetime(2025, 5, 1, 9)
    events = [Event("c1", "ask", start, None, "a.csv", 2), Event("c1", "grant", start + timedelta(hours=60), None,
                                                                 "a.csv", 3)]
    (violation,) = evaluate_procedure(spec, ["c1"], events)
    assert violation.limit == TimeLimit("ask", "grant", 48, "hours")
    assert violation.overrun == timedelta(hours=12)


def test_overrun_by_one_microsecond_counts():
    times = _incident_times()
    times["county_report"] = times["unit_report"] + timedelta(hours=2, microseconds=1)
    (violation,) = evaluate_procedure(INCIDENT, ["i1"], _events("i1", times))
    assert violation.overrun == timedelta(microseconds=1)


def test_optional_step_may_be_absent_but_its_limit_applies_when_present():
    times = _incident_times()
    del times["prefecture_report"]
    assert evaluate_procedure(INCIDENT, ["i1"], _events("i1", times)) == []
    times["prefecture_report"] = times["county_report"] + timedelta(hours=3)
    (violation,) = evaluate_procedure(INCIDENT, ["i1"], _events("i1", times))
    assert (violation.reason, violation.step, violation.overrun) == (
        ViolationReason.OVERDUE,
        "prefecture_report",
        timedelta(hours=1),
    )


def test_missing_end_of_a_limit_is_only_a_missing_step():
    times = _incident_times()
    del times["province_report"]
    assert [(v.reason, v.step) for v in evaluate_procedure(INCIDENT, ["i1"], _events("i1", times))] == [
        (ViolationReason.MISSING_STEP, "province_report")
    ]


def test_case_without_events_misses_every_required_step_in_step_order():
    assert [(v.case_key, v.reason, v.step) for v in evaluate_procedure(DEPARTURE, ["nobody"], [])] == [
        ("nobody", ViolationReason.MISSING_STEP, step) for step in DEPARTURE.required
    ]


def test_output_is_sorted_by_case_then_step_order():
    swapped = _departure_times()
    swapped["unit_appraisal"], swapped["county_appraisal"] = (
        swapped["county_appraisal"],
        swapped["unit_appraisal"],
    )
    without_leave = _departure_times()
    del without_leave["leave"]
    events = _events("b", without_leave) + _events("a", swapped)
    violations = evaluate_procedure(DEPARTURE, ["c", "b", "a"], reversed(events))
    assert [(v.case_key, v.reason, v.step) for v in violations] == [
        ("a", ViolationReason.OUT_OF_ORDER, "county_appraisal"),
        ("b", ViolationReason.MISSING_STEP, "leave"),
    ] + [("c", ViolationReason.MISSING_STEP, step) for step in DEPARTURE.required]


def test_repeated_step_does_not_raise_and_the_earliest_record_counts():
    times = _departure_times()
    events = _events("v1", times)
    late_repeat = Event("v1", "unit_appraisal", times["leave"] + timedelta(days=1), None, "events.xlsx", 99)
    assert evaluate_procedure(DEPARTURE, ["v1"], events + events + [late_repeat]) == []


def test_unknown_steps_do_not_raise_and_are_ignored():
    events = _events("v1", _departure_times()) + [Event("v1", "farewell_party", T0, None, "events.xlsx", 50)]
    assert evaluate_procedure(DEPARTURE, ["v1"], events) == []


def test_actor_falls_back_to_the_responsible_office():
    times = _departure_times()
    times["handover"], times["leave"] = times["leave"], times["handover"]
    events = [Event("v1", step, at, None, "events.xlsx", 2) for step, at in times.items()]
    (violation,) = evaluate_procedure(DEPARTURE, ["v1"], events)
    assert violation.actor == "volunteer"


def test_back_to_back_evaluations_are_identical():
    events = _mixed_cases()
    first = evaluate_procedure(DEPARTURE, ["x"], events)
    assert first == evaluate_procedure(DEPARTURE, ["x"], events)
    assert len(first) == 10 + len(DEPARTURE.required)  # ten broken cases, and "x" has no events at all


def test_two_specs_interleaved_do_not_see_each_others_facts():
    departure_events = _mixed_cases()
    incident_times = _incident_times()
    incident_times["national_report"] = incident_times["unit_report"] + timedelta(days=2)
    incident_events = _events("v1", incident_times)  # same case key as a departure case
    alone = (
        evaluate_procedure(DEPARTURE, [], departure_events),
        evaluate_procedure(INCIDENT, [], incident_events),
    )
    for _ in range(3):
        assert evaluate_procedure(DEPARTURE, [], departure_events) == alone[0]
        assert evaluate_procedure(INCIDENT, [], incident_events) == alone[1]
    assert [v.reason for v in alone[1]] == [ViolationReason.OVERDUE]


def test_timezone_aware_times_work():
    times = {step: at.replace(tzinfo=UTC) for step, at in _incident_times().items()}
    times["county_report"] = times["unit_report"] + timedelta(hours=3)
    (violation,) = evaluate_procedure(INCIDENT, [], _events("i1", times))
    assert violation.overrun == timedelta(hours=1)


def test_mixing_aware_and_naive_times_is_refused():
    events = _events("i1", _incident_times())
    events[0] = Event("i1", "unit_report", T0.replace(tzinfo=UTC), None, "events.xlsx", 2)
    with pytest.raises(ValueError, match="timezone-aware and naive"):
        evaluate_procedure(INCIDENT, [], events)


def _mixed_cases() -> list[Event]:
    """v0..v9: odd cases swap two steps, even cases lack the hand-over."""
    events = []
    for number in range(10):
        times = _departure_times()
        if number % 2:
            times["certificate_entry"], times["handover"] = times["handover"], times["certificate_entry"]
        else:
            del times["handover"]
        events += _events(f"v{number}", times)
    return events


# --- spec validation -------------------------------------------------------------------------------------

STEPS = (_step("a", "x"), _step("b", "x"), _step("c", "x"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": STEPS + (_step("a", "y"),)}, "step 'a' is defined more than once"),
        ({"steps": STEPS, "order": (Precedence("a", "z"),)}, "order: unknown step 'z'"),
        ({"steps": STEPS, "required": ("q",)}, "required: unknown step 'q'"),
        (
            {"steps": STEPS, "time_limits": (TimeLimit("a", "zz", 1, "days"),)},
            "time limit: unknown step 'zz'",
        ),
        ({"steps": STEPS, "order": (Precedence("a", "a"),)}, "cannot precede itself"),
        ({"steps": STEPS, "time_limits": (TimeLimit("b", "b", 1, "days"),)}, "timed against itself"),
        (
            {"steps": STEPS, "order": (Precedence("a", "b"), Precedence("b", "c"), Precedence("c", "a"))},
            "order has a cycle: a -> b -> c -> a",
        ),
    ],
)
def test_invalid_specs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ProcedureSpec(**kwargs)


@pytest.mark.parametrize(
    ("within", "unit", "message"), [(1, "weeks", "unit must be"), (-1, "days", "within must")]
)
def test_invalid_time_limits_are_refused(within, unit, message):
    with pytest.raises(ValueError, match=message):
        TimeLimit("a", "b", within, unit)


def test_lists_are_accepted_and_stored_as_tuples():
    spec = ProcedureSpec(steps=list(STEPS), order=[Precedence("a", "b")], required=["a"])
    assert spec.order == (Precedence("a", "b"),)
    assert hash(spec)

"""Ordered procedures: which steps a case needs, in which order, and how fast.

A post adjustment needs the volunteer's consent, the unit's consent and provincial approval before it
takes effect; a serious incident climbs unit > county > province > national office within hours; and so
on. `ProcedureSpec` states such a procedure, `evaluate_procedure` checks recorded `Event`s against it.

The order and timing checks run in the Rete engine (see rete_adapter): every precedence and every time
limit becomes one "gap" rule, every required step one "absence" rule. This module only translates.

When a case records the same step more than once, the earliest record counts (the step happened then);
later repeats neither satisfy nor break anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from westaudit.checks.procedures.rete_adapter import AbsenceRule, Fact, GapRule, Match, run_rules

_MICROSECOND = timedelta(microseconds=1)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_AWARE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT_LENGTH = {"hours": timedelta(hours=1), "days": timedelta(days=1)}


@dataclass(frozen=True)
class Step:
    name: str
    title_zh: str
    title_en: str
    actor: str


@dataclass(frozen=True)
class Precedence:
    """Step `before` must happen at or before step `after`."""

    before: str
    after: str


@dataclass(frozen=True)
class TimeLimit:
    """Step `end` must happen at most `within` hours/days after step `start`; exactly on the limit passes."""

    start: str
    end: str
    within: float
    unit: Literal["hours", "days"]

    def __post_init__(self) -> None:
        if self.unit not in _UNIT_LENGTH:
            raise ValueError(
                f"time limit {self.start} -> {self.end}: unit must be 'hours' or 'days', not {self.unit!r}"
            )
        if not self.within >= 0:
            raise ValueError(
                f"time limit {self.start} -> {self.end}: within must be >= 0, not {self.within!r}"
            )

    @property
    def duration(self) -> timedelta:
        return self.within * _UNIT_LENGTH[self.unit]


@dataclass(frozen=True)
class ProcedureSpec:
    """Steps, their required order and time limits. Steps not in `required` may be absent; if present,
    their order and limits still apply."""

    steps: tuple[Step, ...]
    order: tuple[Precedence, ...] = ()
    time_limits: tuple[TimeLimit, ...] = ()
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Lists are accepted (e.g. straight from YAML) but stored as tuples so the spec stays hashable.
        for name in ("steps", "order", "time_limits", "required"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        self.validate()

    def validate(self) -> None:
        problems = _spec_problems(self)
        if problems:
            raise ValueError("invalid procedure spec: " + "; ".join(problems))

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)

    def position(self, name: str) -> int:
        return [step.name for step in self.steps].index(name)


@dataclass(frozen=True)
class Event:
    """One recorded step of one case, with the row it came from."""

    case_key: str
    step: str
    at: datetime
    actor: str | None
    source_file: str
    source_row: int


class ViolationReason(StrEnum):
    MISSING_STEP = "missing_step"
    OUT_OF_ORDER = "out_of_order"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class StepViolation:
    """What went wrong in one case.

    MISSING_STEP: `step` is a required step with no record; `actor` is who should have done it.
    OUT_OF_ORDER: `step` happened before its prerequisite `other_step`; `actor` did `step` too early.
    OVERDUE: `step` came `overrun` later than allowed after `other_step`; `actor` did `step` late, and
    `limit` is the time limit broken.
    `evidence` holds the events involved, earliest first.
    """

    case_key: str
    reason: ViolationReason
    step: str
    other_step: str | None = None
    actor: str | None = None
    overrun: timedelta | None = None
    evidence: tuple[Event, ...] = field(default=())
    limit: TimeLimit | None = None


def evaluate_procedure(
    spec: ProcedureSpec, case_keys: Iterable[str], events: Iterable[Event]
) -> list[StepViolation]:
    """Check every case (those in `case_keys` and those with events) against `spec`.

    Events of steps the spec does not know are ignored. The result is sorted by case key, then by the
    position of the offending step in `spec.steps`, then by reason and the other step.
    """
    first_events = _earliest_event_per_step(events)
    all_case_keys = set(case_keys) | {case_key for case_key, _ in first_events}
    events_by_seq = dict(enumerate(first_events.values()))
    facts = [_to_fact(event, seq) for seq, event in events_by_seq.items()]
    rules, meaning_of_rule = rete_rules(spec)
    matches = run_rules(rules, facts, sorted(all_case_keys))
    violations = [_to_violation(spec, meaning_of_rule[match.rule], match, events_by_seq) for match in matches]
    return sorted(violations, key=lambda violation: _sort_key(spec, violation))


def _spec_problems(spec: ProcedureSpec) -> list[str]:
    names = [step.name for step in spec.steps]
    problems = [
        f"step {name!r} is defined more than once"
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    known = set(names)
    references = [("required", name) for name in spec.required]
    for pair in spec.order:
        references += [("order", pair.before), ("order", pair.after)]
        if pair.before == pair.after:
            problems.append(f"order: step {pair.before!r} cannot precede itself")
    for limit in spec.time_limits:
        references += [("time limit", limit.start), ("time limit", limit.end)]
        if limit.start == limit.end:
            problems.append(f"time limit: step {limit.start!r} cannot be timed against itself")
    problems += [f"{where}: unknown step {name!r}" for where, name in references if name not in known]
    cycle = _precedence_cycle(spec.order)
    if cycle:
        problems.append("order has a cycle: " + " -> ".join(cycle))
    return problems


def _precedence_cycle(order: Iterable[Precedence]) -> list[str] | None:
    """A cycle in the precedence graph (first step repeated at the end), or None."""
    successors: dict[str, list[str]] = {}
    for pair in order:
        successors.setdefault(pair.before, []).append(pair.after)
    finished: set[str] = set()

    def visit(step: str, path: list[str]) -> list[str] | None:
        if step in path:
            return path[path.index(step) :] + [step]
        if step in finished:
            return None
        for successor in successors.get(step, []):
            cycle = visit(successor, path + [step])
            if cycle:
                return cycle
        finished.add(step)
        return None

    for start in sorted(successors):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def _earliest_event_per_step(events: Iterable[Event]) -> dict[tuple[str, str], Event]:
    earliest: dict[tuple[str, str], Event] = {}
    aware: set[bool] = set()
    for event in events:
        aware.add(event.at.tzinfo is not None)
        key = (event.case_key, event.step)
        current = earliest.get(key)
        if current is None or _event_order(event) < _event_order(current):
            earliest[key] = event
    if len(aware) > 1:
        raise ValueError("events mix timezone-aware and naive times; their order cannot be compared")
    return earliest


def _event_order(event: Event) -> tuple:
    return (event.at, event.source_file, event.source_row)


def _to_fact(event: Event, seq: int) -> Fact:
    epoch = _NAIVE_EPOCH if event.at.tzinfo is None else _AWARE_EPOCH
    # Whole microseconds keep "exactly on the limit" exact inside the engine (no float rounding).
    return Fact(event.case_key, event.step, (event.at - epoch) // _MICROSECOND, seq)


@dataclass(frozen=True)
class _RuleMeaning:
    reason: ViolationReason
    step: str
    other_step: str | None = None
    limit: TimeLimit | None = None


def rete_rules(spec: ProcedureSpec) -> tuple[list[GapRule | AbsenceRule], dict[str, _RuleMeaning]]:
    """The gap and absence rules the spec compiles to, each with what its firing means."""
    rules: list[GapRule | AbsenceRule] = []
    meaning: dict[str, _RuleMeaning] = {}
    for name in spec.required:
        rule = AbsenceRule(f"missing:{name}", name)
        rules.append(rule)
        meaning[rule.name] = _RuleMeaning(ViolationReason.MISSING_STEP, name)
    for pair in spec.order:
        # Out of order means the prerequisite came strictly later than the step that needed it.
        rule = GapRule(f"order:{pair.before}<={pair.after}", pair.after, pair.before, 0)
        rules.append(rule)
        meaning[rule.name] = _RuleMeaning(ViolationReason.OUT_OF_ORDER, pair.after, pair.before)
    for limit in spec.time_limits:
        allowed = limit.duration
        rule = GapRule(
            f"limit:{limit.start}->{limit.end}:{allowed}", limit.start, limit.end, allowed // _MICROSECOND
        )
        rules.append(rule)
        # limits of equal duration share a rule name: the first one written is the one reported broken
        meaning.setdefault(rule.name, _RuleMeaning(ViolationReason.OVERDUE, limit.end, limit.start, limit))
    # Repeated entries in the spec would only repeat the same finding.
    unique = {rule.name: rule for rule in rules}
    return list(unique.values()), meaning


def _to_violation(
    spec: ProcedureSpec, meaning: _RuleMeaning, match: Match, events_by_seq: dict[int, Event]
) -> StepViolation:
    evidence = tuple(sorted((events_by_seq[seq] for seq in match.seqs), key=_event_order))
    if meaning.reason is ViolationReason.MISSING_STEP:
        return StepViolation(
            match.case_key, meaning.reason, meaning.step, actor=spec.step(meaning.step).actor
        )
    step_event = next(event for event in evidence if event.step == meaning.step)
    other_event = next(event for event in evidence if event.step == meaning.other_step)
    overrun = None
    if meaning.limit is not None:
        overrun = (step_event.at - other_event.at) - meaning.limit.duration
    return StepViolation(
        case_key=match.case_key,
        reason=meaning.reason,
        step=meaning.step,
        other_step=meaning.other_step,
        actor=step_event.actor or spec.step(meaning.step).actor,
        overrun=overrun,
        evidence=evidence,
        limit=meaning.limit,
    )


_REASON_ORDER = {reason: index for index, reason in enumerate(ViolationReason)}


def _sort_key(spec: ProcedureSpec, violation: StepViolation) -> tuple:
    other = -1 if violation.other_step is None else spec.position(violation.other_step)
    return (violation.case_key, spec.position(violation.step), _REASON_ORDER[violation.reason], other)

"""Which cases of a procedure could break it, found in one vectorised pass over all cases.

A national audit holds about 48,000 recruits and as many departures, each a case of several procedure rules.
The durable-rules engine takes each fact one at a time (tens of thousands a second), so sending every case
through it cost about 75 s of a national audit for a few percent of cases that break anything. The screen
states the same gap and absence rules the Rete network is compiled from (`procedure_model.rete_rules`) as
column comparisons over the earliest time of each step per case; a case that no rule could fire on is
settled compliant, and every other case goes through the engine, which names the violations and their
evidence. Times are whole microseconds as in the engine, so "exactly on the limit" is judged the same way.
The screen may only err towards sending a case: anything it cannot compare (times that mix timezone-aware and
naive values) sends every case.
"""

from __future__ import annotations

from collections.abc import Iterable

from westaudit.checks.procedures.model import ProcedureSpec, rete_rules
from westaudit.checks.procedures.rete_adapter import AbsenceRule, GapRule
from westaudit.runtime.lazy import lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")

_NANOS_PER_MICRO = 1_000


def cases_to_examine(spec: ProcedureSpec, case_keys: Iterable[str], events: pd.DataFrame) -> list[str]:
    """The cases (of `case_keys` and of `events`) on which some rule of `spec` may fire, sorted.

    events: one row per recorded step, columns `case_key` (str), `step` and `at` (datetime64, no missing).
    """
    cases = pd.Index(sorted(set(case_keys) | set(events["case_key"])), dtype=object)
    rules, _ = rete_rules(spec)
    stamps = _earliest_micros(events, {kind for rule in rules for kind in _kinds(rule)})
    if stamps is None:
        return list(cases)
    may_fire = np.zeros(len(cases), dtype=bool)
    for rule in rules:
        if isinstance(rule, AbsenceRule):
            may_fire |= ~cases.isin(stamps.get(rule.kind, pd.Series(dtype="int64")).index)
            continue
        first = _aligned(stamps, rule.first_kind, cases)
        second = _aligned(stamps, rule.second_kind, cases)
        # both present and far enough apart; a missing step fires no gap rule (as in the engine)
        may_fire |= ((second - first) > rule.more_than).fillna(False).to_numpy(dtype=bool)
    return list(cases[may_fire])


def _kinds(rule: GapRule | AbsenceRule) -> tuple[str, ...]:
    return (rule.first_kind, rule.second_kind) if isinstance(rule, GapRule) else (rule.kind,)


def _earliest_micros(events: pd.DataFrame, kinds: set[str]) -> dict[str, pd.Series] | None:
    """Per step, the earliest time of each case in whole microseconds since the epoch; None if not comparable."""
    relevant = events[events["step"].isin(kinds)]
    at = relevant["at"]
    if not pd.api.types.is_datetime64_any_dtype(at):
        return None  # object times (naive mixed with aware): the engine decides, and refuses them
    # asi8 is nanoseconds since the epoch (UTC for aware times); floor division matches the engine's
    # timedelta // 1 microsecond also before 1970
    micros = pd.Series(np.floor_divide(at.array.as_unit("ns").asi8, _NANOS_PER_MICRO), index=relevant.index)
    earliest = micros.groupby([relevant["step"], relevant["case_key"]], sort=False).min()
    return {step: frame.droplevel(0) for step, frame in earliest.groupby(level=0, sort=False)}


def _aligned(stamps: dict[str, pd.Series], step: str, cases: pd.Index) -> pd.Series:
    return stamps.get(step, pd.Series(dtype="int64")).reindex(cases).astype("Int64")

"""The durable-rules adapter: exact matches, and none of the engine's sharp edges leaking out."""

from __future__ import annotations

import pytest

from westaudit.checks.procedures.rete_adapter import (
    CASES_PER_RULESET,
    AbsenceRule,
    Fact,
    GapRule,
    Match,
    ReteSession,
    run_rules,
)

HOUR = 3_600_000_000  # microseconds
T0 = 1_700_000_000_000_000  # a 2023 instant in microseconds: large enough to catch float rounding

RULES = [
    GapRule("approval_after_effect", first_kind="effect", second_kind="approval", more_than=0),
    GapRule("effect_overdue", first_kind="approval", second_kind="effect", more_than=24 * HOUR),
    AbsenceRule("no_approval", kind="approval"),
]


def test_gap_rule_reports_the_exact_pair_and_absence_reports_the_case():
    facts = [
        Fact("in_order", "approval", T0, 1),
        Fact("in_order", "effect", T0 + HOUR, 2),
        Fact("swapped", "effect", T0, 3),
        Fact("swapped", "approval", T0 + 1, 4),
        Fact("no_approval", "effect", T0, 5),
    ]
    assert run_rules(RULES, facts) == [
        Match("no_approval", "no_approval", ()),
        Match("approval_after_effect", "swapped", (3, 4)),
    ]


@pytest.mark.parametrize(("gap", "fires"), [(24 * HOUR, False), (24 * HOUR + 1, True), (25 * HOUR, True)])
def test_gap_exactly_on_the_limit_does_not_fire(gap, fires):
    facts = [Fact("c", "approval", T0, 1), Fact("c", "effect", T0 + gap, 2)]
    expected = [Match("effect_overdue", "c", (1, 2))] if fires else []
    assert run_rules(RULES, facts) == expected


def test_case_known_only_by_key_is_checked_for_absence():
    assert run_rules(RULES, [], ["empty"]) == [Match("no_approval", "empty", ())]


def test_unknown_kinds_do_not_raise_and_are_counted():
    facts = [Fact("c", "approval", T0, 1), Fact("c", "weather_report", T0, 2)]
    with ReteSession(RULES) as session:
        assert session.evaluate(facts) == []
        assert session.facts_ignored == 1


def test_case_with_only_unknown_kinds_is_still_evaluated():
    assert run_rules(RULES, [Fact("c", "weather_report", T0, 1)]) == [Match("no_approval", "c", ())]


def test_repeated_fact_does_not_raise_and_is_counted_once():
    fact = Fact("c", "effect", T0, 7)
    facts = [Fact("c", "approval", T0 + 1, 6), fact, fact]
    with ReteSession(RULES) as session:
        assert session.evaluate(facts) == [Match("approval_after_effect", "c", (7, 6))]
        assert session.facts_ignored == 1


def test_same_kind_twice_in_a_case_pairs_each_occurrence():
    facts = [Fact("c", "effect", T0, 1), Fact("c", "effect", T0 + 5, 2), Fact("c", "approval", T0 + 3, 3)]
    assert run_rules(RULES, facts) == [Match("approval_after_effect", "c", (1, 3))]


@pytest.mark.parametrize("case_key", ["", "$s", "sid", "a.b", "个案-001", "0"])
def test_odd_case_keys_are_safe(case_key):
    facts = [Fact(case_key, "effect", T0, 1), Fact(case_key, "approval", T0 + 1, 2)]
    assert run_rules(RULES, facts) == [Match("approval_after_effect", case_key, (1, 2))]


def test_batched_and_one_by_one_agree():
    facts = _many_facts(600)
    with ReteSession(RULES) as session:
        batched = session.evaluate(facts, batched=True)
    with ReteSession(RULES) as session:
        single = session.evaluate(facts, batched=False)
    assert batched == single
    assert len(batched) == _expected_match_count(600)


def test_more_cases_than_one_ruleset_can_hold():
    # The engine holds at most 1,024 live states per ruleset; the adapter must chunk past that.
    case_count = 3 * CASES_PER_RULESET + 100
    matches = run_rules(RULES, _many_facts(case_count))
    assert len(matches) == _expected_match_count(case_count)
    assert len({match.case_key for match in matches}) == _expected_match_count(case_count)


def test_two_sessions_interleaved_do_not_see_each_others_facts():
    other_rules = [GapRule("approval_after_effect", "approval", "effect", 0)]
    facts = [Fact("c", "effect", T0, 1), Fact("c", "approval", T0 + 1, 2)]
    with ReteSession(RULES) as first, ReteSession(other_rules) as second:
        for _ in range(3):
            assert first.evaluate(facts) == [Match("approval_after_effect", "c", (1, 2))]
            assert second.evaluate(facts[1:]) == []
            assert second.evaluate(facts[:1]) == []


def test_back_to_back_runs_are_identical():
    facts = _many_facts(200)
    assert run_rules(RULES, facts) == run_rules(RULES, facts)


def test_hundred_thousand_facts():
    # 25,000 cases x 4 facts; every 4th case swapped, every 5th overdue, nobody has a 'filed' record.
    rules = [
        GapRule("swapped", "b", "a", 0),
        GapRule("overdue", "a", "d", 100),
        AbsenceRule("never_filed", "filed"),
    ]
    facts = []
    for case in range(25_000):
        key = f"case{case:05d}"
        a_at, b_at = (10, 5) if case % 4 == 0 else (10, 20)
        d_at = a_at + 101 if case % 5 == 0 else a_at + 100
        facts += [Fact(key, "a", a_at, 4 * case), Fact(key, "b", b_at, 4 * case + 1)]
        facts += [Fact(key, "c", 0, 4 * case + 2), Fact(key, "d", d_at, 4 * case + 3)]
    assert len(facts) == 100_000
    matches = run_rules(rules, facts)
    counts = {
        name: sum(1 for match in matches if match.rule == name)
        for name in ("swapped", "overdue", "never_filed")
    }
    assert counts == {"swapped": 6_250, "overdue": 5_000, "never_filed": 25_000}


def test_rule_names_must_be_unique():
    with pytest.raises(ValueError, match="repeated: twice"):
        ReteSession([AbsenceRule("twice", "a"), AbsenceRule("twice", "b")])


def test_gap_rule_needs_two_different_kinds():
    with pytest.raises(ValueError, match="compares a step with itself"):
        ReteSession([GapRule("self", "a", "a")])


def _many_facts(case_count: int) -> list[Fact]:
    """Every 3rd case has approval after the effect, every 5th has no approval at all."""
    facts = []
    for case in range(case_count):
        key = f"c{case:05d}"
        facts.append(Fact(key, "effect", T0 + 10, 2 * case))
        if case % 5 == 0:
            continue
        approval_at = T0 + 20 if case % 3 == 0 else T0
        facts.append(Fact(key, "approval", approval_at, 2 * case + 1))
    return facts


def _expected_match_count(case_count: int) -> int:
    missing = sum(1 for case in range(case_count) if case % 5 == 0)
    swapped = sum(1 for case in range(case_count) if case % 3 == 0 and case % 5 != 0)
    return missing + swapped

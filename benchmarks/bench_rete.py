"""Facts per second through the Rete adapter: one fact per engine call versus whole batches.

Run: python benchmarks/bench_rete.py [fact_count]   (not a test; prints two figures)
"""

from __future__ import annotations

import sys
import time
from itertools import pairwise

from westaudit.rete_adapter import AbsenceRule, Fact, GapRule, ReteSession

STEPS = ("exam", "medical_check", "agreement", "confirmation_notice", "training")
HOUR = 3_600_000_000  # microseconds


def recruitment_rules() -> list[GapRule | AbsenceRule]:
    """The shape evaluate_procedure produces: absence per step, order per neighbour pair, one limit."""
    rules: list[GapRule | AbsenceRule] = [AbsenceRule(f"missing:{step}", step) for step in STEPS]
    rules += [GapRule(f"order:{before}<={after}", after, before) for before, after in pairwise(STEPS)]
    rules.append(GapRule("limit:exam->training", "exam", "training", 60 * 24 * HOUR))
    return rules


def recruitment_facts(fact_count: int) -> list[Fact]:
    """One case per five facts; every 7th case has its medical check before the exam."""
    facts = []
    for seq in range(fact_count):
        case, position = divmod(seq, len(STEPS))
        day = 1 - position if case % 7 == 0 and position < 2 else position
        hours = day * 24
        facts.append(Fact(f"recruit{case:06d}", STEPS[position], 1_700_000_000_000_000 + hours * HOUR, seq))
    return facts


def facts_per_second(facts: list[Fact], batched: bool) -> tuple[float, int]:
    with ReteSession(recruitment_rules()) as session:
        started = time.perf_counter()
        matches = session.evaluate(facts, batched=batched)
        elapsed = time.perf_counter() - started
    return len(facts) / elapsed, len(matches)


def main() -> None:
    fact_count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    facts = recruitment_facts(fact_count)
    for label, batched in (("one by one", False), ("batched", True)):
        rate, match_count = facts_per_second(facts, batched)
        print(f"{label:>10}: {rate:>9,.0f} facts/s  ({fact_count:,} facts, {match_count:,} matches)")


if __name__ == "__main__":
    main()

"""Facts per second through the Rete adapter (one fact per engine call versus whole batches), and events per
second through the `procedure` check kind on generated tables (table → events → engine → evidence).

Run: python benchmarks/bench_rete.py [fact_count]   (not a test; prints the figures)
"""

from __future__ import annotations

import sys
import time
from itertools import pairwise

import pandas as pd

from westaudit.checks.procedures.rete_adapter import AbsenceRule, Fact, GapRule, ReteSession
from westaudit.evaluate.context import SOURCE_FILE, SOURCE_ROW, EvalContext
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.ruleset import load_ruleset

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


COUNTIES = 200
UNITS_PER_COUNTY = 5


def departure_context(case_count: int) -> EvalContext:
    """Typed tables as an audit sees them: `case_count` departures over 200 counties; every 9th case leaves
    before its hand-over, every 13th has no certificate."""
    offices = [{"office_id": "N", "name": "全国", "level": "national", "parent_id": None}]
    for county in range(COUNTIES):
        offices.append({"office_id": f"C{county}", "name": f"县{county}", "level": "county", "parent_id": "N"})
        offices += [{"office_id": f"C{county}-U{unit}", "name": f"单位{unit}", "level": "unit",
                     "parent_id": f"C{county}"} for unit in range(UNITS_PER_COUNTY)]
    index = pd.RangeIndex(case_count)
    day = pd.Timestamp("2025-06-01")
    departures = pd.DataFrame({
        "departure_id": "D" + index.astype(str), "volunteer_id": "V" + index.astype(str),
        "county_id": "C" + (index % COUNTIES).astype(str),
        "unit_id": "C" + (index % COUNTIES).astype(str) + "-U" + (index % UNITS_PER_COUNTY).astype(str),
        "unit_appraisal_on": day, "unit_reported_to_county_on": day + pd.Timedelta(days=2),
        "county_appraisal_on": day + pd.Timedelta(days=5),
        "certificate_filled_on": day + pd.Timedelta(days=20),
        "handover_on": day + pd.Timedelta(days=50), "left_on": day + pd.Timedelta(days=60),
        SOURCE_FILE: "离岗手续.csv", SOURCE_ROW: index + 2,
    })
    departures.loc[index % 9 == 0, "left_on"] = day + pd.Timedelta(days=40)
    departures.loc[index % 13 == 0, "certificate_filled_on"] = pd.NaT
    ruleset = load_ruleset()
    return EvalContext(2025, ruleset.parameters, {"departures": departures}, ruleset.contract,
                       OrgChart(pd.DataFrame(offices)))


def kind_events_per_second(case_count: int) -> tuple[float, int, int]:
    rule = load_ruleset().by_id("service_county-10")
    ctx = departure_context(case_count)
    counties = [f"C{county}" for county in range(COUNTIES)]
    started = time.perf_counter()
    outcomes = rule.check.evaluate(ctx, counties)
    elapsed = time.perf_counter() - started
    event_count = int(ctx.tables["departures"][[s.column for s in rule.check.params.steps]].notna().sum().sum())
    failing_cases = sum(len(o.evidence) for o in outcomes if o.evidence is not None)
    return event_count / elapsed, event_count, failing_cases


def main() -> None:
    fact_count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    facts = recruitment_facts(fact_count)
    for label, batched in (("one by one", False), ("batched", True)):
        rate, match_count = facts_per_second(facts, batched)
        print(f"{label:>10}: {rate:>9,.0f} facts/s  ({fact_count:,} facts, {match_count:,} matches)")
    rate, event_count, failing = kind_events_per_second(fact_count // 5)
    print(f"{'kind':>10}: {rate:>9,.0f} events/s ({event_count:,} events of service_county-10, "
          f"{failing:,} failing cases)")


if __name__ == "__main__":
    main()

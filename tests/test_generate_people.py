"""The generator's volunteer records, insurance, subsidies, quotas, placements and assessments at small scale: the
audit fails exactly the planted (rule, office) pairs of each of their rules, reports the planted rows as
evidence, and fails none of them when nothing is planted."""

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.generate import GenerateOptions, generate_package
from westaudit.generate.volunteer_plants import ROW_PLANTS
from westaudit.intake.package import load_package

RULES = (
    # each volunteer's own records (volunteer_plants.py)
    "national-05", "national-05.certificate", "national-13", "national-14", "recruit_province-11",
    "service_province-13", "service_unit-02.staff", "service_unit-03", "university-06",
    # insurance, subsidies, quotas
    "national-07", "service_county-08", "national-04", "national-04.dispatch", "recruit_province-02.quota",
    "service_province-03.quota", "service_county-02.posts",
    # placements and assessments
    "service_county-09", "service_unit-06", "service_unit-07", "recruit_province-05.assessment",
    "service_county-05", "service_province-12",
)
SMALL = GenerateOptions(scale=0.02, seed=31, violation_share=0.1)


def _audit(ruleset, folder: Path):
    package = load_package(folder, ruleset.contract)
    report = run_audit(package, replace(ruleset, rules=tuple(r for r in ruleset.rules if r.id in RULES)))
    return package, report


@pytest.fixture(scope="module")
def generated(ruleset, tmp_path_factory):
    folder = tmp_path_factory.mktemp("people") / "national"
    generate_package(SMALL, folder, ruleset.contract, ruleset.parameters)
    planted = yaml.safe_load((folder / "planted.yaml").read_text(encoding="utf-8"))
    package, report = _audit(ruleset, folder)
    return planted, package, report


@pytest.mark.parametrize("rule", RULES)
def test_the_rule_fails_exactly_where_it_was_planted(generated, rule):
    planted, _, report = generated
    failed = {r.office_id for r in report.results if r.rule_id == rule and r.verdict is Status.FAIL}
    offices = {p["office"] for p in planted if p["rule"] == rule}
    assert offices, f"nothing planted for {rule}"
    assert failed == offices
    # a warning: a failing check downgraded (warning rule, westaudit default) or a county under the warning band
    assert {r.status for r in report.results if r.rule_id == rule} <= {Status.PASS, Status.FAIL, Status.WARN,
                                                                      Status.NOT_APPLICABLE}


def test_a_rule_out_of_force_in_the_year_is_neither_planted_nor_judged(ruleset, generated):
    # 就业报到证 is no longer issued from 2023: university-08 is in force up to 2022, the generated year is 2025
    planted, _, _ = generated
    rule = ruleset.by_id("university-08")
    plant = next(p for p in ROW_PLANTS if p.rule == rule.id)
    assert plant.last_year == rule.in_force_until.year == 2022 < SMALL.year
    assert not [p for p in planted if p["rule"] == rule.id]


def test_the_planted_rows_are_the_evidence(generated):
    planted, _, report = generated
    results = {(r.rule_id, r.office_id): r for r in report.results}
    for plant in (p for p in planted if p["rule"] in RULES):
        evidence = {row.key for row in results[(plant["rule"], plant["office"])].evidence}
        assert set(plant["evidence"]) <= evidence, plant


def test_a_missing_university_assessment_leaves_service_provinces_ranking_their_counties(generated):
    _, package, _ = generated
    assessments = package.tables["assessments"]
    universities = assessments["subject_id"].str.startswith("U")
    assert assessments.loc[universities, "score"].min() > assessments.loc[~universities, "score"].max()
    assert not assessments.loc[universities, "outcome"].eq("eliminated").any()


def test_subsidies_are_a_living_and_a_transport_payment_per_volunteer_and_month(generated):
    _, package, _ = generated
    subsidies, volunteers = package.tables["subsidies"], package.tables["volunteers"]
    year_start, year_end = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)
    first = volunteers["service_start"].clip(lower=year_start).dt.to_period("M")
    last = volunteers["service_end"].clip(upper=year_end).dt.to_period("M")
    months = ((last - first).map(lambda offset: offset.n) + 1).clip(lower=0)
    assert len(subsidies) == 2 * months.sum()
    per_slot = subsidies.groupby(["volunteer_id", subsidies["month"].dt.to_period("M")])["subsidy_type"]
    assert set(per_slot.agg(lambda kinds: tuple(sorted(kinds)))) == {("living", "transport")}


def test_nothing_planted_fails_none_of_these_rules(ruleset, tmp_path):
    folder = tmp_path / "clean"
    generate_package(replace(SMALL, violation_share=0.0), folder, ruleset.contract, ruleset.parameters)
    assert yaml.safe_load((folder / "planted.yaml").read_text(encoding="utf-8")) == []
    package, report = _audit(ruleset, folder)
    assert not package.rejected
    assert [(r.rule_id, r.office_id) for r in report.results if r.verdict is Status.FAIL] == []
    assert {r.rule_id for r in report.results if r.status is Status.PASS} == set(RULES)

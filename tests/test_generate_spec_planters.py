"""The spec-driven planters (documents, activities and expenditures, grievances and tasks): at tiny scale the
audit fails exactly the planted (rule, office) pairs of every rule they cover, and nothing without violations."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.generate import GenerateOptions, generate_package
from westaudit.generate.activities import ActivitiesPlanter, Counted, _solve
from westaudit.generate.documents import DocumentsPlanter
from westaudit.generate.records import RecordsPlanter
from westaudit.generate.registry import planted_rules
from westaudit.generate.specs import UnplantableRule, single_where
from westaudit.intake.package import load_package

SPEC_TABLES = {"documents", "activities", "expenditures", "grievances", "tasks"}
COVERED = set(DocumentsPlanter().rules) | set(ActivitiesPlanter().rules) | set(RecordsPlanter().rules)


def _generate(ruleset, folder: Path, share: float, seed: int = 11) -> list[dict]:
    generate_package(GenerateOptions(scale=0.01, seed=seed, violation_share=share), folder, ruleset.contract,
                     ruleset.parameters)
    return yaml.safe_load((folder / "planted.yaml").read_text(encoding="utf-8"))


def _audit_covered(ruleset, folder: Path):
    """The audit of the covered rules only (the rest of the rule set is not what these planters answer for)."""
    only = dataclasses.replace(ruleset, rules=tuple(r for r in ruleset.rules if r.id in COVERED))
    return run_audit(load_package(folder, ruleset.contract), only)


@pytest.fixture(scope="module")
def planted_package(ruleset, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec") / "national"
    plants = [p for p in _generate(ruleset, folder, 0.05, seed=23) if p["rule"] in COVERED]
    return folder, plants, _audit_covered(ruleset, folder)


def test_every_rule_reading_these_tables_is_covered_and_registered(ruleset):
    reading = {rule.id for rule in ruleset.rules if rule.check.tables() & SPEC_TABLES}
    assert reading == COVERED
    assert planted_rules() >= COVERED


def test_audit_fails_exactly_the_planted_pairs(planted_package):
    _, plants, report = planted_package
    failed = sorted((r.rule_id, r.office_id) for r in report.results if r.verdict is Status.FAIL)
    assert failed == sorted((p["rule"], p["office"]) for p in plants)
    assert {p["rule"] for p in plants} == COVERED


def test_planted_evidence_is_among_the_findings(planted_package):
    _, plants, report = planted_package
    results = {(r.rule_id, r.office_id): r for r in report.results}
    for plant in plants:
        shown = {row.key for row in results[(plant["rule"], plant["office"])].evidence}
        assert set(plant["evidence"]) <= shown, plant


def test_offices_not_planted_pass_or_have_nothing_to_judge(planted_package):
    _, plants, report = planted_package
    planted = {(p["rule"], p["office"]) for p in plants}
    others = [r for r in report.results if (r.rule_id, r.office_id) not in planted]
    assert others and all(r.status in (Status.PASS, Status.NOT_APPLICABLE) for r in others)
    assert sum(r.status is Status.PASS for r in others) > 0.9 * len(others)


def test_a_county_left_without_its_post_application_fails_with_its_province(planted_package):
    _, plants, _ = planted_package
    planted = {(p["rule"], p["office"]) for p in plants}
    coverage = [p for p in plants if p["rule"] == "service_province-02"]
    assert coverage
    for plant in coverage:
        assert plant["evidence"]
        assert all(("service_county-02", county) in planted for county in plant["evidence"])


def test_no_violations_gives_no_failure_of_a_covered_rule(ruleset, tmp_path):
    plants = _generate(ruleset, tmp_path / "clean", 0.0, seed=5)
    assert [p for p in plants if p["rule"] in COVERED] == []
    report = _audit_covered(ruleset, tmp_path / "clean")
    assert [(r.rule_id, r.office_id) for r in report.results if r.status is not Status.PASS
            and r.status is not Status.NOT_APPLICABLE] == []


def _counted(ruleset, rule_id: str, world_like) -> Counted:
    return Counted.of(world_like, ruleset.by_id(rule_id))


@pytest.fixture
def world_like(ruleset):
    return type("W", (), {"parameters": ruleset.parameters, "year": 2025})()


def test_breaking_the_larger_minimum_of_shared_kinds_keeps_the_smaller_whole(ruleset, world_like):
    serving = _counted(ruleset, "service_province-08", world_like)      # commendations, at least 2
    recruiting = _counted(ruleset, "recruit_province-09", world_like)   # commendations, at least 1
    plan = _solve([recruiting, serving], {"service_province-08": "short"})
    assert plan["commendation"][0] == serving.minimum - 1 >= recruiting.minimum
    plan = _solve([recruiting, serving], {"recruit_province-09": "short"})
    assert plan.get("commendation", (0,))[0] < recruiting.minimum


def test_a_gap_rule_is_met_by_spread_dates_and_broken_by_bunched_ones(ruleset, world_like):
    visits = _counted(ruleset, "service_county-07", world_like)
    spread = _solve([visits], {})
    count, layout = spread[visits.kinds[0]]
    assert count >= visits.minimum and layout[0] == "spread"
    assert (365 / count) + 7 <= visits.gap
    bunched = _solve([visits], {"service_county-07": "gap"})
    count, layout = bunched[visits.kinds[0]]
    assert count >= visits.minimum and layout == ("early", visits.gap)


def test_a_selector_the_planters_cannot_write_is_refused_with_the_rule_named(ruleset):
    rule = ruleset.by_id("service_county-01")
    with pytest.raises(UnplantableRule, match="service_county-01"):
        single_where(rule, {"doc_type": "annual_plan", "title": "x"}, "doc_type")
    assert single_where(rule, {"doc_type": ["a", "b"]}, "doc_type") == ("doc_type", ("a", "b"))


def test_same_seed_same_rows_other_seed_other_rows(ruleset, planted_package, tmp_path):
    folder, _, _ = planted_package
    _generate(ruleset, tmp_path / "again", 0.05, seed=23)
    _generate(ruleset, tmp_path / "other", 0.05, seed=24)
    for name in ("文件报送.csv", "工作活动.csv", "权益诉求.csv", "交办任务.csv", "经费支出.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes()
        assert (tmp_path / "other" / name).read_bytes() != (folder / name).read_bytes()

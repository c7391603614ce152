"""The planters of the ordered procedures and arrival records (recruitment, onboarding, departures, incidents):
the audit of a generated package fails exactly the planted (rule, office) pairs of their rules, with the planted
rows among the evidence, and nothing at all when no violation is planted."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.generate import GenerateOptions, generate_package
from westaudit.generate.departures import DeparturesPlanter
from westaudit.generate.incidents import IncidentsPlanter
from westaudit.generate.onboarding import OnboardingPlanter
from westaudit.generate.recruitment import RecruitmentPlanter
from westaudit.intake.package import load_package

RULES = sorted({rule for planter in (RecruitmentPlanter, OnboardingPlanter, DeparturesPlanter, IncidentsPlanter)
                for rule in planter.rules})


def _audit(ruleset, folder: Path, options: GenerateOptions):
    generate_package(options, folder, ruleset.contract, ruleset.parameters)
    package = load_package(folder, ruleset.contract)
    assert not package.rejected
    these_rules = dataclasses.replace(ruleset, rules=tuple(ruleset.by_id(rule) for rule in RULES))
    planted = [p for p in yaml.safe_load((folder / "planted.yaml").read_text(encoding="utf-8")) or []
               if p["rule"] in RULES]
    return planted, run_audit(package, these_rules).results


@pytest.fixture(scope="module")
def planted_and_results(ruleset, tmp_path_factory):
    return _audit(ruleset, tmp_path_factory.mktemp("procedures") / "pkg",
                  GenerateOptions(scale=0.02, seed=5, violation_share=0.1))


@pytest.mark.parametrize("rule", RULES)
def test_audit_fails_exactly_the_planted_offices(planted_and_results, rule):
    planted, results = planted_and_results
    offices = {p["office"] for p in planted if p["rule"] == rule}
    assert offices, f"nothing planted for {rule}"
    assert {r.office_id for r in results if r.rule_id == rule and r.verdict is Status.FAIL} == offices
    assert any(r.rule_id == rule and r.status is Status.PASS for r in results)


def test_planted_rows_are_among_the_evidence(planted_and_results):
    planted, results = planted_and_results
    by_pair = {(r.rule_id, r.office_id): r for r in results}
    for plant in planted:
        evidence = {row.key for row in by_pair[(plant["rule"], plant["office"])].evidence}
        assert set(plant["evidence"]) <= evidence, plant


def test_no_violations_planted_means_every_office_passes_or_has_no_case(ruleset, tmp_path):
    planted, results = _audit(ruleset, tmp_path / "clean", GenerateOptions(scale=0.02, seed=5, violation_share=0.0))
    assert planted == []
    statuses = {(r.rule_id, r.status) for r in results}
    assert {status for _, status in statuses} <= {Status.PASS, Status.NOT_APPLICABLE}
    assert {rule for rule, status in statuses if status is Status.PASS} == set(RULES)

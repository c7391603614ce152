"""Across years: earlier standings come back from the store; last place two years running is a `warn`."""

import shutil

import pytest

from conftest import SAMPLE
from planted import apply_fixes, load_planted
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.history.recording import Recording
from westaudit.history.repeat_last_place import current_standings
from westaudit.history.store import Store
from westaudit.intake.package import load_package

RANKING_RULES = ("service_province-12", "service_county-05")


def _as_year_2024(target):
    """The sample's assessments re-dated to 2024, with the same ranking: last year's audit."""
    shutil.copytree(SAMPLE, target)
    manifest = target / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("year: 2025", "year: 2024"), encoding="utf-8")
    assessments = target / "年度考核.csv"
    assessments.write_text(assessments.read_text(encoding="utf-8-sig").replace(",2025,", ",2024,"), encoding="utf-8")
    return target


def _audit(package_dir, ruleset, store):
    package = load_package(package_dir, ruleset.contract)
    run_id = store.begin_run("audit", str(package_dir), package.manifest.office_id, None, package.manifest.year,
                             ruleset.version) if store else None
    return Recording(package, ruleset, (), store, run_id).finish(run_audit(package, ruleset))


def _ranking(report):
    return {(r.rule_id, r.office_id): r for r in report.results if r.rule_id in RANKING_RULES}


@pytest.fixture
def store(tmp_path):
    return Store.open(str(tmp_path / "audits.sqlite"))


@pytest.fixture
def corrected_2025(tmp_path):
    """2025 with the province's last-ranked county eliminated as required, so its ranking rule passes."""
    fix = next(p for p in load_planted(SAMPLE) if p["rule"] == "service_province-12")["fix"]
    return apply_fixes(SAMPLE, tmp_path / "2025", fix)


def test_earlier_standings_are_queryable(tmp_path, ruleset, store):
    _audit(_as_year_2024(tmp_path / "2024"), ruleset, store)
    earlier = store.previous_standings("service_province-12", "GZ", [2023, 2024])
    assert list(earlier) == [2024]
    assert [(s.subject_id, s.score, s.place_from_bottom, s.last_ranked) for s in earlier[2024]] == [
        ("GZ-QDN-CJ", 58.0, 1, True), ("GZ-QDN-RJ", 79.0, 2, False), ("GZ-QDN-LP", 88.0, 3, False)]


def test_last_ranked_two_years_running_is_a_warn(tmp_path, ruleset, store, corrected_2025):
    alone = _ranking(_audit(corrected_2025, ruleset, None))
    _audit(_as_year_2024(tmp_path / "2024"), ruleset, store)
    flagged = _ranking(_audit(corrected_2025, ruleset, store))
    assert (alone[("service_province-12", "GZ")].verdict, alone[("service_county-05", "GZ-QDN-LP")].verdict) == (
        Status.PASS, Status.FAIL)
    # every assessor ranked the same subject last in both years: passes turn warn, failures stay failures
    assert {key: r.status for key, r in flagged.items()} == {
        key: Status.WARN if r.status is Status.PASS else r.status for key, r in alone.items()}
    assert flagged[("service_county-05", "GZ-QDN-LP")].message_en.endswith(
        "; last-ranked two years running (2024, 2025): GZ-QDN-LP-U3")
    assert flagged[("service_province-12", "GZ")].message_zh == "末位已淘汰：GZ-QDN-CJ（58分）；连续两年末位（2024、2025）：GZ-QDN-CJ"


def test_no_flag_without_last_years_audit(ruleset, store, corrected_2025):
    report = _audit(corrected_2025, ruleset, store)
    assert Status.WARN not in {r.verdict for r in _ranking(report).values()}
    assert len(current_standings(report, load_package(corrected_2025, ruleset.contract), ruleset)) > 0


def test_last_ranked_of_a_year_in_one_query_equals_asking_office_by_office(tmp_path, ruleset, store):
    from westaudit.history.repeat_last_place import previous_last_ranked

    _audit(_as_year_2024(tmp_path / "2024"), ruleset, store)
    _audit(_as_year_2024(tmp_path / "2024-again"), ruleset, store)  # the latest run of the year counts
    every = store.last_ranked_of_year(2024)
    assert ("service_province-12", "GZ") in every
    pairs = {(r.rule_id, r.office_id) for r in store.results_of(2) if r.rule_id in RANKING_RULES}
    assert {pair: previous_last_ranked(store, *pair, 2024) for pair in pairs} == {
        pair: every.get(pair, set()) for pair in pairs}
    assert store.last_ranked_of_year(2023) == {}

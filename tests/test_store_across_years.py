"""Across years: earlier standings come back from the store; last place two years running is a `warn`."""

import shutil
from textwrap import dedent

import pytest

from conftest import SAMPLE
from planted import apply_fixes, load_planted
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.history.recording import Recording
from westaudit.history.repeat_last_place import current_standings
from westaudit.history.store import Store
from westaudit.intake.package import load_package
from westaudit.spec.policies import load_policies

RANKING_RULES = ("service_province-12", "service_county-05")


def _as_year_2024(target):
    """The sample's assessments re-dated to 2024, with the same ranking: last year's audit."""
    shutil.copytree(SAMPLE, target)
    manifest = target / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("year: 2025", "year: 2024"), encoding="utf-8")
    assessments = target / "年度考核.csv"
    assessments.write_text(assessments.read_text(encoding="utf-8-sig").replace(",2025,", ",2024,"), encoding="utf-8")
    return target


def _audit(package_dir, ruleset, store, policies=()):
    package = load_package(package_dir, ruleset.contract)
    run_id = store.begin_run("audit", str(package_dir), package.manifest.office_id, None, package.manifest.year,
                             ruleset.version) if store else None
    return Recording(package, ruleset, (), store, run_id).finish(run_audit(package, ruleset, policies=policies))


def _guizhou_policy(tmp_path, ruleset, body):
    path = tmp_path / "gz-policy.yaml"
    path.write_text("office: GZ\ndocument: {title: 贵州省西部计划考核办法, number: 黔青联发〔2024〕5号}\n" + dedent(body),
                    encoding="utf-8")
    return load_policies([path], ruleset.parameters, {rule.id for rule in ruleset.rules})


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


def test_the_last_places_are_those_the_office_policy_adopted(tmp_path, ruleset, store):
    # Guizhou eliminates its last two: both count as last-ranked in the standings; elsewhere the last one
    policy = _guizhou_policy(tmp_path, ruleset, """\
        parameters:
          last_place_elimination_count: {2020-01-01: 2}
        """)
    report = _audit(_as_year_2024(tmp_path / "2024"), ruleset, store, policy)
    assert _ranking(report)[("service_province-12", "GZ")].threshold == 2
    earlier = store.previous_standings("service_province-12", "GZ", [2024])[2024]
    assert [(s.subject_id, s.last_ranked) for s in earlier] == [
        ("GZ-QDN-CJ", True), ("GZ-QDN-RJ", True), ("GZ-QDN-LP", False)]
    gansu = store.previous_standings("service_province-12", "GS", [2024])[2024]
    assert sum(s.last_ranked for s in gansu) == 1


def test_a_rule_switched_off_by_a_policy_ranks_nobody_and_is_not_flagged(tmp_path, ruleset, store, corrected_2025):
    _audit(_as_year_2024(tmp_path / "2024"), ruleset, store)
    policy = _guizhou_policy(tmp_path, ruleset, """\
        rules:
          service_province-12: {switched_off: 本省改行综合评价，不实行末位淘汰（示例）}
        """)
    report = _audit(corrected_2025, ruleset, store, policy)
    off = _ranking(report)[("service_province-12", "GZ")]
    assert off.status is Status.NOT_APPLICABLE and "连续两年末位" not in off.message_zh
    assert store.previous_standings("service_province-12", "GZ", [2025]) == {}
    # the counties' own ranking rule is not switched off: flagged as before
    assert "连续两年末位" in _ranking(report)[("service_county-05", "GZ-QDN-LP")].message_zh


def test_a_flagged_pass_is_a_warning_whatever_the_policy_severity(tmp_path, ruleset, store, corrected_2025):
    _audit(_as_year_2024(tmp_path / "2024"), ruleset, store)
    policy = _guizhou_policy(tmp_path, ruleset, """\
        parameters:
          last_place_elimination_count: {2020-01-01: 1}
        rules:
          service_province-12: {severity: fatal}
        """)
    flagged = _ranking(_audit(corrected_2025, ruleset, store, policy))[("service_province-12", "GZ")]
    # the duty was met this year (the last-ranked county eliminated): a hint, not a fatal finding
    assert (flagged.status, flagged.severity, flagged.verdict) == (Status.WARN, "warning", Status.WARN)
    assert flagged.parameters[0].adopted_by == "GZ" and "连续两年末位" in flagged.message_zh

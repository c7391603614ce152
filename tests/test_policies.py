"""Policy overlays, severity and as-of: the values and severity an office's own policy adopts, resolved from the
most specific office upward; exit codes by severity; rules and values in force on a date (docs/rules.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import FIXED_SAMPLE, REPO, SAMPLE
from westaudit.cli import main
from westaudit.core.errors import SpecError
from westaudit.core.results import Status
from westaudit.evaluate.audit import reference_date, run_audit
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.policies import load_policies

EMPLOYMENT = "service_county-09"
EXAMPLE = REPO / "docs" / "examples" / "policy-guizhou.yaml"


def _policy(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def _employment_policy(tmp_path: Path, office: str, value: float, since: str = "2025-01-01") -> Path:
    return _policy(tmp_path, f"{office}-{value}.yaml", f"""\
        office: {office}
        document: {{title: {office} 西部计划实施细则, number: {office}〔2025〕1号, clause: 第三条}}
        parameters:
          employment_ratio_min: {{{since}: {value}}}
        """)


def _load(ruleset, *paths):
    return load_policies(list(paths), ruleset.parameters, {rule.id for rule in ruleset.rules})


def _by_office(report, rule_id):
    return {r.office_id: r for r in report.results if r.rule_id == rule_id}


def test_two_provinces_with_their_own_policies_get_their_own_verdicts(tmp_path, ruleset, sample_package):
    # the sample's counties place 32% (黎平 24%, 皋兰 12%): Gansu asks 30%, Guizhou 35%
    policies = _load(ruleset, _employment_policy(tmp_path, "GS", 0.30), _employment_policy(tmp_path, "GZ", 0.35))
    employment = _by_office(run_audit(sample_package, ruleset, policies=policies), EMPLOYMENT)
    assert (employment["GS-LZ-YZ"].status, employment["GS-DX-LX"].status) == (Status.PASS, Status.PASS)
    assert {employment[c].status for c in ("GZ-QDN-RJ", "GZ-QDN-CJ", "GZ-QDN-LP")} == {Status.FAIL}
    assert employment["GS-LZ-GL"].status is Status.FAIL
    gansu, guizhou = employment["GS-LZ-YZ"].parameters[0], employment["GZ-QDN-RJ"].parameters[0]
    assert (gansu.value, gansu.adopted_by, guizhou.value, guizhou.adopted_by) == (0.30, "GS", 0.35, "GZ")
    assert guizhou.basis.label() == "依据《GZ 西部计划实施细则》（GZ〔2025〕1号）第三条"
    assert guizhou.source.endswith("GZ-0.35.yaml") and guizhou.effective == dt.date(2025, 1, 1)
    # without the overlays the same counties are judged by rules/parameters.yaml
    plain = _by_office(run_audit(sample_package, ruleset), EMPLOYMENT)
    assert plain["GZ-QDN-RJ"].status is Status.PASS and plain["GZ-QDN-RJ"].parameters[0].adopted_by == ""


def test_the_province_policy_wins_over_the_national_policy_over_the_parameters(tmp_path, ruleset, sample_package):
    policies = _load(ruleset, _employment_policy(tmp_path, "N", 0.40), _employment_policy(tmp_path, "GS", 0.30))
    employment = _by_office(run_audit(sample_package, ruleset, policies=policies), EMPLOYMENT)
    assert employment["GS-LZ-YZ"].parameters[0].value == 0.30 and employment["GS-LZ-YZ"].status is Status.PASS
    assert employment["GZ-QDN-RJ"].parameters[0].value == 0.40 and employment["GZ-QDN-RJ"].status is Status.FAIL


def test_a_policy_sets_the_warning_band_for_its_subtree_or_its_value_without_one(tmp_path, ruleset, sample_package):
    # Guizhou warns under 35% (rules/parameters.yaml: 25%); the requirement stays the article's 20%
    band = _policy(tmp_path, "GZ-band.yaml", """\
        office: GZ
        document: {title: 贵州省西部计划就业工作通知, number: 黔青联发〔2025〕2号}
        parameters:
          employment_ratio_min.warning: {2025-01-01: 0.35}
        """)
    lower = _employment_policy(tmp_path, "GS", 0.10)
    employment = _by_office(run_audit(sample_package, ruleset, policies=_load(ruleset, band, lower)), EMPLOYMENT)
    plain = _by_office(run_audit(sample_package, ruleset), EMPLOYMENT)
    assert (plain["GZ-QDN-RJ"].status, plain["GZ-QDN-LP"].status) == (Status.PASS, Status.WARN)
    for county in ("GZ-QDN-RJ", "GZ-QDN-CJ", "GZ-QDN-LP"):  # 32%, 32%, 24%: under Guizhou's 35%
        result = employment[county]
        assert result.status is Status.WARN and not result.downgraded, county
        requirement, line = result.parameters
        assert (requirement.name, requirement.value, requirement.adopted_by) == ("employment_ratio_min", 0.2, "")
        assert (line.name, line.value, line.adopted_by) == ("employment_ratio_min.warning", 0.35, "GZ")
        assert line.basis.label() == "依据《贵州省西部计划就业工作通知》（黔青联发〔2025〕2号）"
    # Gansu asks 10% and sets no band: the rule set's 25%, drawn against its own 20%, is not Gansu's line
    assert plain["GS-LZ-GL"].status is Status.FAIL and employment["GS-LZ-GL"].status is Status.PASS
    assert [(u.name, u.value) for u in employment["GS-LZ-GL"].parameters] == [("employment_ratio_min", 0.10)]
    # a band without a value of its parameter is refused like any unknown parameter
    wrong = _policy(tmp_path, "typo.yaml", """\
        office: GZ
        document: {title: 通知}
        parameters:
          employment_ratio_mim.warning: {2025-01-01: 0.35}
        """)
    with pytest.raises(SpecError) as caught:
        _load(ruleset, wrong)
    assert [str(p) for p in caught.value.problems] == [
        f"{wrong}:4: parameters.employment_ratio_mim.warning: unknown parameter (did you mean 'employment_ratio_min'?)"]


def test_an_adopted_default_makes_a_fatal_finding_and_a_rule_can_be_switched_off(ruleset, sample_package):
    plain = {(r.rule_id, r.office_id): r for r in run_audit(sample_package, ruleset).results}
    judged = {(r.rule_id, r.office_id): r for r in run_audit(sample_package, ruleset,
                                                             policies=_load(ruleset, EXAMPLE)).results}
    guizhou = OrgChart(sample_package.tables["offices"]).subtree("GZ")
    grievances = [key for key, r in plain.items()
                  if [u.name for u in r.parameters] == ["grievance_answer_days"] and r.downgraded == "default"]
    in_guizhou = [key for key in grievances if key[1] in guizhou]
    assert len(in_guizhou) >= 3, "the sample has late grievances in Guizhou"
    for key in in_guizhou:  # 15 days was a westaudit default (warn); 10 days adopted by Guizhou is fatal
        assert judged[key].status is Status.FAIL and not judged[key].rests_on_default, key
        assert judged[key].parameters[0].adopted_by == "GZ" and judged[key].parameters[0].value == 10
    outside = [key for key in grievances if key[1] not in guizhou]
    assert outside and all(judged[key].status is Status.WARN and judged[key].downgraded == "default"
                           for key in outside)
    staff = {office: r for (rule, office), r in judged.items() if rule == "service_unit-02.staff"}
    assert {r.status for office, r in staff.items() if office.startswith("GZ-")} == {Status.NOT_APPLICABLE}
    assert all("不纳入单位职工序列" in r.message_zh for office, r in staff.items() if office.startswith("GZ-"))
    assert {r.status for office, r in staff.items() if office.startswith("GS-")} <= {Status.PASS, Status.WARN,
                                                                                    Status.FAIL}


def test_a_policy_file_is_validated_with_file_line_and_field(tmp_path, ruleset):
    path = _policy(tmp_path, "bad.yaml", """\
        office: GZ
        document: {number: 黔青联发〔2025〕1号}
        parameters:
          employment_ratio_mim: {2025-01-01: 0.3}
          grievance_answer_days: {2025-01-01: -1}
        rules:
          service_county-99: {severity: fatal}
          service_county-07: {severity: grave}
        """)
    with pytest.raises(SpecError) as caught:
        _load(ruleset, path)
    problems = [str(p) for p in caught.value.problems]
    assert f"{path}:2: document.title: missing (a policy basis needs it)" in problems
    assert f"{path}:4: parameters.employment_ratio_mim: unknown parameter (did you mean 'employment_ratio_min'?)" \
        in problems
    assert any(p.startswith(f"{path}:5: parameters.grievance_answer_days.2025-01-01") for p in problems)
    assert f"{path}:7: rules.service_county-99: unknown rule" in problems
    assert f"{path}:8: rules.service_county-07.severity: 'grave': must be fatal or warning" in problems


def test_a_policy_of_an_office_not_in_the_package_is_refused(tmp_path, ruleset, sample_package, capsys):
    path = _employment_policy(tmp_path, "SC", 0.3)
    with pytest.raises(SpecError) as caught:
        run_audit(sample_package, ruleset, policies=_load(ruleset, path))
    assert [str(p) for p in caught.value.problems] == [f"{path}:1: office: 'SC' is not an office of this package"]
    assert main(["check", str(SAMPLE), "--office", "GS-LZ-YZ", "--no-store", "--no-receipt",
                 "--policy", str(path)]) == 2
    assert f"{path}:1: office" in capsys.readouterr().err


def test_exit_codes_follow_severity(tmp_path, capsys):
    # 黎平 places 24% in the corrected sample: over the article's 20%, under the 25% warning band
    args = ["check", str(FIXED_SAMPLE), "--office", "GZ-QDN-LP", "--no-store", "--no-receipt"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "! 提示" in out and "按严重程度：致命（不符合）0 · 警告（提示）1" in out
    assert main([*args, "--fail-on", "warning"]) == 1
    capsys.readouterr()
    # the planted 12% county: a fatal finding on the article's own number
    assert main(["check", str(SAMPLE), "--office", "GS-LZ-GL", "--no-store", "--no-receipt"]) == 1
    assert "依据条文（服务县项目办第9条" in capsys.readouterr().out


def test_as_of_takes_the_rules_and_values_in_force_on_that_date(tmp_path, ruleset, sample_package):
    later = _load(ruleset, _employment_policy(tmp_path, "GZ", 0.35, since="2026-01-01"))
    # a 2025 audit uses the values in force on 31 December 2025: the 2026 value is not yet in force
    employment = _by_office(run_audit(sample_package, ruleset, policies=later), EMPLOYMENT)
    assert employment["GZ-QDN-RJ"].status is Status.PASS and employment["GZ-QDN-RJ"].parameters[0].value == 0.2
    as_of = run_audit(sample_package, ruleset, policies=later, as_of=dt.date(2026, 3, 1))
    employment = _by_office(as_of, EMPLOYMENT)
    assert employment["GZ-QDN-RJ"].status is Status.FAIL and employment["GZ-QDN-RJ"].parameters[0].value == 0.35
    assert (as_of.as_of, as_of.reference_date) == (dt.date(2026, 3, 1), dt.date(2026, 3, 1))


def test_a_rule_ending_in_2022_is_judged_only_up_to_2022(ruleset, sample_package):
    certificate = _by_office(run_audit(sample_package, ruleset), "university-08")
    assert {r.status for r in certificate.values()} == {Status.NOT_APPLICABLE}
    assert "不在施行期内" in certificate["UNI-BNU"].message_zh and "2022-12-31" in certificate["UNI-BNU"].message_zh
    judged = _by_office(run_audit(sample_package, ruleset, as_of=dt.date(2022, 12, 31)), "university-08")
    assert Status.NOT_APPLICABLE not in {r.status for r in judged.values()}


def test_the_reference_date_is_as_of_else_the_year_end_or_today_if_earlier():
    assert reference_date(2025, dt.date(2025, 6, 30), today=dt.date(2027, 1, 1)) == dt.date(2025, 6, 30)
    assert reference_date(2025, None, today=dt.date(2027, 1, 1)) == dt.date(2025, 12, 31)
    assert reference_date(2025, None, today=dt.date(2025, 9, 1)) == dt.date(2025, 9, 1)


def test_the_default_policy_folder_beside_the_store(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    (home / ".westaudit" / "policies").mkdir(parents=True)
    shutil.copy(_employment_policy(tmp_path, "GS", 0.40), home / ".westaudit" / "policies" / "gansu.yaml")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("WESTAUDIT_POLICIES", raising=False)
    assert main(["check", str(SAMPLE), "--office", "GS-LZ-YZ", "--no-store", "--no-receipt"]) == 1
    assert "GS 采用" in capsys.readouterr().out


def test_a_duty_without_its_table_names_the_values_its_office_will_be_judged_by(ruleset, sample_package):
    # no grievances table sent: nothing is judged, yet each office sees the time limit it is held to
    without = dataclasses.replace(sample_package, tables={name: frame for name, frame in sample_package.tables.items()
                                                          if name != "grievances"})
    report = run_audit(without, ruleset, policies=_load(ruleset, EXAMPLE))
    grievances = [r for r in report.results if r.rule_id == "recruit_province-14"]
    assert grievances and {r.status for r in grievances} == {Status.INSUFFICIENT_DATA}
    held_to = {r.office_id: (r.parameters[0].value, r.parameters[0].adopted_by) for r in grievances}
    assert held_to["GZ"] == (10, "GZ") and held_to["GS"] == (15, "")

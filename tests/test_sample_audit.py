"""The sample package: the audit finds exactly the planted violations, and each fix turns its rule to pass."""

import dataclasses
import json

import pytest

from conftest import FIXED_SAMPLE, SAMPLE
from planted import apply_fixes, load_planted
from westaudit.cli import main
from westaudit.core.results import Status, severity_counts
from westaudit.evaluate.audit import run_audit
from westaudit.intake import table_typing
from westaudit.intake.package import load_package
from westaudit.reports.report_json import results_of

PLANTED = load_planted(SAMPLE)


@pytest.fixture
def report(sample_audit):
    return sample_audit


# Each fixed package differs from the sample in a table or two, yet loading it types all twenty through Great
# Expectations. Typing a table is a pure function of its file's rows and of the key sets it is checked against,
# so the fix tests share one memo of it: a table read with the same rows and key sets as before gets the typing
# computed then (a copy of its frame); a changed table, or one whose key sets changed, is typed afresh.
_TYPED_BEFORE: dict[tuple, list[tuple[object, object]]] = {}


def _typing_remembered(type_one):
    def type_or_recall(name, raw, contract, keys, validator):
        key_sets = tuple((table, frozenset(ids)) for table, ids in table_typing.keys_used(name, contract, keys).items())
        memo_key = (name, raw.source, tuple(raw.headers), key_sets, validator)
        for seen, typed in _TYPED_BEFORE.get(memo_key, []):
            if seen.equals(raw.frame):
                table = dataclasses.replace(typed.table, frame=typed.table.frame.copy())
                return dataclasses.replace(typed, table=table)
        typed = type_one(name, raw, contract, keys, validator)
        _TYPED_BEFORE.setdefault(memo_key, []).append((raw.frame.copy(), typed))
        return dataclasses.replace(typed, table=dataclasses.replace(typed.table, frame=typed.table.frame.copy()))
    return type_or_recall


@pytest.fixture
def typing_remembered(monkeypatch):
    monkeypatch.setattr(table_typing, "type_one", _typing_remembered(table_typing.type_one))


def test_the_failures_are_exactly_the_planted_ones(report):
    # the checks' own conclusions: a failing check of a warning rule or on a westaudit default is `warn`
    failed = sorted((r.rule_id, r.office_id) for r in report.results if r.verdict is Status.FAIL)
    assert failed == sorted((p["rule"], p["office"]) for p in PLANTED)


def test_no_fatal_finding_rests_on_a_default_and_the_summary_counts_by_severity(report):
    fatal = [r for r in report.results if r.status is Status.FAIL]
    assert fatal and not [r for r in fatal if r.rests_on_default]
    assert all(r.severity == "fatal" for r in fatal)
    downgraded = [r for r in report.results if r.downgraded]
    assert {r.downgraded for r in downgraded} == {"severity", "default"}
    assert all(r.status is Status.WARN and r.severity == "warning" for r in downgraded)
    counts = severity_counts(report.results)
    assert counts["fatal"] == len(fatal)
    assert counts["default_basis"] == sum(r.downgraded == "default" for r in report.results) > 0
    assert counts["warning"] == sum(r.status is Status.WARN for r in report.results)


@pytest.mark.parametrize("plant", [p for p in PLANTED if p["evidence"]], ids=lambda p: f"{p['rule']}@{p['office']}")
def test_planted_evidence_rows(report, plant):
    result = next(r for r in report.results if (r.rule_id, r.office_id) == (plant["rule"], plant["office"]))
    assert sorted(e.key for e in result.evidence) == sorted(plant["evidence"])
    assert all(e.source_file.endswith(".csv") and e.source_row >= 2 for e in result.evidence)


def test_every_headline_rule_passes_somewhere_and_fails_somewhere(report):
    for rule_id in ("service_county-09", "service_province-07", "service_province-12", "service_county-05",
                    "service_county-03.within_county"):
        statuses = {r.verdict for r in report.results if r.rule_id == rule_id}
        assert {Status.PASS, Status.FAIL} <= statuses, rule_id


def test_rows_read_equal_rows_accepted_plus_rejected(report):
    for account in report.accounts:
        assert account.rows_read == account.rows_accepted + account.rows_rejected
    assert not report.rejected


@pytest.mark.parametrize("plant", PLANTED, ids=lambda p: f"{p['rule']}@{p['office']}")
def test_fixing_a_planted_violation_turns_its_rule_to_pass(ruleset, tmp_path, plant, typing_remembered):
    fixed = apply_fixes(SAMPLE, tmp_path / "fixed", plant["fix"])
    # only the planted rule is evaluated: the whole audit per plant would make this the suite's slowest test
    just_this_rule = dataclasses.replace(ruleset, rules=(ruleset.by_id(plant["rule"]),))
    report = run_audit(load_package(fixed, ruleset.contract), just_this_rule)
    result = next(r for r in report.results if (r.rule_id, r.office_id) == (plant["rule"], plant["office"]))
    assert result.status is Status.PASS, result.message_en


@pytest.fixture(scope="module")
def audit_command(tmp_path_factory):
    """`westaudit audit` of the sample, run once for the tests that read what it wrote: (exit code, folder)."""
    out, home = tmp_path_factory.mktemp("audit_out"), tmp_path_factory.mktemp("audit_home")
    with pytest.MonkeyPatch.context() as env:  # set up before the per-test private store: its own here
        env.setenv("HOME", str(home))
        env.setenv("WESTAUDIT_STORE", str(home / "audits.sqlite"))
        env.delenv("WESTAUDIT_WAIVERS", raising=False)
        return main(["audit", str(SAMPLE), "--out", str(out)]), out


def test_audit_command_writes_the_report_and_exits_1(audit_command):
    exit_code, out = audit_command
    assert exit_code == 1
    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    failed = sorted((r["rule_id"], r["office_id"]) for r in results_of(document)
                    if r["status"] == "fail" or r["downgraded"])
    assert failed == sorted((p["rule"], p["office"]) for p in PLANTED)
    assert document["summary_by_severity"] == severity_counts_of(document)
    assert (out / "index.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def severity_counts_of(document: dict) -> dict[str, int]:
    statuses = [(r["status"], r["downgraded"]) for r in results_of(document)]
    return {"fatal": sum(s == "fail" for s, _ in statuses), "warning": sum(s == "warn" for s, _ in statuses),
            "default_basis": sum(s == "warn" and d == "default" for s, d in statuses)}


def test_no_id_number_appears_unmasked_in_any_output(audit_command):
    _, out = audit_command
    ids = (SAMPLE / "志愿者名册.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    numbers = [line.split(",")[2] for line in ids]
    for output in ("report.json", "index.html"):
        text = (out / output).read_text(encoding="utf-8")
        assert not [n for n in numbers if n in text], output


def test_self_check_of_a_passing_county_exits_0(capsys):
    assert main(["check", str(SAMPLE), "--office", "GS-LZ-YZ", "--no-receipt"]) == 0
    out = capsys.readouterr().out
    assert "榆中县项目办" in out and "service_county-09" in out


def test_self_check_of_a_failing_county_names_the_rule(capsys):
    assert main(["check", str(SAMPLE), "--office", "GS-LZ-GL", "--no-receipt"]) == 1
    assert "✗ 不符合" in capsys.readouterr().out


def test_the_corrected_package_fails_nothing(fixed_sample_audit):
    assert [(r.rule_id, r.office_id) for r in fixed_sample_audit.results if r.status is Status.FAIL] == []


def test_the_corrected_package_is_what_the_builder_writes(tmp_path):
    rebuilt = apply_fixes(SAMPLE, tmp_path / "all", [fix for plant in PLANTED for fix in plant["fix"]])
    committed = FIXED_SAMPLE
    for path in committed.glob("*.csv"):
        assert (rebuilt / path.name).read_bytes() == path.read_bytes(), path.name

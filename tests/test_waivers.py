"""Waivers: validated on load, a covered finding becomes `waived` with its reason, the rest is reported."""

import datetime as dt
from textwrap import dedent

import pytest

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.core.errors import SpecError
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.evaluate.waivers import apply_waivers, load_waivers
from westaudit.history.rundiff import diff_runs
from westaudit.history.store import Store
from westaudit.intake.orgchart import top_down
from westaudit.intake.package import load_package

TODAY = dt.date(2026, 1, 15)
RANKING_WAIVER = """\
waivers:
  - rule: service_province-12
    office: GZ
    evidence: [A-GZ-QDN-CJ]
    reason: 从江县为深度贫困县，经全国项目办同意暂缓淘汰一年
    approved_by: N
    approved_on: 2025-03-01
    expires_on: {expires}
"""


@pytest.fixture(scope="module")
def report(ruleset):
    return run_audit(load_package(SAMPLE, ruleset.contract), ruleset)


def _file(tmp_path, text, name="waivers.yaml"):
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def _result(report, rule_id, office_id):
    return next(r for r in report.results if (r.rule_id, r.office_id) == (rule_id, office_id))


def test_a_waiver_turns_its_finding_to_waived_with_its_reason(tmp_path, report):
    waivers = load_waivers(_file(tmp_path, RANKING_WAIVER.format(expires="2026-03-31")))
    waived, notices = apply_waivers(report, waivers, TODAY)
    result = _result(waived, "service_province-12", "GZ")
    assert result.status is Status.WAIVED
    assert result.message_zh.startswith("已豁免：从江县为深度贫困县，经全国项目办同意暂缓淘汰一年（N 于 2025-03-01 批准，"
                                        "有效期至 2026-03-31）；原结论：末位未淘汰")
    assert notices == ()
    changed = [(a.rule_id, a.office_id) for a, b in zip(report.results, waived.results, strict=True) if a != b]
    assert changed == [("service_province-12", "GZ")]
    assert _result(report, "service_province-12", "GZ").verdict is Status.FAIL  # the input report is untouched


def test_an_expired_waiver_is_reported_and_waives_nothing(tmp_path, report):
    path = _file(tmp_path, RANKING_WAIVER.format(expires="2025-12-31"))
    waived, notices = apply_waivers(report, load_waivers(path), TODAY)
    result = _result(waived, "service_province-12", "GZ")
    assert result.verdict is Status.FAIL
    assert result.message_zh.endswith(f"（豁免已于 2025-12-31 到期，{path}:2）")
    assert [str(n) for n in notices] == [
        f"{path}:2: 豁免（service_province-12 @ GZ）已于 2025-12-31 到期 / waiver (service_province-12 @ GZ) "
        "expired on 2025-12-31"]


def test_a_waiver_naming_other_evidence_rows_does_not_cover_the_finding(tmp_path, report):
    text = RANKING_WAIVER.format(expires="2026-03-31").replace("A-GZ-QDN-CJ", "A-GZ-QDN-RJ")
    waived, notices = apply_waivers(report, load_waivers(_file(tmp_path, text)), TODAY)
    assert _result(waived, "service_province-12", "GZ").verdict is Status.FAIL
    assert [n.message_en for n in notices] == [
        "service_province-12 @ GZ has evidence rows the waiver does not list; not waived"]


def test_unknown_rule_and_office_are_reported(tmp_path, report):
    path = _file(tmp_path, """\
        waivers:
          - rule: service_county-99
            office: XX-NOWHERE
            reason: 测试
            approved_by: GZ
            approved_on: 2025-01-01
            expires_on: 2026-12-31
        """)
    waived, notices = apply_waivers(report, load_waivers(path), TODAY)
    assert waived.results == report.results
    assert [n.message_en for n in notices] == ["waiver names unknown rule 'service_county-99'",
                                               "waiver names office 'XX-NOWHERE', not in this package's offices"]


def test_a_malformed_waiver_file_is_refused_with_file_line_and_field(tmp_path):
    path = _file(tmp_path, """\
        waivers:
          - rule: service_province-12
            office: GZ
            reasn: 拼写错误
            approved_by: N
            approved_on: 2025-03-01
            expires_on: 2024-03-01
        """)
    with pytest.raises(SpecError) as caught:
        load_waivers(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: waivers.0.reason: missing",
        f"{path}:4: waivers.0.reasn: unknown key 'reasn' (did you mean 'reason'?)",
    ]


def test_expiry_before_approval_is_refused(tmp_path):
    path = _file(tmp_path, RANKING_WAIVER.format(expires="2024-03-01"))
    with pytest.raises(SpecError) as caught:
        load_waivers(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: waivers.0: Value error, expires_on is before approved_on"]


def test_check_with_waivers_exits_0_when_every_failure_is_waived(tmp_path, capsys, report):
    # the self-check of GZ judges GZ and every office below it: each failure of the subtree is waived
    subtree = set(top_down(report.offices, "GZ"))
    failing = [(r.rule_id, r.office_id) for r in report.results
               if r.office_id in subtree and r.verdict is Status.FAIL]
    assert {office for _, office in failing} > {"GZ"}  # offices below GZ fail too
    path = _file(tmp_path, "waivers:\n" + "".join(
        f"  - {{rule: {rule_id}, office: {office}, reason: 经批准, approved_by: N, approved_on: 2025-04-10, "
        "expires_on: 2099-12-31}\n" for rule_id, office in failing))
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-receipt", "--waivers", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("~ 已豁免") == len(failing) >= 2 and "✗" not in out


def test_a_bad_waiver_file_stops_the_audit_before_anything_is_recorded(tmp_path, capsys):
    path = _file(tmp_path, "waivers:\n  - rule: x\n")
    store_path = tmp_path / "audits.sqlite"
    assert main(["check", str(SAMPLE), "--office", "GZ", "--waivers", str(path), "--store", str(store_path)]) == 2
    assert f"{path}:2: waivers.0.office: missing" in capsys.readouterr().err
    assert not store_path.exists()


def test_waived_results_are_stored_and_counted_apart_never_as_resolved(tmp_path):
    store_path = str(tmp_path / "audits.sqlite")
    waivers = _file(tmp_path, RANKING_WAIVER.format(expires="2099-12-31"))
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-receipt", "--store", store_path]) == 1
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-receipt", "--store", store_path, "--waivers", str(waivers)]) == 1
    store = Store.open(store_path, create=False)
    before, after = (r.counts for r in store.runs())
    # the ranking rule's last-place count is a westaudit default: its finding is a warning
    assert (after["warn"], after["waived"]) == (before["warn"] - 1, 1)
    diff = diff_runs(store, 1, 2)
    assert [(c.rule_id, c.before, c.after) for c in diff.waived] == [("service_province-12", Status.WARN,
                                                                      Status.WAIVED)]
    assert all(c.after is not Status.WAIVED for c in diff.resolved)


def test_waiver_expiry_is_judged_at_the_audit_reference_date_not_the_wall_clock(tmp_path, capsys):
    # a 2025 audit is judged at 31 December 2025 (today is later): a waiver valid until 2026-01-15 still covers
    # its finding whenever the audit is re-run; at an as-of date after its expiry it does not
    waivers = _file(tmp_path, RANKING_WAIVER.format(expires="2026-01-15"))
    args = ["check", str(SAMPLE), "--office", "GZ", "--no-receipt", "--no-store", "--waivers", str(waivers)]
    main(args)
    assert "~ 已豁免" in capsys.readouterr().out
    main([*args, "--as-of", "2026-02-01"])
    out = capsys.readouterr().out
    assert "~ 已豁免" not in out and "已于 2026-01-15 到期" in out


def test_the_default_waiver_file_is_read_from_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WESTAUDIT_WAIVERS", str(_file(tmp_path, RANKING_WAIVER.format(expires="2099-12-31"))))
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-store", "--no-receipt"]) == 1
    assert capsys.readouterr().out.count("~ 已豁免") == 1

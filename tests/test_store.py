"""The audit store: runs recorded whole, diffs between runs, concurrent writers, killed runs, damaged files."""

import dataclasses
import hashlib
import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select

from conftest import REPO, SAMPLE
from planted import apply_fixes, load_planted
from westaudit.cli import main
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.history.rundiff import diff_runs
from westaudit.history.store import COMPLETE, STARTED, Store, measured_values, results, run_files
from westaudit.intake.package import load_package

PLANTED = load_planted(SAMPLE)
# two corrections that change nothing else in the sample
FIXED_IN_SECOND_RUN = {("GS-DX-LX", "service_county-03.within_county"), ("GZ", "service_province-07")}


def _plants(pairs):
    return [p for p in PLANTED if (p["office"], p["rule"]) in pairs]


@pytest.fixture(scope="module")
def sample_report(ruleset):
    return run_audit(load_package(SAMPLE, ruleset.contract), ruleset)


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("two_runs")


@pytest.fixture(scope="module")
def two_runs(audit_dir):
    """The sample audited, then audited again after two planted violations were corrected (runs 1 and 2)."""
    store_path = audit_dir / "audits.sqlite"
    fixed = apply_fixes(SAMPLE, audit_dir / "fixed", [f for p in _plants(FIXED_IN_SECOND_RUN) for f in p["fix"]])
    with pytest.MonkeyPatch.context() as patch:  # module scope: conftest's per-test isolation is not set up yet
        patch.setenv("HOME", str(audit_dir))
        patch.delenv("WESTAUDIT_WAIVERS", raising=False)
        assert main(["audit", str(SAMPLE), "--out", str(audit_dir / "first"), "--store", str(store_path)]) == 1
        assert main(["audit", str(fixed), "--out", str(audit_dir / "second"), "--store", str(store_path)]) == 1
    return Store.open(str(store_path), create=False)


def _failures(changes):
    return {(c.office_id, c.rule_id) for c in changes if {Status.FAIL, Status.WARN} & {c.before, c.after}}


def test_two_runs_and_their_diff(two_runs):
    first, second = two_runs.runs()[:2]
    assert (first.run_id, first.state, second.run_id, second.state) == (1, COMPLETE, 2, COMPLETE)
    failed_first = {(r.office_id, r.rule_id) for r in two_runs.results_of(1) if r.status in (Status.FAIL, Status.WARN)}
    assert failed_first > FIXED_IN_SECOND_RUN
    diff = diff_runs(two_runs, 1, 2)
    assert _failures(diff.resolved) == FIXED_IN_SECOND_RUN
    assert {c.after for c in diff.resolved} == {Status.PASS}
    assert diff.new == ()
    assert _failures(diff.unchanged) == failed_first - FIXED_IN_SECOND_RUN
    backwards = diff_runs(two_runs, 2, 1)
    assert _failures(backwards.new) == FIXED_IN_SECOND_RUN and _failures(backwards.resolved) == set()


def test_a_diff_loading_only_findings_equals_comparing_every_result(two_runs):
    from westaudit.history.rundiff import compare_results

    for before, after in ((1, 2), (2, 1)):
        whole = compare_results(two_runs.results_of(before), two_runs.results_of(after))
        assert diff_runs(two_runs, before, after).changes == tuple(whole)
    everything = two_runs.results_of(1)
    chosen = [everything[i] for i in (0, 3, len(everything) - 1)]
    assert two_runs.results_of(1, {(r.office_id, r.rule_id) for r in chosen}) == tuple(chosen)
    assert two_runs.keys_with_status(1, [Status.FAIL]) == {
        (r.office_id, r.rule_id) for r in everything if r.status is Status.FAIL}


def test_the_diff_from_results_in_memory_equals_the_diff_of_stored_runs(two_runs):
    from westaudit.history.rundiff import changes_since_previous, diff_with_previous

    in_memory = diff_with_previous(two_runs, two_runs.run(2), two_runs.results_of(2))
    stored = changes_since_previous(two_runs, 2)
    assert (in_memory.before.run_id, in_memory.after.run_id) == (1, 2)
    assert in_memory.changes == stored.changes and stored.resolved
    assert diff_with_previous(two_runs, two_runs.run(1), two_runs.results_of(1)) is None


def test_a_finding_new_since_the_previous_run_is_compared_with_its_result_there(two_runs):
    """The previous run's findings are read in one pass; a result that is a finding now and was not then is read
    by its key, so the new finding says what it was (a pass) rather than nothing."""
    from westaudit.history.rundiff import compare_results, diff_with_previous

    before = two_runs.results_of(1)  # the run before run 2
    now = list(before)
    flipped = next(i for i, r in enumerate(now) if r.status is Status.PASS)
    now[flipped] = dataclasses.replace(now[flipped], status=Status.FAIL)
    diff = diff_with_previous(two_runs, two_runs.run(2), tuple(now))
    assert diff.changes == tuple(compare_results(before, tuple(now)))
    assert [(c.office_id, c.rule_id, c.before) for c in diff.new] == [
        (now[flipped].office_id, now[flipped].rule_id, Status.PASS)]


def test_resolved_finding_lists_the_evidence_rows_that_went_away(two_runs):
    change = next(c for c in diff_runs(two_runs, 1, 2).resolved if c.rule_id == "service_province-07")
    assert (change.evidence_removed, change.evidence_added) == (("EF-GZ-QDN-CJ-2",), ())


def test_diff_command_prints_new_resolved_unchanged(two_runs, capsys):
    assert main(["diff", "1", "2", "--store", two_runs.where]) == 0
    out = capsys.readouterr().out
    resolved = [line for line in out.splitlines() if line.startswith("已解决 resolved")]
    assert sorted(line.split()[2:4] for line in resolved) == [["GS-DX-LX", "service_county-03.within_county"],
                                                             ["GZ", "service_province-07"]]
    assert "新增 new 0  已解决 resolved 2  已豁免 waived 0  仍存在 unchanged" in out


def test_second_audit_reports_what_changed_since_the_first(two_runs, capsys, tmp_path):
    fixed = apply_fixes(SAMPLE, tmp_path / "fixed3", [f for p in PLANTED for f in p["fix"]])
    main(["audit", str(fixed), "--out", str(tmp_path / "third"), "--store", two_runs.where])
    since_second = diff_runs(two_runs, 2, 3)
    assert ("GZ", "service_province-12") in _failures(since_second.resolved)
    assert (f"已记录 recorded: run 3 in {two_runs.where}；较上次（run 2）新增 {len(since_second.new)}、"
            f"已解决 {len(since_second.resolved)}、已豁免 0、仍存在 {len(since_second.unchanged)}") in capsys.readouterr().out


def test_a_run_is_recorded_whole(tmp_path, two_runs, sample_report):
    _write_one_run(str(tmp_path / "other.sqlite"), sample_report, ())
    assert Store.open(str(tmp_path / "other.sqlite")).results_of(1) == sample_report.results
    with two_runs.engine.connect() as conn:
        recorded = {r.name: r.sha256 for r in conn.execute(select(run_files).where(run_files.c.run_id == 1))}
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in SAMPLE.iterdir() if p.suffix in (".csv", ".yaml") and p.name != "planted.yaml"}
    assert recorded == expected


def test_each_distinct_measured_value_is_stored_once_and_read_back_with_every_result(tmp_path, sample_report):
    _write_one_run(str(tmp_path / "values.sqlite"), sample_report, ())
    store = Store.open(str(tmp_path / "values.sqlite"))
    with store.engine.connect() as conn:
        bodies = conn.execute(select(measured_values.c.measured_id, measured_values.c.body)).all()
        referred = conn.execute(select(results.c.measured_id, results.c.measured)).all()
    assert len({body for _, body in bodies}) == len(bodies) < len(referred) == len(sample_report.results)
    assert {measured_id for measured_id, _ in referred} == {measured_id for measured_id, _ in bodies}
    assert {measured for _, measured in referred} == {""}  # the value is in measured_values only
    assert store.results_of(1) == sample_report.results


def test_values_equal_but_of_another_type_are_stored_apart_and_read_back_as_they_were(tmp_path, sample_report):
    """Each distinct value is encoded once, looked up by its fields: 1, 1.0 and True are equal in Python and
    one key in a dict, but three values in the store; a list is no key at all, and is stored all the same."""
    judged = next(r for r in sample_report.results if r.counts is not None and r.remediation is None)
    variants = [dataclasses.replace(judged, measured=value, office_id=f"{judged.office_id}-{n}")
                for n, value in enumerate([1, 1.0, True, [1, 2], "1", 1, None])]
    variants.append(dataclasses.replace(judged, threshold=1.0, office_id=f"{judged.office_id}-t"))
    variants.append(dataclasses.replace(judged, threshold=1, office_id=f"{judged.office_id}-u"))
    report = dataclasses.replace(sample_report, results=tuple(variants))
    _write_one_run(str(tmp_path / "types.sqlite"), report, ())
    read_back = Store.open(str(tmp_path / "types.sqlite")).results_of(1)
    assert [(r.measured, type(r.measured), r.threshold, type(r.threshold)) for r in read_back] == \
        [(r.measured, type(r.measured), r.threshold, type(r.threshold)) for r in variants]


def test_history_lists_runs_and_filters_by_office(tmp_path, capsys):
    store_path = str(tmp_path / "audits.sqlite")
    main(["check", str(SAMPLE), "--office", "GS-LZ-YZ", "--no-receipt", "--store", store_path])
    main(["audit", str(SAMPLE), "--out", str(tmp_path / "out"), "--store", store_path])
    capsys.readouterr()
    assert main(["history", "--store", store_path]) == 0
    rows = [line.split()[:6] for line in capsys.readouterr().out.splitlines()[3:]]
    assert [(r[0], r[2], r[4], r[5]) for r in rows] == [("1", "完成", "check", "GS-LZ-YZ"),
                                                        ("2", "完成", "audit", "N（全部")]
    assert main(["history", "--office", "GS-LZ-YZ", "--store", store_path]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[3:]] == ["1"]


def test_no_store_records_nothing(tmp_path):
    store_path = tmp_path / "audits.sqlite"
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-receipt", "--no-store", "--store", str(store_path)]) == 1
    assert not store_path.exists()


def test_default_store_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WESTAUDIT_STORE", str(tmp_path / "env.sqlite"))
    assert main(["check", str(SAMPLE), "--office", "GZ", "--no-receipt"]) == 1
    assert [r.state for r in Store.open(str(tmp_path / "env.sqlite"), create=False).runs()] == [COMPLETE]


def _write_one_run(location: str, report, files) -> None:
    store = Store.open(location)
    run_id = store.begin_run("audit", "sample", report.submitting_office, None, report.year, report.ruleset_version)
    store.complete_run(run_id, report, files)


def test_concurrent_writers_in_threads_all_land(tmp_path, sample_report):
    location = str(tmp_path / "audits.sqlite")
    Store.open(location)  # the schema exists before the race: creating it is tested by the processes below
    threads = [threading.Thread(target=_write_one_run, args=(location, sample_report, ())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = Store.open(location, create=False)
    assert [r.state for r in store.runs()] == [COMPLETE] * 4
    assert all(store.results_of(r.run_id) == sample_report.results for r in store.runs())


def test_two_audit_processes_writing_at_once_both_land(tmp_path):
    location = str(tmp_path / "audits.sqlite")
    processes = [subprocess.Popen([sys.executable, "-m", "westaudit.cli", "audit", str(SAMPLE), "--out",
                                   str(tmp_path / f"out{i}"), "--store", location],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) for i in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read().decode()) for p in processes]
    assert outcomes == [(1, ""), (1, "")]
    store = Store.open(location, create=False)
    assert [r.state for r in store.runs()] == [COMPLETE, COMPLETE]
    assert store.results_of(1) == store.results_of(2)


KILLED_WRITER = """
import sys, time
from pathlib import Path
from westaudit.evaluate.audit import run_audit
from westaudit.intake.package import load_package
from westaudit.spec.ruleset import RULES_DIR, load_ruleset
from westaudit.history.store import Store, package_files

ruleset = load_ruleset(RULES_DIR)
package = load_package(Path(sys.argv[2]), ruleset.contract)
report = run_audit(package, ruleset)
store = Store.open(sys.argv[1])
run_id = store.begin_run("audit", sys.argv[2], report.submitting_office, None, report.year, report.ruleset_version)

def hang_before_the_complete_mark(conn, run_id):
    print("results written, transaction open", flush=True)
    time.sleep(600)

store._mark_complete = hang_before_the_complete_mark
store.complete_run(run_id, report, package_files(package))
"""


def test_a_run_killed_mid_write_leaves_a_readable_store_and_an_incomplete_run(tmp_path, sample_report):
    location = str(tmp_path / "audits.sqlite")
    _write_one_run(location, sample_report, ())
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER, encoding="utf-8")
    writer = subprocess.Popen([sys.executable, str(script), location, str(SAMPLE)], stdout=subprocess.PIPE,
                              cwd=REPO)
    assert writer.stdout.readline() == b"results written, transaction open\n"
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait(timeout=60) == -signal.SIGKILL
    store = Store.open(location, create=False)
    assert [(r.run_id, r.state, sum(r.counts.values())) for r in store.runs()] == [
        (1, COMPLETE, len(sample_report.results)), (2, STARTED, 0)]
    assert store.results_of(2) == ()
    _write_one_run(location, sample_report, ())  # the killed writer's lock is gone
    assert [r.state for r in store.runs()] == [COMPLETE, STARTED, COMPLETE]


def test_history_marks_an_interrupted_run(tmp_path, sample_report, capsys):
    location = str(tmp_path / "audits.sqlite")
    Store.open(location).begin_run("audit", "p", "N", None, 2025, sample_report.ruleset_version)
    assert main(["history", "--store", location]) == 0
    out = capsys.readouterr().out
    assert "未完成 incomplete" in out and "1 次未完成" in out
    assert main(["diff", "1", "1", "--store", location]) == 2
    assert "run 1 is incomplete" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["history"], ["diff", "1", "2"], ["check", str(SAMPLE), "--office", "GZ", "--no-receipt"]])
def test_a_corrupted_store_is_a_clear_error_naming_the_file(tmp_path, capsys, command):
    damaged = tmp_path / "audits.sqlite"
    damaged.write_bytes(b"this is not an audit store\n" * 200)
    assert main([*command, "--store", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert f"{damaged}: audit store unusable: file is not a database" in err
    assert "Traceback" not in err


def test_a_missing_store_is_a_usage_error_for_reading_commands(tmp_path, capsys):
    assert main(["history", "--store", str(tmp_path / "none.sqlite")]) == 2
    assert f"no audit store at {tmp_path / 'none.sqlite'}" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


def test_a_postgres_url_without_its_driver_is_a_clear_error(capsys):
    assert main(["history", "--store", "postgresql+psycopg://auditor:secret@127.0.0.1/westaudit"]) == 2
    err = capsys.readouterr().err
    assert "127.0.0.1/westaudit: audit store unusable" in err and "secret" not in err


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", ["已解决", "GS-DX-LX", "service_county-03.within_county", "不符合", "符合", "−T-GS-DX-LX-1"]),
    ("en", ["Resolved", "GZ", "service_province-07", "fail", "pass", "−EF-GZ-QDN-CJ-2"]),
])
def test_since_last_audit_partial_shows_what_changed(two_runs, lang, expected):
    from westaudit.history.rundiff import changes_since_previous
    from westaudit.reports.render import html_environment

    html = html_environment(lang).get_template("_since_last_audit.html.j2").render(
        since_last_audit=changes_since_previous(two_runs, 2))
    rows = html.split("<tr")[2:]
    assert [row.split(">")[0] for row in rows] == [' class="change-resolved"'] * 2
    assert all(word in html for word in expected)
    first = html_environment(lang).get_template("_since_last_audit.html.j2").render(since_last_audit=None)
    assert ("First recorded audit" if lang == "en" else "本范围首次记录的审计") in first


def test_the_html_report_of_the_second_audit_shows_what_changed(two_runs, audit_dir):
    first = (audit_dir / "first" / "index.html").read_text(encoding="utf-8")
    second = (audit_dir / "second" / "index.html").read_text(encoding="utf-8")
    assert "本范围首次记录的审计" in first
    assert second.count('<tr class="change-resolved">') == 2 and "change-new" not in second
    assert "较上次审计的变化" in second and "service_county-03.within_county" in second


def test_no_since_last_audit_section_without_a_store(tmp_path):
    main(["audit", str(SAMPLE), "--out", str(tmp_path), "--no-store"])
    assert "since-last-audit" not in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_a_warning_on_a_default_keeps_its_reason_in_the_diff_and_since_last_audit(two_runs, capsys):
    from westaudit.history.rundiff import changes_since_previous
    from westaudit.reports.render import html_environment

    on_default = {(r.office_id, r.rule_id) for r in two_runs.results_of(2)
                  if r.status is Status.WARN and r.downgraded == "default"}
    assert on_default  # the sample has warnings that rest on a westaudit default
    diff = diff_runs(two_runs, 1, 2)
    still = [c for c in diff.unchanged if (c.office_id, c.rule_id) in on_default]
    assert still and all(c.after_downgraded == "default" for c in still)
    assert not any(c.after_downgraded for c in diff.unchanged if c.after is Status.INSUFFICIENT_DATA)
    assert main(["diff", "1", "2", "--store", two_runs.where]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("仍存在 unchanged")]
    c = still[0]
    shown = next(line for line in lines if c.office_id in line.split() and c.rule_id in line.split())
    assert "提示 · 默认口径 → 提示 · 默认口径" in shown
    # a warning whose rule is a warning rule is plain 提示
    plain = next((ch for ch in diff.unchanged if ch.after is Status.WARN and not ch.after_downgraded), None)
    if plain is not None:
        row = next(line for line in lines if plain.office_id in line.split() and plain.rule_id in line.split())
        assert "默认口径" not in row
    # the page's section: a resolved finding that was a warning on a default says so on its earlier side
    resolved = changes_since_previous(two_runs, 2)
    template = html_environment("zh").get_template("_since_last_audit.html.j2")
    assert "默认口径" not in template.render(since_last_audit=resolved)  # both resolved findings were plain fails
    was_default = dataclasses.replace(resolved.resolved[0], before=Status.WARN, before_downgraded="default")
    html = template.render(since_last_audit=dataclasses.replace(resolved, changes=(was_default,)))
    assert "提示 · 默认口径 → " in html
    english = html_environment("en").get_template("_since_last_audit.html.j2").render(
        since_last_audit=dataclasses.replace(resolved, changes=(was_default,)))
    assert " · westaudit default → " in english

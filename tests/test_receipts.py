"""Self-check receipts: `westaudit check` writes one beside the package; it matches the package it checked,
stops matching when a cell changes, and a malformed one is an error naming its file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from package_split import edit_cell, split_package
from westaudit.cli import main
from westaudit.core.errors import SpecError
from westaudit.core.results import Status
from westaudit.core.submission import ReceiptState
from westaudit.evaluate.audit import run_audit
from westaudit.evaluate.receipts import RECEIPT_NAME, check_receipt, package_checksum, read_receipt
from westaudit.intake.package import load_package
from westaudit.intake.package_files import package_files

FIXED_SAMPLE = REPO / "data_samples" / "west2025_fixed"
COUNTY = "GS-DX-LX"
UNITS = ("GS-DX-LX-U1", "GS-DX-LX-U2", "GS-DX-LX-U3")


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Path:
    """A county package its office has self-checked."""
    package = split_package(FIXED_SAMPLE, tmp_path_factory.mktemp("checked") / COUNTY, COUNTY)
    assert main(["check", str(package), "--office", COUNTY, "--no-store"]) == 0
    return package


@pytest.fixture
def package(checked, tmp_path) -> Path:
    return Path(shutil.copytree(checked, tmp_path / COUNTY))


def test_the_receipt_records_checksum_rule_set_office_and_results(checked, ruleset):
    receipt = read_receipt(checked)
    loaded = load_package(checked, ruleset.contract)
    files = package_files(loaded)
    assert RECEIPT_NAME not in {f.name for f in files}  # the receipt never covers itself
    assert receipt.package_checksum == package_checksum(files)
    assert receipt.files == {f.name: f.sha256 for f in files} and "manifest.yaml" in receipt.files
    assert (receipt.office_id, receipt.year, receipt.ruleset_version) == (COUNTY, 2025, ruleset.version)
    results = run_audit(loaded, ruleset, subtree_of=COUNTY).results
    assert receipt.receipt_format == 2
    # summary: the county's own results; offices: the county first, then each of its service units with its own
    assert [office.office_id for office in receipt.offices] == [COUNTY, *UNITS]
    for office in receipt.offices:
        own = [r for r in results if r.office_id == office.office_id]
        assert own and office.summary == {status: sum(r.status is status for r in own) for status in Status}
        assert office.failing_rules == ()
    assert (receipt.summary, receipt.failing_rules) == (receipt.offices[0].summary, ())
    assert check_receipt(loaded, ruleset.version).state is ReceiptState.MATCHES


def test_a_failing_service_unit_is_shown_under_it_fails_the_check_and_is_in_the_receipt(package, ruleset, capsys):
    # a volunteer of the county's second unit without free housing: the unit's duty (service_unit-03) fails
    volunteer = _volunteer_of(package, UNITS[1])
    edit_cell(package, "志愿者名册", volunteer, "免费住宿", "否")
    assert main(["check", str(package), "--office", COUNTY, "--no-store"]) == 1  # a fatal finding: exit 1
    lines = capsys.readouterr().out.splitlines()
    heading = {office: next(i for i, line in enumerate(lines) if f"（{office}，" in line) for office in (COUNTY, *UNITS)}
    assert heading[COUNTY] < heading[UNITS[0]] < heading[UNITS[1]] < heading[UNITS[2]]  # down the hierarchy
    under_unit = lines[heading[UNITS[1]] + 1:heading[UNITS[2]]]
    assert any(line.strip().startswith("✗ 不符合") and "service_unit-03" in line for line in under_unit), under_unit
    assert any(volunteer in line for line in under_unit)  # the row to correct, under the unit
    assert "服务单位" in lines[heading[UNITS[1]]] and "不符合 1" in lines[heading[UNITS[1]]]
    assert not any("✗" in line for line in lines[heading[COUNTY]:heading[UNITS[1]]])  # nothing failed above it
    verdict = next(line for line in lines if line.startswith("结论"))
    assert "需整改 1 项，其中致命 1 项" in verdict
    assert next(line for line in lines if line.startswith("合计")).startswith(f"合计（{1 + len(UNITS)} 个机构）")
    assert "按严重程度：致命（不符合）1 · " in "\n".join(lines)
    receipt = read_receipt(package)
    assert receipt.failing_rules == () and receipt.summary[Status.FAIL] == 0  # the county's own duties passed
    failing = {office.office_id: office.failing_rules for office in receipt.offices}
    assert failing == {COUNTY: (), UNITS[0]: (), UNITS[1]: ("service_unit-03",), UNITS[2]: ()}
    unit = next(office for office in receipt.offices if office.office_id == UNITS[1])
    assert unit.summary[Status.FAIL] == 1
    # the supervisor's consolidation reads each office's counts back from the receipt
    check = check_receipt(load_package(package, ruleset.contract), ruleset.version)
    assert check.state is ReceiptState.MATCHES and check.failing_rules == ()
    assert [(o.office_id, o.failing_rules) for o in check.offices] == list(failing.items())


def test_the_self_check_reads_in_english_with_lang_en(package, capsys):
    edit_cell(package, "志愿者名册", _volunteer_of(package, UNITS[1]), "免费住宿", "否")
    assert main(["check", str(package), "--office", COUNTY, "--no-store", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert f"self-check receipt: {(package / RECEIPT_NAME).resolve()}" in out and "自查回执" not in out
    assert f"({UNITS[1]}, service unit): " in out and "✗ fail service_unit-03" in out
    assert "verdict: 1 to put right, 1 of them fatal" in out and f"total ({1 + len(UNITS)} offices): " in out
    assert "by severity: fatal (fail) 1 · " in out
    assert not [word for word in ("符合", "结论", "合计", "要求", "服务单位）", "按严重程度") if word in out]


def test_a_service_unit_checks_itself_alone(package, ruleset, capsys):
    edit_cell(package, "志愿者名册", _volunteer_of(package, UNITS[1]), "免费住宿", "否")
    assert main(["check", str(package), "--office", UNITS[0], "--no-store"]) == 0  # its sibling's failure is not its
    out = capsys.readouterr().out
    assert f"（{UNITS[0]}，服务单位）" in out and COUNTY + "，" not in out and UNITS[1] not in out
    receipt = read_receipt(package)
    assert receipt.office_id == UNITS[0] and [o.office_id for o in receipt.offices] == [UNITS[0]]
    assert main(["check", str(package), "--office", UNITS[1], "--no-store"]) == 1
    assert read_receipt(package).failing_rules == ("service_unit-03",)


def test_a_receipt_of_format_1_is_still_read(package, ruleset):
    # written by a westaudit before the self-check covered the subtree: the office's own results only
    path = package / RECEIPT_NAME
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["receipt_format"] = 1
    del document["offices"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    receipt = read_receipt(package)
    assert receipt.offices == () and [o.office_id for o in receipt.judged()] == [COUNTY]
    check = check_receipt(load_package(package, ruleset.contract), ruleset.version)
    assert check.state is ReceiptState.MATCHES and [o.office_id for o in check.offices] == [COUNTY]
    assert dict(check.offices[0].counts) == dict(check.counts)


def _volunteer_of(package: Path, unit: str) -> str:
    from package_split import read_rows

    headers, rows = read_rows(package / "志愿者名册.csv")
    return next(row[headers[0]] for row in rows if row["服务单位编号"] == unit and row["服务状态"] == "在岗")


def test_a_late_grievance_is_a_warning_in_the_receipt_and_fails_only_on_warning(package, ruleset):
    # a grievance answered 200 days late breaks the county's grievance duty (service_county-12), judged by a
    # westaudit default (15 days): a warning, so the self-check exits 0 unless --fail-on warning
    edit_cell(package, "权益诉求", _county_grievance(package), "答复日期", "2026-06-30")
    assert main(["check", str(package), "--office", COUNTY, "--no-store"]) == 0
    receipt = read_receipt(package)
    assert receipt.failing_rules == () and receipt.summary[Status.WARN] == 1
    assert main(["check", str(package), "--office", COUNTY, "--no-store", "--fail-on", "warning"]) == 1


def _county_grievance(package: Path) -> str:
    from package_split import read_rows

    headers, rows = read_rows(package / "权益诉求.csv")
    return next(row[headers[0]] for row in rows if row["受理单位编号"] == COUNTY)


def test_a_receipt_no_longer_matches_after_a_cell_changes(package, ruleset):
    edit_cell(package, "补贴发放", _first_key(package, "补贴发放"), "发放日期", "2025-12-31")
    check = check_receipt(load_package(package, ruleset.contract), ruleset.version)
    assert check.state is ReceiptState.CHANGED and check.changed_files == ("补贴发放.csv",)
    assert check.office_id == COUNTY and check.same_ruleset  # what was self-checked is still shown


def test_an_added_file_is_a_change_too(package, ruleset):
    header = (FIXED_SAMPLE / "保险.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (package / "保险.csv").write_text(header + "\n", encoding="utf-8")  # a table with no rows, added after
    check = check_receipt(load_package(package, ruleset.contract), ruleset.version)
    assert check.state is ReceiptState.CHANGED and "保险.csv" in check.changed_files


def _first_key(package: Path, title: str) -> str:
    from package_split import read_rows

    headers, rows = read_rows(package / f"{title}.csv")
    return rows[0][headers[0]]


def test_a_receipt_of_another_rule_set_is_shown_as_such(package, ruleset):
    path = package / RECEIPT_NAME
    path.write_text(path.read_text(encoding="utf-8").replace(ruleset.version, "0123456789ab"), encoding="utf-8")
    check = check_receipt(load_package(package, ruleset.contract), ruleset.version)
    assert check.state is ReceiptState.MATCHES and not check.same_ruleset
    assert check.ruleset_version == "0123456789ab"


@pytest.mark.parametrize(("edit", "field", "message"), [
    (lambda d: d.pop("package_checksum"), "package_checksum", "missing"),
    (lambda d: d.update(package_checksum="not a checksum"), "package_checksum", "pattern"),
    (lambda d: d.update(checked_at="yesterday"), "checked_at", "datetime"),
    (lambda d: d["summary"].update(passed=3), "summary.passed", "pass"),
    (lambda d: d.update(signed_by="me"), "signed_by", "unknown key"),
    (lambda d: d.update(receipt_format=3), "receipt_format", "1 or 2"),
    (lambda d: d.pop("offices"), "offices", "format 2 lists the self-checked office"),
    (lambda d: d.update(offices=d["offices"][1:]), "offices", "format 2 lists the self-checked office"),
    (lambda d: d["offices"][0]["summary"].update({"fail": 7}), "offices", "differs from summary"),
    (lambda d: d["offices"].append(d["offices"][1]), "offices", "listed twice"),
    (lambda d: d.update(receipt_format=1), "offices", "format 1 lists no offices"),
    (lambda d: d["offices"][1].update(signed_by="me"), "offices.1.signed_by", "unknown key"),
])
def test_a_malformed_receipt_is_an_error_naming_file_and_field(package, edit, field, message):
    path = package / RECEIPT_NAME
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        read_receipt(package)
    problem = error.value.problems[0]
    assert (problem.file, problem.field) == (str(path), field) and message in problem.message
    assert problem.line is not None and "malformed self-check receipt" in problem.message


def test_a_receipt_that_is_not_yaml_stops_the_consolidation_with_its_place(package, tmp_path, capsys):
    (package / RECEIPT_NAME).write_text("package_checksum: [unclosed\n", encoding="utf-8")
    assert main(["audit", str(package), "--office", COUNTY, "--out", str(tmp_path / "out"), "--no-store"]) == 2
    err = capsys.readouterr().err
    assert f"{package / RECEIPT_NAME}:" in err and "invalid YAML" in err and "Traceback" not in err


def test_check_without_a_receipt(package):
    (package / RECEIPT_NAME).unlink()
    assert main(["check", str(package), "--office", COUNTY, "--no-store", "--no-receipt"]) == 0
    assert not (package / RECEIPT_NAME).exists()


def test_the_consolidation_names_the_failing_offices_below_the_self_checked_one():
    from westaudit.core.submission import ConsolidationSummary, ReceiptCheck, ReceiptOffice, Submission
    from westaudit.intake.orgchart import Office
    from westaudit.reports.terminal import consolidation_lines

    counts = (("pass", 3), ("fail", 0))
    receipt = ReceiptCheck(ReceiptState.MATCHES, RECEIPT_NAME, COUNTY, "2026-01-05T02:00:00+00:00", "v1", True,
                           counts, (), (), (ReceiptOffice(COUNTY, counts), ReceiptOffice(UNITS[0], counts),
                                        ReceiptOffice(UNITS[1], (("fail", 1),), ("service_unit-03",))))
    offices = {office: Office(office, office, "county", None, ()) for office in ("GS", COUNTY)}
    summary = ConsolidationSummary("GS", (Submission(COUNTY, "p", COUNTY, "c", 1, 1, 0, 0, receipt),), ())
    line = consolidation_lines(summary, offices)[2]
    assert line.endswith(f"含下属 2 个机构 with 2 offices below，不符合 failing: {UNITS[1]} service_unit-03"), line
    clean = ReceiptCheck(**{**receipt.__dict__, "offices": receipt.offices[:2]})
    summary = ConsolidationSummary("GS", (Submission(COUNTY, "p", COUNTY, "c", 1, 1, 0, 0, clean),), ())
    assert consolidation_lines(summary, offices)[2].endswith("含下属 1 个机构 with 1 office below，均无不符合 none failed")

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
    results = run_audit(loaded, ruleset, only_office=COUNTY).results
    assert receipt.summary == {status: sum(r.status is status for r in results) for status in Status}
    assert receipt.failing_rules == ()
    assert check_receipt(loaded, ruleset.version).state is ReceiptState.MATCHES


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
    (lambda d: d.update(receipt_format=2), "receipt_format", "1"),
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

"""No pass on incomplete data (issue 15, item 6): a bad cell leaves out its row only for the duties reading that
column, and a duty whose rows for an office were partly rejected never passes on what is left."""

import shutil
from pathlib import Path

import pytest

from westaudit.cli import main
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.intake.package import load_package
from westaudit.spec.ruleset import load_ruleset

BASE = Path(__file__).parent / "bad_inputs" / "bad_id_check_digit"
COUNTY = "GS-LZ-YZ"
HEADER = "志愿者编号,姓名,身份证号码,毕业高校编号,服务县编号,服务单位编号,招募年度,服务开始日期,服务结束日期,服务状态"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(serial: int, wrong_check_digit: bool = False) -> str:
    body = f"62010220000101{serial:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if wrong_check_digit:
        check = "0" if check != "0" else "1"
    return body + check


def _package(tmp_path: Path, bad_id: int | None = None, bad_start: int | None = None) -> Path:
    """Six volunteers serving in the county in 2025, V1 placed in a job (1 of 6: under 20%)."""
    folder = tmp_path / "p"
    shutil.copytree(BASE, folder)
    rows = [HEADER]
    for n in range(1, 7):
        start = "2025年13月1日" if n == bad_start else "2025-08-01"
        rows.append(f"V{n},志愿者{n},{_id_number(n, n == bad_id)},UNI-LZU,{COUNTY},{COUNTY}-U1,2025,{start},"
                    f"2026-07-31,在岗")
    (folder / "志愿者名册.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "就业落实.csv").write_text("就业记录编号,志愿者编号,服务县编号,落实日期,就业单位\n"
                                         f"J1,V1,{COUNTY},2025-07-01,榆中县人民医院\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


def _employment(folder: Path, rules):
    report = run_audit(load_package(folder, rules.contract), rules, subtree_of=COUNTY, jobs=1)
    return next(r for r in report.results if r.rule_id == "service_county-09"), report


def test_a_wrong_check_digit_does_not_drop_the_volunteer_from_the_employment_duty(tmp_path, rules):
    result, report = _employment(_package(tmp_path, bad_id=3), rules)
    assert [(r.source_row, r.column, r.row_kept) for r in report.rejected] == [(4, "id_number", True)]
    account = next(a for a in report.accounts if a.table == "volunteers")
    assert (account.rows_read, account.rows_accepted, account.rows_rejected, account.rows_partial) == (6, 6, 0, 1)
    # the rule reads no ID number: all six count, one placed is under 20%
    assert result.status is Status.FAIL
    assert result.counts.total == 6 and result.counts.met == 1
    assert result.incomplete_tables == ()


def test_a_bad_cell_the_duty_reads_makes_a_would_be_pass_insufficient_data(tmp_path, rules):
    # V4's service start is no date: without it 1 of 5 is placed, 20%, which would pass
    result, _ = _employment(_package(tmp_path, bad_start=4), rules)
    assert result.status is Status.INSUFFICIENT_DATA
    assert result.measured == pytest.approx(0.2)
    assert result.counts.total == 5
    assert result.incomplete_tables == ("volunteers",)
    assert [(e.table, e.source_row, e.values[0][0]) for e in result.evidence] == [("volunteers", 5, "service_start")]
    assert result.awaits_corrections
    assert "数据不足" in result.message_zh


def test_clean_data_still_passes_or_fails_as_before(tmp_path, rules):
    result, _ = _employment(_package(tmp_path), rules)
    assert result.status is Status.FAIL and result.counts.total == 6


def test_the_bad_row_stays_for_duties_not_reading_the_bad_column(tmp_path, rules):
    package = load_package(_package(tmp_path, bad_start=4), rules.contract)
    volunteers = package.tables["volunteers"]
    assert list(volunteers["volunteer_id"]) == [f"V{n}" for n in range(1, 7)]
    assert volunteers.loc[volunteers["volunteer_id"] == "V4", "service_start"].isna().all()


def test_check_shows_the_county_as_data_insufficient_not_passed(tmp_path, rules, capsys):
    folder = _package(tmp_path, bad_start=4)
    code = main(["check", str(folder), "--office", COUNTY, "--no-store", "--no-receipt"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    line = next(line for line in out.splitlines() if "service_county-09" in line)
    assert "?" in line or "数据不足" in line, line

"""The rectification list goes back and forth: findings.xlsx in Chinese with styled headers, formats and the
columns an office fills in; the filled list is read back like any input and shown beside the findings of the
next audit, and carried into its findings.xlsx."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.intake.rectification import STATES

COUNTY, RULE = "GS-LZ-GL", "service_county-09"


@pytest.fixture(scope="module")
def first_audit(tmp_path_factory):
    out = tmp_path_factory.mktemp("first")
    assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store"]) == 1
    return out


def _header(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1]}


def _row_of(sheet, office: str, rule: str) -> int:
    column = _header(sheet)
    for row in range(2, sheet.max_row + 1):
        if (sheet.cell(row, column["机构编号"]).value, sheet.cell(row, column["规则编号"]).value) == (office, rule):
            return row
    raise AssertionError(f"no row for {office} {rule}")


def test_findings_workbook_is_a_styled_chinese_rectification_list(first_audit):
    workbook = load_workbook(first_audit / "findings.xlsx")
    sheet = workbook["县级"]
    column = _header(sheet)
    for name in ("整改建议", "整改责任人", "整改期限", "整改状态", "说明", "严重程度"):
        assert name in column
    header = sheet.cell(1, 1)
    assert header.font.b and header.fill.fgColor.rgb.endswith("2B5C8A") and header.alignment.wrap_text
    row = _row_of(sheet, COUNTY, RULE)
    assert sheet.cell(row, column["整改建议"]).alignment.wrap_text
    assert sheet.cell(row, column["整改建议"]).value.startswith("在「就业落实」表")
    assert sheet.cell(row, column["整改期限"]).number_format == "yyyy-mm-dd"
    states = [v for v in sheet.data_validations.dataValidation if f"{_letter(column['整改状态'])}2" in str(v.sqref)]
    assert states and states[0].showErrorMessage and states[0].errorStyle == "stop"
    assert states[0].formula1 == '"' + ",".join(STATES) + '"'
    offices = workbook["机构"]
    rate = _header(offices)["符合率"]
    assert offices.cell(2, rate).number_format == "0.0%" and isinstance(offices.cell(2, rate).value, float)


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _fill(source, target, state="整改中", deadline=dt.date(2025, 12, 31)):
    workbook = load_workbook(source)
    sheet = workbook["县级"]
    column = _header(sheet)
    row = _row_of(sheet, COUNTY, RULE)
    sheet.cell(row, column["整改责任人"]).value = "张主任"
    sheet.cell(row, column["整改期限"]).value = deadline
    sheet.cell(row, column["整改状态"]).value = state
    sheet.cell(row, column["说明"]).value = "已与两家用人单位对接"
    workbook.save(target)
    return target, row


def test_a_filled_list_is_read_back_and_shown_beside_the_findings_of_the_next_audit(first_audit, tmp_path):
    filled, _ = _fill(first_audit / "findings.xlsx", tmp_path / "整改清单.xlsx")
    out = tmp_path / "second"
    assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store", "--rectification", str(filled)]) == 1
    page = (out / "offices" / f"{COUNTY}.html").read_text(encoding="utf-8")
    findings = page[page.index('<table class="findings'):]
    findings = findings[:findings.index("</table>")]
    assert "<th>整改情况（整改清单）</th>" in findings
    row = next(r for r in findings.split("<tr ")[1:] if f"#{RULE}" in r)
    assert "<strong>整改中</strong> · 张主任 · 期限 2025-12-31" in row and "已与两家用人单位对接" in row
    assert "清单中未填" in findings  # the findings the list says nothing about
    # carried into the new list, so the office continues where it left off
    sheet = load_workbook(out / "findings.xlsx")["县级"]
    column = _header(sheet)
    again = _row_of(sheet, COUNTY, RULE)
    assert sheet.cell(again, column["整改责任人"]).value == "张主任"
    assert sheet.cell(again, column["整改状态"]).value == "整改中"
    assert sheet.cell(again, column["整改期限"]).value.date() == dt.date(2025, 12, 31)


@pytest.mark.parametrize(("state", "deadline", "column", "value"), [
    ("done", dt.date(2025, 12, 31), "整改状态", "done"),
    ("整改中", "下个月", "整改期限", "下个月"),
])
def test_a_bad_value_in_the_list_stops_the_audit_naming_file_sheet_row_column_and_value(
        first_audit, tmp_path, capsys, state, deadline, column, value):
    filled, row = _fill(first_audit / "findings.xlsx", tmp_path / "整改清单.xlsx", state, deadline)
    assert main(["audit", str(SAMPLE), "--out", str(tmp_path / "out"), "--no-store",
                 "--rectification", str(filled)]) == 2
    err = capsys.readouterr().err
    assert "整改清单.xlsx「县级」" in err and f"row {row}" in err and f"column {column}" in err and repr(value) in err
    assert "Traceback" not in err and not (tmp_path / "out" / "index.html").exists()


def test_a_workbook_that_is_no_rectification_list_is_refused(tmp_path, capsys):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["姓名", "电话"])
    workbook.save(tmp_path / "other.xlsx")
    assert main(["audit", str(SAMPLE), "--out", str(tmp_path / "out"), "--no-store",
                 "--rectification", str(tmp_path / "other.xlsx")]) == 2
    assert "不是整改清单" in capsys.readouterr().err

"""Hostile packages, part 5: Excel realities. ID numbers stored as numbers, merged cells, formulas without a
saved value and very hidden sheets each get their own message; what westaudit writes into a workbook (the
findings, the template) holds no formula, no non-character and no personal number."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from hostile import OFFICES, VOLUNTEERS, VOLUNTEERS_HEADER, accounts, error_line, package, run

from westaudit.intake.filereader import _excel_scientific

HEADER = VOLUNTEERS_HEADER.strip().split(",")
ROWS = [line.split(",") for line in VOLUNTEERS.strip().split("\n")[1:]]


def workbook(edit) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "志愿者名册"
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    edit(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def validate(tmp_path, data: bytes, capsys):
    folder = package(tmp_path / "p", volunteers=data, volunteers_name="名册.xlsx")
    return run(["validate", str(folder)], capsys)


def test_excel_shows_a_number_it_cut_to_15_digits_in_scientific_form():
    assert _excel_scientific(620102200012077428.0) == "6.20102200012077E+17"
    assert _excel_scientific(1e15) == "1E+15"


def test_an_id_number_stored_as_a_number_is_reported_with_the_fix(tmp_path, capsys):
    def as_number(book, sheet):
        sheet["C3"] = 620102200109129108  # Excel keeps 15 digits: 620102200109129000 is what the file holds
    code, out, err = validate(tmp_path, workbook(as_number), capsys)
    assert code == 1, err
    assert accounts(out)["volunteers"] == (2, 2, 0, 1)  # the cell rejected, the row kept
    assert ("名册.xlsx#志愿者名册:3 列 column id_number 值 value '6.2*************E+17'：应为 expected 身份证号须存为文本："
            "Excel 把它存成了数字，后几位已丢失；把该列设为文本格式后重新填写 an ID number stored as text: Excel stored it "
            "as a number and lost its last digits; format the column as text and type the numbers again") in out


def test_an_id_number_saved_by_excel_into_csv_as_a_number_gets_the_same_fix(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace("620102200109129108", "6.20102E+17"))
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 1
    assert "身份证号须存为文本" in out and "18位身份证号" not in out


def test_merged_cells_have_their_own_message(tmp_path, capsys):
    def merge(book, sheet):
        sheet.merge_cells("D2:D3")
    code, out, err = validate(tmp_path, workbook(merge), capsys)
    assert code == 2
    assert error_line(err) == ('名册.xlsx#志愿者名册，单元格 cells D2:D3：合并单元格：每一行都要有自己的值，'
                               '请取消合并，并在每个单元格里填上值 / merged cells: every row needs its own '
                               'value; unmerge them and fill in each cell')


def test_a_formula_without_a_saved_value_has_its_own_message(tmp_path, capsys):
    def formula(book, sheet):
        sheet["B3"] = "=VLOOKUP(A3,Sheet2!A:B,2,FALSE)"  # openpyxl saves no cached value, as some tools do
    code, out, err = validate(tmp_path, workbook(formula), capsys)
    assert code == 2
    assert error_line(err) == ('名册.xlsx#志愿者名册，单元格 cell B3：公式没有保存计算结果（=VLOOKUP(A3,Sheet2!A:B,2,FALSE)）'
                               '：请用 Excel 或 WPS 打开工作簿后重新保存，或复制后“选择性粘贴 → 数值” / '
                               'a formula with no saved value (=VLOOKUP(A3,Sheet2!A:B,2,FALSE)): open the '
                               'workbook in Excel or WPS and save it again, or paste the values')


def test_a_formula_with_its_saved_value_is_read_as_that_value(tmp_path, capsys):
    data = workbook(lambda book, sheet: None)
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    cell = sheet_xml[sheet_xml.index('<c r="B3"'):]
    cell = cell[:cell.index("</c>") + 4]
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.replace(cell, '<c r="B3" t="str"><f>"李"&amp;"四"</f><v>李四</v></c>'
                                                          ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    code, out, err = validate(tmp_path, buffer.getvalue(), capsys)
    assert code == 0, err
    assert accounts(out)["volunteers"] == (2, 2, 0)


def test_a_very_hidden_sheet_has_its_own_message(tmp_path, capsys):
    def hide(book, sheet):
        other = book.create_sheet("培训记录")
        other.append(["培训编号"])
        other.sheet_state = "veryHidden"
    code, out, err = validate(tmp_path, workbook(hide), capsys)
    assert code == 2
    assert error_line(err) == ('名册.xlsx#培训记录：这是一张“深度隐藏”的工作表（在 Excel 中连“取消隐藏”都看不到）'
                               '：请删除它或让它显示出来，使审核的内容就是机构看到的内容 / a very hidden '
                               'sheet (not shown in Excel, not even under Unhide): delete it or make it '
                               'visible, so that what is audited is what the office sees')


def test_findings_xlsx_opens_with_a_non_character_in_an_office_name(tmp_path, capsys):
    folder = package(tmp_path / "p")
    (folder / "组织机构.csv").write_text(OFFICES.replace("榆中县项目办", "榆中县项目办\ufffe"), encoding="utf-8")
    code, out, err = run(["audit", str(folder), "--out", str(tmp_path / "out"), "--no-store"], capsys)
    assert code in (0, 1), err
    with zipfile.ZipFile(tmp_path / "out" / "findings.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert "榆中县项目办" in strings and "\ufffe" not in strings
    openpyxl.load_workbook(tmp_path / "out" / "findings.xlsx")  # opens


def test_the_template_writes_no_live_formula(tmp_path, capsys):
    out = tmp_path / "t" / "模板.xlsx"
    code, _, err = run(["template", "--office", "=cmd|' /C calc'!A0", "--year", "2025", "--level", "county",
                        "--name", "@SUM(1+1)", "--out", str(out)], capsys)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    texts = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert any("cmd|" in text for text in texts) and any("SUM(1+1)" in text for text in texts)
    assert [text for text in texts if text.startswith(("=", "+", "-", "@"))] == []
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)

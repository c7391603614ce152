"""`westaudit template`: the workbook an office fills in reads back, through openpyxl and LibreOffice, to
exactly the rows written, and a filled county template self-checks."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from westaudit.cli import main
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.intake.filereader import INSTRUCTIONS_SHEET
from westaudit.intake.orgchart import OFFICE_CODES_ZH, OrgChart
from westaudit.intake.package import load_package
from westaudit.intake.template_hierarchy import OfficeRow, hierarchy_from_package
from westaudit.intake.template_plan import plan_for_own_row, plan_from_hierarchy
from westaudit.reports.template_text import display_width

REPO = Path(__file__).resolve().parent.parent
FIXED_SAMPLE = REPO / "data_samples" / "west2025_fixed"
COUNTY = "GS-LZ-YZ"  # 榆中县: nothing is planted there, so its fixed rows pass every county duty
SOURCE_COLUMNS = ["_src_file", "_src_row"]


@pytest.fixture(scope="module")
def sample(ruleset):
    return load_package(FIXED_SAMPLE, ruleset.contract)


@pytest.fixture(scope="module")
def sample_hierarchy(ruleset):
    return hierarchy_from_package(FIXED_SAMPLE, ruleset.contract)


def _template(folder: Path, office: str, *options: str) -> Path:
    out = folder / f"{office}.xlsx"
    assert main(["template", "--office", office, "--year", "2025", "--out", str(out), *options]) == 0
    return out


@pytest.fixture(scope="module")
def county_template(tmp_path_factory) -> Path:
    """The county's template, pre-filled from the sample: written once, copied by each test that fills it."""
    return _template(tmp_path_factory.mktemp("county-template"), COUNTY, "--package", str(FIXED_SAMPLE))


def _copy_of(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template.parent / "manifest.yaml", folder)
    return Path(shutil.copy(template, folder))


def _columns_by_header(sheet, spec) -> list[str]:
    """The contract column under each header cell, matched by Chinese header or column name."""
    by_label = {label: name for name, column in spec.columns.items() for label in (name, column.zh)}
    return [by_label[cell.value] for cell in sheet[1]]


def _cell(column, value):
    """A typed value as an office types it: dates as dates, codes as their first Chinese label, 是/否."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.type == "enum":
        return column.values[value][0]
    if column.type == "bool":
        return "是" if value else "否"
    if column.type == "date":
        return value.date()
    if column.type == "datetime":
        return value.to_pydatetime()
    if column.type == "int":
        return int(value)
    if column.type == "float":
        return float(value)
    return value


def _fill(workbook_path: Path, rows: dict[str, list[dict]], contract, append_offices: bool = True) -> None:
    """Write rows (table -> list of {column: cell}) under the headers; offices rows go after the pre-filled ones."""
    workbook = openpyxl.load_workbook(workbook_path)
    for table, records in rows.items():
        sheet = workbook[contract[table].title_zh] if contract[table].title_zh in workbook.sheetnames \
            else workbook[table]
        columns = _columns_by_header(sheet, contract[table])
        start = sheet.max_row + 1 if (table == "offices" and append_offices) else 2
        for offset, record in enumerate(records):
            for index, name in enumerate(columns, start=1):
                sheet.cell(start + offset, index, record.get(name))
    workbook.save(workbook_path)


def _plain(series: pd.Series) -> list:
    return [None if pd.isna(value) else value for value in series]


# --------------------------------------------------------------------------------------------------------
# What a template holds
# --------------------------------------------------------------------------------------------------------


def test_county_template_has_a_sheet_for_every_table_its_and_its_units_duties_read(county_template, ruleset):
    workbook = openpyxl.load_workbook(county_template)
    assert workbook.sheetnames[0] == INSTRUCTIONS_SHEET
    titles = set(workbook.sheetnames[1:])
    read = {t for rule in ruleset.rules if rule.office in ("service_county", "service_unit")
            for t in rule.check.tables()}
    assert {ruleset.contract[t].title_zh for t in read | {"offices"}} == titles
    # what only the national office, provinces or universities keep is not the county's to fill in
    for table in ("insurance", "medical_exams", "extension_filings"):
        assert ruleset.contract[table].title_zh not in titles


@pytest.mark.parametrize("office", ["N", "GS", "BJ", "GS-LZ", COUNTY, "UNI-LZU", "GS-LZ-YZ-U1"])
def test_every_table_an_office_or_its_subtree_owns_rows_of_is_in_its_template(ruleset, sample, sample_hierarchy,
                                                                              office):
    subtree = OrgChart(sample.tables["offices"]).subtree(office)
    owned = {name for name, frame in sample.tables.items()
             if frame[ruleset.contract[name].owner_column].isin(subtree).any()}
    planned = set(plan_from_hierarchy(sample_hierarchy, office, 2025, ruleset).table_names())
    assert owned <= planned, owned - planned


def test_headers_carry_notes_drop_downs_formats_and_a_frozen_row(county_template, ruleset):
    out = county_template
    sheet = openpyxl.load_workbook(out)["志愿者名册"]
    spec = ruleset.contract["volunteers"]
    assert [cell.value for cell in sheet[1]] == [column.zh for column in spec.columns.values()]
    assert sheet.freeze_panes == "A2"
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(spec.columns, start=1)}
    note = sheet[f"{letter['status']}1"].comment.text
    for part in ("服务状态（status）", "类型：", "填写：必填列：不可留空", "取值：在岗", "示例：在岗"):
        assert part in note
    assert "选填列" in sheet[f"{letter['archive_created_on']}1"].comment.text
    assert "示例：V2025-0001" in sheet[f"{letter['volunteer_id']}1"].comment.text
    assert "表头也可写：service_start、到岗日期、上岗日期" in sheet[f"{letter['service_start']}1"].comment.text
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    status = validations[f"{letter['status']}2"]
    assert status.type == "list" and status.formula1 == '"在岗,延期,期满,提前离岗"'
    county = validations[f"{letter['county_id']}2"]
    assert county.type == "list" and county.formula1 == "'组织机构'!$A$2:$A$1048576"
    assert validations[f"{letter['service_start']}2"].type == "date"
    assert validations[f"{letter['cohort_year']}2"].type == "whole"
    assert sheet.column_dimensions[letter["service_start"]].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions[letter["volunteer_id"]].number_format == "@"
    assert sheet.column_dimensions[letter["name"]].width >= 10
    participants = openpyxl.load_workbook(out)["工作活动"].data_validations.dataValidation
    assert any(v.type == "whole" and v.formula1 == "0" for v in participants)


# the alert each kind of column's validation raises: a stop where the reader would reject the value whatever the
# office meant, a warning where the office may know better (an id added to its sheet later, an ID card in hand)
EXPECTED_ALERT = {"enum": "stop", "bool": "stop", "date": "stop", "datetime": "stop", "int": "stop",
                  "float": "stop", "office": "warning", "ref": "warning", "id_number": "warning"}


def _validations_by_column(sheet) -> dict[str, object]:
    return {str(v.sqref).split(":")[0].rstrip("0123456789"): v for v in sheet.data_validations.dataValidation}


def _assert_alerts_on(workbook, ruleset) -> int:
    """Every validation alerts, with the style its column's kind calls for; returns how many were checked."""
    checked = 0
    for sheet in workbook.worksheets[1:]:
        spec = next(spec for spec in ruleset.contract.values() if spec.title_zh == sheet.title)
        letters = {openpyxl.utils.get_column_letter(i): (name, column)
                   for i, (name, column) in enumerate(spec.columns.items(), start=1)}
        for letter, validation in _validations_by_column(sheet).items():
            name, column = letters[letter]
            assert validation.showErrorMessage, (sheet.title, name)
            assert validation.errorStyle == EXPECTED_ALERT[column.type], (sheet.title, name, validation.errorStyle)
            assert validation.error and validation.errorTitle, (sheet.title, name)
            checked += 1
    return checked


def _blank_required_ranges(sheet) -> set[str]:
    return {str(rng.sqref).split(":")[0] for rng in sheet.conditional_formatting
            if any(rule.type == "expression" and "LEN(TRIM(" in rule.formula[0] for rule in rng.rules)}


def test_every_validation_alerts_and_a_required_cell_left_blank_turns_red(county_template, ruleset):
    workbook = openpyxl.load_workbook(county_template)
    assert _assert_alerts_on(workbook, ruleset) > 100
    sheet, spec = workbook["志愿者名册"], ruleset.contract["volunteers"]
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(spec.columns, start=1)}
    required = {f"{letter[name]}2" for name, column in spec.columns.items()
                if column.required and (not column.nullable or name in spec.key)}
    assert _blank_required_ranges(sheet) == required
    assert f"{letter['status']}2" in required and f"{letter['phone']}2" not in required


def _notes(sheet) -> dict[str, str]:
    return {cell.value: cell.comment.text for cell in sheet[1]}


def test_notes_say_in_words_what_to_enter_with_an_example_of_the_right_kind(county_template, ruleset):
    workbook = openpyxl.load_workbook(county_template)
    levels = {row[0]: row[2] for row in workbook["组织机构"].iter_rows(min_row=2, values_only=True)}
    for spec in ruleset.contract.values():
        if spec.title_zh not in workbook.sheetnames:
            continue
        for column in spec.columns.values():
            note = _notes(workbook[spec.title_zh])[column.zh]
            assert f"{spec.title_zh}的{column.zh}" not in note  # the circular "volunteers' name" of before
            assert "内容：" in note and "示例：" in note
    volunteers = _notes(workbook["志愿者名册"])
    assert "内容：本人的姓名，与身份证上的一致" in volunteers["姓名"]
    assert "填写它在「组织机构」表中的机构编号" in volunteers["毕业高校编号"]
    # an example of the kind the column names: a university's id under 毕业高校编号, a unit's under 服务单位编号
    example = {header: note.rsplit("示例：", 1)[1] for header, note in volunteers.items()}
    assert levels[example["毕业高校编号"]] == "高校"
    assert levels[example["服务单位编号"]] == "服务单位"
    assert levels[example["服务县编号"]] == "县级"
    assert "「志愿者名册」表中那一行的志愿者编号" in _notes(workbook["补贴发放"])["志愿者编号"]


def test_without_a_hierarchy_a_university_example_says_what_to_add(tmp_path):
    out = _template(tmp_path, "0451", "--level", "county", "--name", "测试县项目办")
    note = _notes(openpyxl.load_workbook(out)["志愿者名册"])["毕业高校编号"]
    assert "示例：高校的机构编号（先在「组织机构」表为它补一行）" in note


def test_instructions_name_no_local_path_date_the_rule_set_and_rows_are_tall_enough(county_template, ruleset):
    sheet = openpyxl.load_workbook(county_template)[INSTRUCTIONS_SHEET]
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [text for text in texts if str(FIXED_SAMPLE) in text or str(REPO) in text]
    facts = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] and len(row) > 1}
    assert facts["组织机构来源"] == FIXED_SAMPLE.name
    assert facts["规则集版本"].startswith(f"{ruleset.version}（westaudit ")
    assert "参数取 2025年12月31日 的现行值" in facts["规则集版本"] and "模板生成于 20" in facts["规则集版本"]
    width = sheet.column_dimensions["C"].width  # the column of the long texts: steps and article texts
    for row in sheet.iter_rows(min_row=3):
        text = str(row[2].value or "")  # the facts (office, year, rule set) sit in A and B, unwrapped
        # a CJK character is two widths: the row holds as many 16-point lines as its text needs wrapped
        lines = -(-display_width(text) // width)
        if lines:
            assert sheet.row_dimensions[row[0].row].height >= 16 * lines, (row[0].row, text)
    step = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == "1.")
    assert sheet.row_dimensions[step[0].row].height >= 3 * 16  # about 70 characters in a 70-wide column


def test_instructions_list_the_duty_articles_and_the_sheets_they_are_checked_against(county_template, ruleset):
    rows = [row for row in openpyxl.load_workbook(county_template)[INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    duties = {row[1]: row for row in rows if row[0] == "服务县项目办" and isinstance(row[1], int)}
    county_articles = {number for (office, number) in ruleset.articles if office == "service_county"}
    assert set(duties) == county_articles
    assert duties[9][2] == ruleset.articles[("service_county", 9)].text
    assert duties[9][4] == "志愿者名册、就业落实"
    assert any("westaudit check" in str(cell) and COUNTY in str(cell) for row in rows for cell in row)


def test_pre_filled_offices_are_the_county_its_units_the_chain_above_and_the_offices_its_rows_name(
        county_template):
    rows = list(openpyxl.load_workbook(county_template)["组织机构"].iter_rows(min_row=2, values_only=True))
    ids = [row[0] for row in rows]
    assert ids[:2] == ["N", "GS"] and {"GS-LZ", COUNTY, "GS-LZ-YZ-U1", "GS-LZ-YZ-U2", "GS-LZ-YZ-U3"} <= set(ids)
    assert {"UNI-LZU", "UNI-BNU"} <= set(ids)  # its volunteers graduated there
    assert "GS-DX-LX" not in ids and "GS-LZ-GL" not in ids  # other counties are not its to know
    assert rows[ids.index(COUNTY)] == (COUNTY, "榆中县项目办", "县级", "GS-LZ", None, None)
    assert rows[ids.index("GS")][4:] == ("是", "是")


def test_without_a_hierarchy_only_the_office_own_row_is_pre_filled(tmp_path, ruleset):
    out = _template(tmp_path, "0451", "--level", "county", "--name", "测试县项目办")
    rows = list(openpyxl.load_workbook(out)["组织机构"].iter_rows(min_row=2, values_only=True))
    assert rows == [("0451", "测试县项目办", "县级", None, None, None)]
    manifest = yaml.safe_load((tmp_path / "manifest.yaml").read_text(encoding="utf-8"))
    assert (manifest["office_id"], manifest["year"]) == ("0451", 2025)
    package = load_package(tmp_path, ruleset.contract)  # the unfilled template is already a package
    assert package.tables["offices"]["office_id"].tolist() == ["0451"] and not package.rejected


def test_province_template_follows_what_it_recruits_and_serves(ruleset, sample_hierarchy):
    recruit_only = plan_from_hierarchy(sample_hierarchy, "BJ", 2025, ruleset)
    serving = plan_from_hierarchy(sample_hierarchy, "GS", 2025, ruleset)
    assert recruit_only.roles == ("recruit_province",) and recruit_only.roles_below == ("university",)
    assert "medical_exams" in recruit_only.table_names() and "subsidies" not in recruit_only.table_names()
    assert {"medical_exams", "subsidies", "extension_filings"} <= set(serving.table_names())
    assert "insurance" not in serving.table_names()  # the national office arranges insurance


@pytest.mark.parametrize("label, level, recruits, serves", [
    ("全国 national", "national", None, None),
    ("省级，招募且服务 province, recruits and serves", "province", True, True),
    ("省级，只招募 province, recruits only", "province", True, False),
    ("省级，只服务 province, serves only", "province", False, True),
    ("地市 prefecture", "prefecture", None, None),
    ("县级 county", "county", None, None),
    ("高校 university", "university", None, None),
    ("服务单位 unit", "unit", None, None),
])
def test_templates_doc_table_matches_the_rules(ruleset, label, level, recruits, serves):
    plan = plan_for_own_row(OfficeRow("X", "", level, None, recruits, serves), 2025, ruleset)
    left_out = "、".join(spec.title_zh for name, spec in ruleset.contract.items() if name not in plan.table_names())
    row = (f"| {label} | {'、'.join(OFFICE_CODES_ZH[r] for r in plan.roles)} | "
           f"{'、'.join(OFFICE_CODES_ZH[r] for r in plan.roles_below) or '—'} | {len(plan.sheets)} | {left_out or '—'} |")
    assert row in (REPO / "docs" / "templates.md").read_text(encoding="utf-8").splitlines()


def test_an_offices_file_pre_fills_the_chain_and_the_subtree(tmp_path):
    out = _template(tmp_path, COUNTY, "--offices", str(FIXED_SAMPLE / "组织机构.csv"))
    ids = [row[0] for row in openpyxl.load_workbook(out)["组织机构"].iter_rows(min_row=2, values_only=True)]
    # an offices file has no rows naming other offices: the universities are the county's to add
    assert ids == ["N", "GS", "GS-LZ", COUNTY, "GS-LZ-YZ-U1", "GS-LZ-YZ-U2", "GS-LZ-YZ-U3"]


# --------------------------------------------------------------------------------------------------------
# Round trip: what an office writes is what the reader reads
# --------------------------------------------------------------------------------------------------------

HANDWRITTEN = {
    "offices": [
        {"office_id": "0451-01", "name": "测试县第一中学", "level": "服务单位", "parent_id": "0451"},
        {"office_id": "00U1", "name": "测试大学项目办", "level": "高校"},
    ],
    "volunteers": [
        {"volunteer_id": "007", "name": "张三", "id_number": "11010519491231002X", "university_id": "00U1",
         "county_id": "0451", "unit_id": "0451-01", "cohort_year": 2025, "service_start": dt.date(2025, 7, 15),
         "service_end": "2026年7月14日", "status": "在岗", "archive_created_on": "2025/7/20", "housing_free": "是"},
        {"volunteer_id": "0008", "name": "阿依古丽·买买提", "phone": "13800138000", "university_id": "00U1",
         "county_id": "0451", "unit_id": "0451-01", "cohort_year": 2024, "service_start": "2024-07-01",
         "service_end": dt.date(2025, 6, 30), "status": "服务期满", "staff_managed": "否"},
    ],
    "subsidies": [
        {"payment_id": "0001", "volunteer_id": "007", "county_id": "0451", "subsidy_type": "生活补贴",
         "month": dt.date(2025, 8, 1), "amount": 1200.5},
    ],
    "incidents": [
        {"incident_id": "E-01", "volunteer_id": "0008", "unit_id": "0451-01", "county_id": "0451",
         "occurred_at": dt.datetime(2025, 3, 31, 14, 30), "severity": "严重", "description": "交通事故，轻伤"},
    ],
}


def _handwritten_template(folder: Path, ruleset, *options: str) -> Path:
    out = _template(folder, "0451", "--level", "county", "--name", "测试县项目办", *options)
    _fill(out, HANDWRITTEN, ruleset.contract)
    return out


def _assert_handwritten_rows(package) -> None:
    assert not package.rejected, package.rejected
    offices = package.tables["offices"]
    assert offices["office_id"].tolist() == ["0451", "0451-01", "00U1"]
    assert _plain(offices["parent_id"]) == [None, "0451", None]
    volunteers = package.tables["volunteers"]
    assert volunteers["volunteer_id"].tolist() == ["007", "0008"]
    assert volunteers["name"].tolist() == ["张三", "阿依古丽·买买提"]
    assert _plain(volunteers["id_number"]) == ["11010519491231002X", None]
    assert _plain(volunteers["phone"]) == [None, "13800138000"]
    assert volunteers["cohort_year"].tolist() == [2025, 2024]
    assert volunteers["service_start"].tolist() == [pd.Timestamp(2025, 7, 15), pd.Timestamp(2024, 7, 1)]
    assert volunteers["service_end"].tolist() == [pd.Timestamp(2026, 7, 14), pd.Timestamp(2025, 6, 30)]
    assert volunteers["status"].tolist() == ["serving", "completed"]
    assert _plain(volunteers["archive_created_on"]) == [pd.Timestamp(2025, 7, 20), None]
    assert _plain(volunteers["housing_free"]) == [True, None]
    assert _plain(volunteers["staff_managed"]) == [None, False]
    assert _plain(volunteers["registered_on"]) == [None, None]
    subsidy = package.tables["subsidies"].iloc[0]
    assert (subsidy["payment_id"], subsidy["subsidy_type"], subsidy["amount"]) == ("0001", "living", 1200.5)
    assert subsidy["month"] == pd.Timestamp(2025, 8, 1) and pd.isna(subsidy["paid_on"])
    incident = package.tables["incidents"].iloc[0]
    assert incident["occurred_at"] == pd.Timestamp(2025, 3, 31, 14, 30)
    # the reader folds full-width forms by design (NFKC: ，to ,), the Chinese characters themselves stay
    assert (incident["severity"], incident["description"]) == ("serious", "交通事故,轻伤")
    assert package.tables["documents"].empty  # a sheet left with its header only: no rows this year


def test_a_filled_template_reads_back_exactly_the_rows_written(tmp_path, ruleset):
    _handwritten_template(tmp_path, ruleset)
    _assert_handwritten_rows(load_package(tmp_path, ruleset.contract))


def test_an_english_template_reads_back_too(tmp_path, ruleset):
    out = _template(tmp_path, "0451", "--level", "county", "--name", "测试县项目办", "--lang", "en")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[:3] == [INSTRUCTIONS_SHEET, "offices", "volunteers"]
    assert [cell.value for cell in workbook["offices"][2]][:3] == ["0451", "测试县项目办", "county"]
    _fill(out, {"offices": [{"office_id": "0451-01", "name": "一中", "level": "unit", "parent_id": "0451"}],
                "volunteers": [{"volunteer_id": "007", "name": "张三", "county_id": "0451", "unit_id": "0451-01",
                                "cohort_year": 2025, "service_start": dt.date(2025, 7, 15),
                                "service_end": dt.date(2026, 7, 14), "status": "extended", "housing_free": "no"}]},
          ruleset.contract)
    package = load_package(tmp_path, ruleset.contract)
    assert not package.rejected
    volunteer = package.tables["volunteers"].iloc[0]
    assert (volunteer["volunteer_id"], volunteer["status"], volunteer["housing_free"]) == ("007", "extended", False)


def _county_rows(sample, contract) -> dict[str, pd.DataFrame]:
    """The county's own rows of the sample, as its package would hold them: rows its subtree owns, less any
    pointing at rows it does not hold (engine/generate/county.py cuts a generated county the same way)."""
    subtree = OrgChart(sample.tables["offices"]).subtree(COUNTY)
    kept = {name: frame[frame[contract[name].owner_column].isin(subtree)].reset_index(drop=True)
            for name, frame in sample.tables.items() if name != "offices"}
    for name in ("volunteers", "incidents", *kept):  # targets first, so a cut target cuts its referrers
        for column_name, column in contract[name].columns.items():
            target, _, key = (column.ref or "").partition(".")
            if column.type == "ref" and target in kept:
                frame = kept[name]
                kept[name] = frame[frame[column_name].isin(kept[target][key])].reset_index(drop=True)
    return kept


def _filled_county(template: Path, folder: Path, sample, ruleset, change=None) -> dict[str, pd.DataFrame]:
    out = _copy_of(template, folder)
    sheets = {use for use in openpyxl.load_workbook(out, read_only=True).sheetnames}
    rows = {name: frame for name, frame in _county_rows(sample, ruleset.contract).items()
            if ruleset.contract[name].title_zh in sheets}
    if change:
        change(rows)
    _fill(out, {name: [{column: _cell(ruleset.contract[name].columns[column], value)
                        for column, value in record.items() if column in ruleset.contract[name].columns}
                       for record in frame.to_dict("records")] for name, frame in rows.items()}, ruleset.contract)
    return rows


def test_a_county_filled_with_its_sample_rows_reads_back_to_those_rows(county_template, tmp_path, ruleset, sample):
    written = _filled_county(county_template, tmp_path, sample, ruleset)
    package = load_package(tmp_path, ruleset.contract)
    assert not package.rejected
    assert sum(len(frame) for frame in written.values()) > 200  # realistic content, not a token row
    assert all(len(written[t]) for t in ("volunteers", "subsidies", "agreements", "trainings", "grievances"))
    for name, frame in written.items():
        read = package.tables[name].drop(columns=SOURCE_COLUMNS)
        pd.testing.assert_frame_equal(read, frame.drop(columns=SOURCE_COLUMNS).reset_index(drop=True), obj=name)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui to run the office-suite round trip")
def test_a_filled_template_saved_by_libreoffice_reads_back_the_same(county_template, tmp_path, ruleset, sample):
    handwritten, county = tmp_path / "handwritten", tmp_path / "county"
    _handwritten_template(handwritten, ruleset)
    _filled_county(county_template, county, sample, ruleset)
    saved = tmp_path / "saved"
    workbooks = [next(folder.glob("*.xlsx")) for folder in (handwritten, county)]  # distinct file names
    # one office-suite start for both; a private profile so parallel runs never share LibreOffice's lock
    subprocess.run([_soffice(), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(saved), *map(str, workbooks)],
                   check=True, capture_output=True, timeout=300)
    for workbook in workbooks:
        target = saved / workbook.parent.name
        target.mkdir()
        shutil.copy(workbook.parent / "manifest.yaml", target)
        (saved / workbook.name).rename(target / workbook.name)
    _assert_handwritten_rows(load_package(saved / "handwritten", ruleset.contract))
    by_openpyxl = load_package(county, ruleset.contract)
    by_libreoffice = load_package(saved / "county", ruleset.contract)
    assert not by_libreoffice.rejected
    assert by_libreoffice.tables.keys() == by_openpyxl.tables.keys()
    for name, frame in by_openpyxl.tables.items():
        pd.testing.assert_frame_equal(by_libreoffice.tables[name], frame, obj=name)


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui to check the validations survive an office suite")
def test_validations_conditional_formats_and_row_heights_survive_a_libreoffice_save(county_template, tmp_path,
                                                                                    ruleset):
    saved = tmp_path / "saved"
    subprocess.run([_soffice(), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(saved), str(county_template)],
                   check=True, capture_output=True, timeout=300)
    original = openpyxl.load_workbook(county_template)
    workbook = openpyxl.load_workbook(saved / county_template.name)
    assert _assert_alerts_on(workbook, ruleset) == _assert_alerts_on(original, ruleset)
    sheet, spec = workbook["志愿者名册"], ruleset.contract["volunteers"]
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(spec.columns, start=1)}
    validations = _validations_by_column(sheet)
    assert validations[letter["status"]].formula1 == '"在岗,延期,期满,提前离岗"'
    assert validations[letter["housing_free"]].formula1 == '"是,否"'
    assert validations[letter["county_id"]].formula1.lstrip("'").startswith("组织机构'!$A$2:$A$") or \
        validations[letter["county_id"]].formula1.startswith("组织机构!$A$2:$A$")
    service_start = validations[letter["service_start"]]
    assert (service_start.type, service_start.formula1, service_start.formula2) == \
        ("date", "DATE(2003,1,1)", "DATE(2100,12,31)")
    assert validations[letter["id_number"]].formula1 == "18"
    # LibreOffice keeps a validation's range only down to row 1,001 (see docs/templates.md), its formats whole
    assert all(str(v.sqref).endswith(("1001", "1048576")) for v in sheet.data_validations.dataValidation)
    for title in original.sheetnames[1:]:
        assert _blank_required_ranges(workbook[title]) == _blank_required_ranges(original[title]), title
        assert _blank_required_ranges(workbook[title]), title  # every sheet has a required column
    instructions, before = workbook[INSTRUCTIONS_SHEET], original[INSTRUCTIONS_SHEET]
    stored = [row for row in range(3, before.max_row + 1) if before.row_dimensions[row].height]
    assert len(stored) > 20
    for row in stored:  # LibreOffice keeps the stored heights (in its own rounding)
        assert instructions.row_dimensions[row].height >= before.row_dimensions[row].height - 1, row


# --------------------------------------------------------------------------------------------------------
# A filled template self-checks
# --------------------------------------------------------------------------------------------------------


def test_a_filled_county_template_passes_its_self_check(county_template, tmp_path, ruleset, sample):
    _filled_county(county_template, tmp_path, sample, ruleset)
    assert main(["check", str(tmp_path), "--office", COUNTY]) == 0
    report = run_audit(load_package(tmp_path, ruleset.contract), ruleset, subtree_of=COUNTY)
    county_rules = {rule.id for rule in ruleset.rules if rule.office == "service_county"}
    assert {result.rule_id for result in report.results if result.office_id == COUNTY} == county_rules
    # the county's service units are judged with it (the self-check covers the county's subtree)
    unit_rules = {rule.id for rule in ruleset.rules if rule.office == "service_unit"}
    units = {r.office_id for r in report.results if r.office_id != COUNTY}
    assert units and {r.rule_id for r in report.results if r.office_id in units} == unit_rules
    assert not [r for r in report.results if r.verdict in (Status.FAIL, Status.INSUFFICIENT_DATA)]


def test_a_late_grievance_answer_fails_exactly_the_grievance_duty(county_template, tmp_path, ruleset, sample,
                                                                  capsys):
    def answer_one_late(rows: dict[str, pd.DataFrame]) -> None:
        grievances = rows["grievances"]
        county_rows = grievances.index[grievances["office_id"] == COUNTY]
        assert len(county_rows), "the sample county needs a grievance of its own for this test"
        late = grievances.loc[county_rows[0], "received_on"] + pd.Timedelta(days=200)
        grievances.loc[county_rows[0], "answered_on"] = late

    _filled_county(county_template, tmp_path, sample, ruleset, change=answer_one_late)
    # the 15-day limit is a westaudit default: the late answer is a warning (exit 1 only with --fail-on warning)
    assert main(["check", str(tmp_path), "--office", COUNTY, "--fail-on", "warning"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert not [line for line in lines if line.strip().startswith("✗")]
    failed = [line for line in lines if line.strip().startswith("! 提示·默认口径")]
    assert len(failed) == 1 and "service_county-12 " in failed[0]


# --------------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------------


def test_refusals_name_the_problem(tmp_path, capsys):
    out = str(tmp_path / "t" / "x.xlsx")
    offices = str(FIXED_SAMPLE / "组织机构.csv")
    assert main(["template", "--office", "NOPE", "--year", "2025", "--out", out, "--offices", offices]) == 2
    assert "'NOPE' is not in the offices" in capsys.readouterr().err
    assert main(["template", "--office", "X", "--year", "2025", "--out", out]) == 2
    assert "--level" in capsys.readouterr().err
    assert main(["template", "--office", "P", "--year", "2025", "--out", out, "--level", "province"]) == 2
    assert "--recruits" in capsys.readouterr().err
    assert main(["template", "--office", "X", "--year", "1990", "--out", out, "--level", "county"]) == 2
    assert "year" in capsys.readouterr().err
    assert main(["template", "--office", "X", "--year", "2025", "--out", out, "--level", "county"]) == 0
    assert main(["template", "--office", "X", "--year", "2025", "--out", out, "--level", "county"]) == 2
    assert "exists" in capsys.readouterr().err  # a filled-in workbook is never written over
    Path(out).unlink()
    assert main(["template", "--office", "Y", "--year", "2025", "--out", out, "--level", "county"]) == 2
    assert "is for office 'X'" in capsys.readouterr().err
    assert main(["template", "--office", "X", "--year", "2025", "--out", out, "--level", "county"]) == 0
    (tmp_path / "t" / "other.csv").write_text("a\n1\n", encoding="utf-8")
    assert main(["template", "--office", "X", "--year", "2025", "--out", str(tmp_path / "t" / "x2.xlsx"),
                 "--level", "county"]) == 2
    assert "other.csv" in capsys.readouterr().err
    assert main(["template", "--office", "X", "--year", "2025", "--out", str(tmp_path / "x.csv"),
                 "--level", "county"]) == 2


def test_an_unusable_offices_file_is_refused_in_chinese_then_english(tmp_path, capsys):
    out = str(tmp_path / "t" / "x.xlsx")

    def refused(offices: Path) -> str:
        assert main(["template", "--office", COUNTY, "--year", "2025", "--out", out, "--offices", str(offices)]) == 2
        return capsys.readouterr().err

    err = refused(tmp_path / "absent.csv")
    assert "组织机构文件不存在：请核对 --offices 给出的路径 / offices file does not exist" in err
    (tmp_path / "offices.txt").write_text("x", encoding="utf-8")
    assert "组织机构文件须为 .csv 或 .xlsx 文件" in refused(tmp_path / "offices.txt")
    header = (FIXED_SAMPLE / "组织机构.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (tmp_path / "empty.csv").write_text(header + "\n", encoding="utf-8")
    assert "「组织机构」表没有数据行" in refused(tmp_path / "empty.csv")
    (tmp_path / "bad.csv").write_text(header + "\nGS,甘肃省项目办,星球,N,是,是\n", encoding="utf-8")
    err = refused(tmp_path / "bad.csv")
    assert "「组织机构」表的行被拒收：应为" in err and "「层级」列 column level" in err and "offices row rejected" in err
    assert "Traceback" not in err

"""The 填报须知 sheet of a template: who fills it in, how, how to self-check and send it, and the office's
duty articles with the sheets each is checked against. The reader skips this sheet (filereader)."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from westaudit.core.offices import OFFICE_CODES_ZH
from westaudit.intake.template_plan import TemplatePlan

from .messages import LEVEL, OFFICE_CODES_EN
from .safety import neutralise
from .template_text import display_width

_WIDTHS = {"A": 22, "B": 10, "C": 70, "D": 34, "E": 34}
_HEADING = Font(bold=True, size=12)
_LINE_HEIGHT = 16  # points per line of 11-point CJK text
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


def _role_label(role: str, lang: str) -> str:
    return OFFICE_CODES_ZH[role] if lang == "zh" else OFFICE_CODES_EN[role]


def _steps(plan: TemplatePlan, titles: dict[str, str], lang: str) -> list[str]:
    offices = titles["offices"]
    office_id = plan.office.office_id
    source = source_label(plan.hierarchy_source)
    if lang == "zh":
        prefill = (f"「{offices}」表已按 {source} 预填本机构、上级机构、下属机构及本机构数据中出现的机构，请核对；"
                   "新增的下属机构接着往下填。" if source else
                   f"未提供上级的组织机构数据，「{offices}」表只预填了本机构一行：请补全机构名称，"
                   "并补充上级机构（上级机构编号须是本表中的一行）、下属机构，以及数据中引用的其他机构。")
        return [
            "除本页外，每张工作表是一张数据表。第一行是表头：不要改动表头文字，不要在表头上方插入行；"
            "列的顺序可以调整，灰色表头的选填列不用时可整列删除。",
            "从第二行起每行填一条记录；不要合并单元格，不要加合计行、备注行或空白标题行。"
            "鼠标停在表头上可看该列的含义、类型、是否必填和示例。",
            "橙色表头的列不可留空；蓝色表头的列没有数据时可留空。",
            "日期按 2025-03-31 填写（也接受 2025/3/31、2025年3月31日）；编号类列已设为文本格式，前导零会保留。",
            "带下拉箭头的列请从列表中选择；机构编号须是「" + offices + "」表中的编号，"
            "引用其他机构（如志愿者的毕业高校）前先在该表补一行。",
            prefill,
            "某张表本年度没有记录时，保留表头不填数据（视为本年度没有此类记录，相关职责可能判为不符合）；"
            "删除整张工作表则依赖它的职责判为“数据不足”。",
            "用 Excel、WPS 或 LibreOffice 保存为 .xlsx（不要另存为 .xls 或 .csv），"
            "与同一文件夹中的 manifest.yaml 放在一起；该文件夹不要再放其他表格文件。",
            f"自查：westaudit check 文件夹 --office {office_id}；只核对格式：westaudit validate 文件夹。"
            "被拒收的行会列出文件、行号、列和原因，改正后再查。",
            "报送：自查无误后，把整个文件夹（本工作簿和 manifest.yaml）报送上级项目办。",
        ]
    prefill = (f"The {offices} sheet is pre-filled from {source}: this office, the offices above and below it and "
               "the offices its rows name. Check them; add new offices below." if source else
               f"No hierarchy was given, so the {offices} sheet holds only this office's row: fill in its name, "
               "add the office above it (parent ids must be rows of the sheet), the offices below it and any "
               "office your rows name.")
    return [
        "Every sheet but this one is a table. Row 1 is the header: do not edit it or insert rows above it; "
        "columns may be reordered, and optional columns (grey headers) may be deleted.",
        "One record per row from row 2; no merged cells, totals, remarks or blank title rows. "
        "Hover over a header for the column's meaning, type, whether it is required, and an example.",
        "Orange headers: no blank cells. Blue headers: a cell may be blank.",
        "Dates as 2025-03-31 (2025/3/31 and 2025年3月31日 are accepted too); id columns are text, so leading "
        "zeros stay.",
        f"Pick from the drop-down lists; office ids must be rows of the {offices} sheet.",
        prefill,
        "A table with nothing to report this year keeps its header and no rows; a deleted sheet makes the "
        "duties that read it 'insufficient data'.",
        "Save as .xlsx (not .xls or .csv) next to manifest.yaml, in a folder holding no other spreadsheets.",
        f"Self-check: westaudit check FOLDER --office {office_id}; format only: westaudit validate FOLDER.",
        "Send the whole folder (this workbook and manifest.yaml) to the office above.",
    ]


def source_label(source: str | None) -> str | None:
    """The hierarchy's folder or file by its name only: a path on the machine that wrote the template says
    nothing to the office and tells strangers how that machine is laid out."""
    return PurePath(source).name or source if source else None


def ruleset_label(plan: TemplatePlan, lang: str) -> str:
    """The rule-set version with its dates: the thresholds in force at the parameter date (31 December of the
    audit year, as `check` takes them) and the day the template was written, in China Standard Time."""
    try:
        release = version("westaudit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        release = "?"
    written = dt.datetime.now(CHINA_TIME).date()
    if lang == "zh":
        return (f"{plan.ruleset_version}（westaudit {release} 所带规则；参数取 {plan.year}年12月31日 的现行值；"
                f"模板生成于 {written.year}年{written.month}月{written.day}日）")
    return (f"{plan.ruleset_version} (the rules of westaudit {release}; thresholds in force on 31 December "
            f"{plan.year}; template written on {written.isoformat()})")


def _facts(plan: TemplatePlan, lang: str) -> list[tuple[str, str]]:
    zh = lang == "zh"
    office = plan.office  # names come from another office's package: never let one run as a formula
    roles = ("、" if zh else ", ").join(_role_label(role, lang) for role in plan.roles)
    below = ("、" if zh else ", ").join(_role_label(role, lang) for role in plan.roles_below) or "—"
    return [("机构编号" if zh else "office id", office.office_id),
            ("机构名称" if zh else "name", neutralise(office.name) or "—"),
            ("层级" if zh else "level", LEVEL[lang].get(office.level, office.level)),
            ("职责角色" if zh else "duty roles", roles),
            ("下属机构角色" if zh else "roles below", below),
            ("审计年度" if zh else "audit year", str(plan.year)),
            ("组织机构来源" if zh else "hierarchy from",
             neutralise(source_label(plan.hierarchy_source)) or ("未提供" if zh else "not given")),
            ("规则集版本" if zh else "rule-set version", ruleset_label(plan, lang))]


def _table_header(sheet: Worksheet, cells: list[str]) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")


def write_instructions(sheet: Worksheet, plan: TemplatePlan, titles: dict[str, str], lang: str) -> None:
    zh = lang == "zh"
    sep = "、" if zh else ", "
    office = plan.office
    sheet.append([neutralise(f"西部计划 {plan.year} 年度数据报送模板 · {office.name or office.office_id}"
                             f"（{office.office_id}）" if zh else f"West Plan {plan.year} submission template · "
                             f"{office.name or office.office_id} ({office.office_id})")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    # label and value in A and B, where the workspace reads the office and year back (engine/workspace/staging.py);
    # the value is not wrapped, so it runs on over the empty cells beside it rather than down a narrow column
    facts = range(sheet.max_row + 1, sheet.max_row + 1 + len(_facts(plan, lang)))
    for label, value in _facts(plan, lang):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["填报方法" if zh else "How to fill in and send"])
    sheet.cell(sheet.max_row, 1).font = _HEADING
    for number, step in enumerate(_steps(plan, titles, lang), start=1):
        sheet.append([f"{number}.", None, step])
    sheet.append([])
    sheet.append(["本机构的职责条款及核对的工作表" if zh else "This office's duty articles and the sheets they are checked against"])
    sheet.cell(sheet.max_row, 1).font = _HEADING
    _table_header(sheet, ["职责主体" if zh else "office", "条款" if zh else "article", "条文" if zh else "text",
                          "核对规则" if zh else "rules", "核对的工作表" if zh else "sheets"])
    for duty in plan.duties:
        sheets = sep.join(titles[t] for t in duty.tables if t in titles) or ("（无自动核对）" if zh else "(not checked)")
        sheet.append([_role_label(duty.role, lang), duty.number, duty.text, sep.join(duty.rule_ids), sheets])
    sheet.append([])
    sheet.append(["工作表一览" if zh else "The sheets"])
    sheet.cell(sheet.max_row, 1).font = _HEADING
    _table_header(sheet, ["工作表" if zh else "sheet", "", "内容" if zh else "what it holds",
                          "本机构职责用到" if zh else "read by this office's duties",
                          "下属机构职责用到" if zh else "read by duties below"])
    for use in plan.sheets:
        sheet.append([titles[use.table.name], None, use.table.description_zh or use.table.title_zh,
                      sep.join(_role_label(r, lang) for r in use.own_roles) or "—",
                      sep.join(_role_label(r, lang) for r in use.roles_below) or "—"])
    for letter, width in _WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=3):
        if row[0].row in facts:
            continue
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row[0].row].height = _row_height(row)


def _row_height(row) -> float:
    """Tall enough for the longest wrapped cell: LibreOffice and WPS keep a row at its stored height, so a row
    left to grow by itself reads cut mid-sentence there."""
    lines = 1
    for cell in row:
        if isinstance(cell.value, str) and cell.value:
            width = max(_WIDTHS.get(cell.column_letter, 10) - 2, 4)
            lines = max(lines, sum(max(1, -(-display_width(part) // width)) for part in cell.value.split("\n")))
    return _LINE_HEIGHT * lines + 4

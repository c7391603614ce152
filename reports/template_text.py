"""The words of a template workbook (Chinese first, English with --lang en): headers, header notes, examples.

Headers, sheet titles and drop-down labels are spellings the reader accepts (the contract's Chinese header
and first Chinese spelling of each code; in English the column names and codes), so what an office picks
from a list always reads back.
"""

from __future__ import annotations

import unicodedata

from westaudit.intake.template_plan import TemplatePlan
from westaudit.spec.tables import ColumnSpec, TableSpec

_TYPE = {
    "zh": {"string": "文本", "int": "整数", "float": "数字", "date": "日期", "datetime": "日期时间", "bool": "是/否",
           "enum": "从下拉列表选择", "id_number": "18 位身份证号码", "office": "机构编号", "ref": "编号引用"},
    "en": {"string": "text", "int": "whole number", "float": "number", "date": "date", "datetime": "date and time",
           "bool": "yes/no", "enum": "pick from the list", "id_number": "18-character resident ID number",
           "office": "office id", "ref": "reference to another sheet"},
}
BOOL_LABELS = {"zh": ("是", "否"), "en": ("yes", "no")}
# GB 11643's own example number: well formed, check character right, nobody's
_EXAMPLE_ID_NUMBER = "11010519491231002X"
_EXAMPLE_PHONE = "13800138000"


def display_width(text: str) -> int:
    """Width in Latin characters, which is how office suites count a column's width: CJK counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def sheet_title(spec: TableSpec, lang: str) -> str:
    return spec.title_zh if lang == "zh" else spec.name


def header_label(name: str, column: ColumnSpec, lang: str) -> str:
    return column.zh if lang == "zh" else name


def enum_labels(column: ColumnSpec, lang: str) -> list[str]:
    """One label per code: its first Chinese spelling (the code where it has none), or the code in English."""
    if lang == "en":
        return list(column.values or {})
    return [spellings[0] if spellings else code for code, spellings in (column.values or {}).items()]


def value_label(column: ColumnSpec, value: object, lang: str) -> object:
    """A pre-filled value as the office would type it: enum codes and yes/no as labels."""
    if value is None:
        return None
    if column.type == "bool":
        return BOOL_LABELS[lang][0 if value else 1]
    if column.type == "enum":
        return dict(zip(column.values or {}, enum_labels(column, lang), strict=True)).get(value, value)
    return value


# which office an office-id column names, from the office filling the template in: one of a level, the office
# above it, or one below it; any other column names the office itself (the one that made or keeps the record)
_OFFICE_LEVEL = {"university_id": "university", "county_id": "county", "unit_id": "unit", "from_unit_id": "unit",
                 "to_unit_id": "unit", "province_id": "province"}
_OFFICE_ABOVE = {"parent_id", "approved_by", "allocator_id", "assigned_by", "submitted_to", "to_office_id"}
_OFFICE_BELOW = {"subject_id", "target_office_id"}
_LEVEL_WORDS = {"zh": {"university": "高校", "county": "服务县", "unit": "服务单位", "province": "服务省"},
                "en": {"university": "university", "county": "county", "unit": "service unit",
                       "province": "province"}}


def _office_example(name: str, plan: TemplatePlan, lang: str) -> str:
    """An office id of the kind the column names: a university column's example is a university's id."""
    office, offices = plan.office, plan.offices
    if name in _OFFICE_LEVEL:
        level = _OFFICE_LEVEL[name]
        found = office if office.level == level else next((o for o in offices if o.level == level), None)
        if found is None:  # not in the pre-filled hierarchy: say what kind of id, in words
            word = _LEVEL_WORDS[lang][level]
            return (f"{word}的机构编号（先在「组织机构」表为它补一行）" if lang == "zh"
                    else f"the {word}'s office id (add its row to the offices sheet first)")
        return found.office_id
    if name in _OFFICE_ABOVE:
        return office.parent_id or ("上级机构的编号" if lang == "zh" else "the office above's id")
    if name in _OFFICE_BELOW:
        below = next((o for o in offices if o.parent_id == office.office_id), None)
        return below.office_id if below else ("下属机构的编号" if lang == "zh" else "an office below's id")
    return office.office_id


def example(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec], plan: TemplatePlan,
            lang: str) -> str:
    """The contract's example, else one made from the type, the audit year and the office's hierarchy."""
    year = plan.year
    if column.example:
        return column.example
    if column.type in ("date", "datetime"):
        return f"{year}-03-31" + (" 14:30" if column.type == "datetime" else "")
    if column.type == "int":
        return str(year) if name == "year" or name.endswith("_year") else str(int(column.min or 0) + 10)
    if column.type == "float":
        return f"{(column.min or 0) + 1200.5:.2f}"
    if column.type in ("bool", "enum"):
        return (BOOL_LABELS[lang] if column.type == "bool" else enum_labels(column, lang))[0]
    if column.type == "office":
        return _office_example(name, plan, lang)
    if column.type == "id_number":
        return _EXAMPLE_ID_NUMBER
    if column.type == "ref":
        table, _, target = (column.ref or "").partition(".")
        return example(contract[table], target, contract[table].columns[target], contract, plan, lang)
    if column.pii == "phone":
        return _EXAMPLE_PHONE
    if name in spec.key:
        return f"{year}-0001"
    return "（自由填写）" if lang == "zh" else "(free text)"


def _subject(header: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if header.endswith(suffix) and len(header) > len(suffix):
            return header[: -len(suffix)]
    return header


def meaning(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec], lang: str) -> str:
    """What to type in the column, in words: the contract's description, else a sentence from the column's
    type and role (never "the volunteers table's name")."""
    zh = lang == "zh"
    if zh and column.description_zh:
        return column.description_zh
    header = column.zh
    offices = sheet_title(contract["offices"], lang)
    if column.type == "office":
        who = _subject(header, "编号")
        return (f"{who}是哪个机构：填写它在「{offices}」表中的机构编号，不填机构名称" if zh
                else f"which office is the {name.removesuffix('_id').replace('_', ' ')}: its office id as listed "
                     f"on the {offices} sheet, not its name")
    if column.type == "ref":
        table, _, target = (column.ref or "").partition(".")
        target_sheet, target_label = sheet_title(contract[table], lang), header_label(target, contract[table].columns[target], lang)
        return (f"本行记录涉及的是哪一条：填写「{target_sheet}」表中那一行的{target_label}，不填姓名或名称" if zh
                else f"which row of the {target_sheet} sheet this record concerns: that row's {target_label}, "
                     "not a name")
    if column.type == "id_number":
        return ("本人的 18 位公民身份号码，与身份证上的一致（末位可以是 X）" if zh
                else "the person's 18-character resident ID number, as on the ID card (the last may be X)")
    if column.pii == "phone":
        return "本人的 11 位手机号码" if zh else "the person's 11-digit mobile number"
    if name in spec.key:
        return ("本行记录的编号：本表内每行不同，由本机构自行编排；其他表提到这条记录时填写这个编号" if zh
                else "this record's id: different on every row of the sheet, numbered by the office itself; "
                     "other sheets name the record by it")
    if column.type == "date":
        return (f"{_subject(header, '日期', '时间')}的日期（哪年哪月哪日）" if zh
                else f"the date of the {name.removesuffix('_on').replace('_', ' ')} (year, month, day)")
    if column.type == "datetime":
        return (f"{_subject(header, '时间', '日期')}的日期和时间，精确到分钟" if zh
                else f"the date and time of the {name.removesuffix('_at').replace('_', ' ')}, to the minute")
    if column.type == "bool":
        return (f"本行情况是否为“{header}”：是选“是”，不是选“否”，不清楚留空" if zh
                else f"whether '{name.replace('_', ' ')}' holds for this row: yes or no; blank if not known")
    if column.type == "enum":
        return (f"本行的{header}：从下拉列表选一项（可选的值见下方“取值”）" if zh
                else f"this row's {name.replace('_', ' ')}: one of the values listed below")
    if column.type in ("int", "float"):
        return (f"本行的{header}：只填数字，不带单位、不加千位分隔符" if zh
                else f"this row's {name.replace('_', ' ')}: a number only, no unit, no thousands separators")
    if name == "name":
        return (("本人的姓名，与身份证上的一致" if header == "姓名" else f"{header}：写全称，不用简称") if zh
                else "the full name, as on the ID card or the office's seal")
    return (f"本行的{header}，按实际情况用文字填写" if zh
            else f"this row's {name.replace('_', ' ')}, in words as it is")


def _blank_rule(spec: TableSpec, name: str, column: ColumnSpec, lang: str) -> str:
    may_be_blank = column.nullable and name not in spec.key
    if lang == "zh":
        if not column.required:
            return "选填列：可留空，不用时可删除整列（删除后依赖此列的职责判为数据不足）"
        return "必填列：不可留空" if not may_be_blank else "此列须保留；没有数据时可留空"
    if not column.required:
        return "optional column: may be blank, or left out (duties reading it are then insufficient data)"
    return "required: no blank cells" if not may_be_blank else "keep the column; a cell may be blank"


def _values_text(column: ColumnSpec, lang: str) -> str:
    parts = []
    for (code, spellings), label in zip((column.values or {}).items(), enum_labels(column, lang), strict=True):
        others = [s for s in (code, *spellings) if s != label]
        also = ("（也可写：" + "、".join(others) + "）") if lang == "zh" else (" (also: " + ", ".join(others) + ")")
        parts.append(label + also)
    return ("；" if lang == "zh" else "; ").join(parts)


def _range_text(column: ColumnSpec, lang: str) -> str:
    bounds = []
    if column.min is not None:
        bounds.append(f"≥ {column.min:g}")
    if column.max is not None:
        bounds.append(f"≤ {column.max:g}")
    if column.min_date or column.max_date:
        bounds.append(f"{column.min_date or ''} – {column.max_date or ''}")
    return ("，" if lang == "zh" else ", ").join(bounds)


def _reference_text(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec],
                    lang: str) -> str:
    if column.type == "office":
        target = sheet_title(contract["offices"], lang)
        return (f"须为「{target}」表中的机构编号" if lang == "zh"
                else f"must be an office id listed on the {target} sheet")
    if column.type == "ref":
        table, _, target = (column.ref or "").partition(".")
        label = header_label(target, contract[table].columns[target], lang)
        return (f"须为「{sheet_title(contract[table], lang)}」表中已有的{label}" if lang == "zh"
                else f"must be a {label} listed on the {sheet_title(contract[table], lang)} sheet")
    if name in spec.key:
        return "本表中不得重复" if lang == "zh" else "unique within this sheet"
    return ""


def header_note(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec], plan: TemplatePlan,
                lang: str) -> str:
    """The note on a header cell: what to type, type, required or not, allowed values, an example."""
    zh = lang == "zh"
    title = f"{column.zh}（{name}）" if zh else f"{name} (中文表头 {column.zh})"
    lines = [title, ("内容：" if zh else "What to enter: ") + meaning(spec, name, column, contract, lang),
             ("类型：" if zh else "Type: ") + _TYPE[lang][column.type],
             ("填写：" if zh else "Filling in: ") + _blank_rule(spec, name, column, lang)]
    other_headers = [h for h in column.accepted_headers(name) if h != header_label(name, column, lang)]
    lines.append(("表头也可写：" if zh else "Header also accepted as: ") + ("、" if zh else ", ").join(other_headers))
    if column.values:
        lines.append(("取值：" if zh else "Values: ") + _values_text(column, lang))
    if column.type == "bool":
        lines.append("取值：是 / 否" if zh else "Values: yes / no (是 / 否)")
    if _range_text(column, lang):
        lines.append(("范围：" if zh else "Range: ") + _range_text(column, lang))
    if _reference_text(spec, name, column, contract, lang):
        lines.append(("要求：" if zh else "Rule: ") + _reference_text(spec, name, column, contract, lang))
    if column.pii:
        lines.append("个人信息：所有报告中一律打码显示" if zh else "Personal data: masked in every report")
    if column.type in ("date", "datetime"):
        lines.append("也接受 2025/3/31、2025年3月31日" if zh else "Also accepted: 2025/3/31, 2025年3月31日")
    lines.append(("示例：" if zh else "Example: ") + example(spec, name, column, contract, plan, lang))
    return "\n".join(lines)

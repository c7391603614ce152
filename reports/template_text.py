"""The words of a template workbook (Chinese first, English with --lang en): headers, header notes, examples.

Headers, sheet titles and drop-down labels are spellings the reader accepts (the contract's Chinese header
and first Chinese spelling of each code; in English the column names and codes), so what an office picks
from a list always reads back.
"""

from __future__ import annotations

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


def example(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec], office_id: str,
            year: int, lang: str) -> str:
    """The contract's example, else one made from the type, the audit year and the office itself."""
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
        return office_id
    if column.type == "id_number":
        return _EXAMPLE_ID_NUMBER
    if column.type == "ref":
        table, _, target = (column.ref or "").partition(".")
        return example(contract[table], target, contract[table].columns[target], contract, office_id, year, lang)
    if column.pii == "phone":
        return _EXAMPLE_PHONE
    if name in spec.key:
        return f"{year}-0001"
    return "（自由填写）" if lang == "zh" else "(free text)"


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


def header_note(spec: TableSpec, name: str, column: ColumnSpec, contract: dict[str, TableSpec], office_id: str,
                year: int, lang: str) -> str:
    """The note on a header cell: meaning, type, required or not, allowed values, an example."""
    zh = lang == "zh"
    meaning = column.description_zh or (f"{spec.title_zh}的{column.zh}" if zh else f"{spec.title_en}: {name}")
    title = f"{column.zh}（{name}）" if zh else f"{name} (中文表头 {column.zh})"
    lines = [title, ("含义：" if zh else "Meaning: ") + meaning,
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
    lines.append(("示例：" if zh else "Example: ") + example(spec, name, column, contract, office_id, year, lang))
    return "\n".join(lines)

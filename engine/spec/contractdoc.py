"""Writes docs/tables.md from the data contract, so the documented tables never drift from the checked ones.

python -m westaudit.spec.contractdoc > docs/tables.md   (a test fails when the file is stale)
"""

from __future__ import annotations

from westaudit.spec.tables import TableSpec, load_contract

_TYPE_ZH = {"string": "文本", "int": "整数", "float": "数字", "date": "日期", "datetime": "日期时间", "bool": "是/否",
            "enum": "枚举", "id_number": "身份证号", "office": "机构编号", "ref": "编号引用"}


def _table_markdown(spec: TableSpec) -> list[str]:
    lines = [f"## {spec.title_zh} · {spec.title_en} (`{spec.name}`)", ""]
    if spec.description_zh:
        lines += [spec.description_zh, ""]
    lines += [f"File: `{spec.name}.csv` or `{spec.title_zh}.csv` (or `.xlsx`, or a sheet of that name). "
              f"Key: `{', '.join(spec.key)}`. Each row belongs to the office in `{spec.owner_column}`.", "",
              "| column | 中文表头 | also accepted | type | required | blank allowed | notes |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, column in spec.columns.items():
        notes = []
        if column.values:
            notes.append("; ".join(f"`{code}`: {'/'.join(spellings)}" for code, spellings in column.values.items()))
        if column.ref:
            notes.append(f"must exist in `{column.ref}`")
        if column.type == "office":
            notes.append("must exist in `offices.office_id`")
        if column.pii:
            notes.append("personal: masked in every report")
        if column.min is not None:
            notes.append(f">= {column.min:g}")
        if column.description_zh:
            notes.append(column.description_zh)
        blank = "no" if (not column.nullable or name in spec.key) else "yes"
        lines.append(f"| `{name}` | {column.zh} | {'、'.join(column.aliases)} | {_TYPE_ZH[column.type]} "
                     f"| {'yes' if column.required else 'no'} | {blank} | {' '.join(notes)} |")
    return lines + [""]


def contract_markdown() -> str:
    lines = ["# Submission tables (数据表)", "",
             "Generated from `checks/tables/*.yaml` by `python -m westaudit.spec.contractdoc`; do not edit by hand.",
             "Headers may be written in English (the column name) or Chinese (中文表头 or an accepted alias).", ""]
    for spec in load_contract().values():
        lines += _table_markdown(spec)
    return "\n".join(lines)


if __name__ == "__main__":
    print(contract_markdown(), end="")

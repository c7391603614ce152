"""The 下载填报模板 button: the fill-in template workbook of an office and year, as `westaudit template
--offices` writes it, from the offices table of the package the workspace was started on (--offices)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from westaudit.core.errors import InputError, UsageError
from westaudit.workspace.staging import UploadRefused

TEMPLATES_DIR = "templates"


def _year(text: str) -> int:
    year = int(text) if text.strip().isdigit() else 0
    if not 2003 <= year <= 2100:
        raise UploadRefused(400, f"审计年度「{text}」无效：请填写四位年份，如 2025", f"not a year: {text!r}")
    return year


def template_workbook(workspace, office: str, year_text: str) -> Path:
    """The template's path under DATA/templates/, written once per office, year and rule-set version."""
    from westaudit.intake.template_hierarchy import hierarchy_from_offices_file
    from westaudit.intake.template_plan import plan_from_hierarchy
    from westaudit.reports.template_workbook import write_template

    settings, ruleset = workspace.settings, workspace.ruleset
    if settings.hierarchy is None:
        raise UploadRefused(404, "本工作台启动时未指定组织机构（--offices），无法生成模板；请用 westaudit template 生成",
                            "the workspace was started without --offices: no hierarchy to build a template from")
    year = _year(year_text)
    if office not in workspace.offices:
        raise UploadRefused(422, f"机构编号 {office} 不在本工作台的组织机构中，请核对机构编号（见页面上的机构列表）",
                            f"office {office} is not an office of this workspace's hierarchy")
    path = settings.data_dir / TEMPLATES_DIR / f"{office}-{year}-{ruleset.version}.xlsx"
    if path.is_file():
        return path
    offices_file = next(p for p in sorted(settings.hierarchy.iterdir()) if p.suffix.lower() == ".csv"
                        and p.stem.lower() in {s.lower() for s in ruleset.contract["offices"].file_stems()})
    try:
        plan = plan_from_hierarchy(hierarchy_from_offices_file(offices_file, ruleset.contract), office, year, ruleset)
    except (InputError, UsageError) as exc:
        raise UploadRefused(422, f"无法生成模板：{exc}", f"cannot build the template: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".xlsx.tmp")
    os.close(handle)
    try:
        write_template(plan, ruleset.contract, Path(temporary), "zh")
        os.replace(temporary, path)  # two downloads at once each write their own, the last one stays
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path

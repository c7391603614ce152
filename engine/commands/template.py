"""`westaudit template --office ID --year YEAR --out FILE.xlsx`: the workbook an office fills in.

The workbook is written with a manifest.yaml beside it, so the folder is a package as soon as the office
has filled it in: `westaudit check FOLDER --office ID` needs nothing else.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from westaudit.commands.common import EXIT_OK
from westaudit.core.errors import InputError, UsageError

MANIFEST_NAME = "manifest.yaml"


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("template", help="write the Excel workbook an office fills in, with its manifest")
    parser.add_argument("--office", required=True, help="the office that fills it in")
    parser.add_argument("--year", type=int, required=True, help="the audit year")
    parser.add_argument("--out", type=Path, required=True, help="the workbook to write (.xlsx); manifest.yaml goes beside it")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of headers and notes (default Chinese)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--package", type=Path, help="a package (e.g. the supervising office's) whose offices table "
                                                     "lists this office: pre-fills its hierarchy")
    source.add_argument("--offices", type=Path, help="an offices file (组织机构 .csv/.xlsx) listing this office")
    own = parser.add_argument_group("without --package/--offices: the office's own row")
    own.add_argument("--level", choices=("national", "province", "prefecture", "county", "university", "unit"))
    own.add_argument("--name", default="", help="the office's name (机构名称)")
    own.add_argument("--recruits", action="store_true", help="a province that recruits volunteers")
    own.add_argument("--serves", action="store_true", help="a province that receives volunteers")
    parser.set_defaults(handler=run)


def _plan(args: argparse.Namespace, ruleset):
    from westaudit.intake.template_hierarchy import (
        OfficeRow,
        hierarchy_from_offices_file,
        hierarchy_from_package,
    )
    from westaudit.intake.template_plan import plan_for_own_row, plan_from_hierarchy

    if args.package or args.offices:
        hierarchy = (hierarchy_from_package(args.package, ruleset.contract) if args.package
                     else hierarchy_from_offices_file(args.offices, ruleset.contract))
        plan = plan_from_hierarchy(hierarchy, args.office, args.year, ruleset)
        if args.level and args.level != plan.office.level:
            raise UsageError(f"--level {args.level} contradicts {hierarchy.source}, where {args.office!r} "
                             f"is {plan.office.level}")
        return plan
    if not args.level:
        raise UsageError("without --package or --offices, give --level (and --name) for the office's own row")
    province = args.level == "province"
    office = OfficeRow(args.office, args.name, args.level, None, args.recruits if province else None,
                       args.serves if province else None)
    return plan_for_own_row(office, args.year, ruleset)


def _check_destination(out: Path, office_id: str, year: int) -> Path | None:
    """The folder must hold only this workbook and its manifest; an existing manifest must say the same."""
    from westaudit.intake.package import DATA_SUFFIXES
    from westaudit.spec.manifest import MANIFEST_NAMES, load_manifest

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out}: the template is an .xlsx workbook")
    if out.exists():  # it may already be filled in: never write over an office's work
        raise UsageError(f"{out} exists; delete it or choose another name")
    folder = out.parent
    if not folder.exists():
        return None
    others = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in DATA_SUFFIXES
                    and p.resolve() != out.resolve() and not p.name.startswith("~$"))
    if others:
        raise UsageError(f"{folder} already holds {', '.join(others)}: every spreadsheet in a package folder is "
                         "read as a table, so write the template into a folder of its own")
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            manifest = load_manifest(folder / name)
            if (manifest.office_id, manifest.year) != (office_id, year):
                raise UsageError(f"{folder / name} is for office {manifest.office_id!r}, year {manifest.year}: "
                                 "write the template into a folder of its own")
            return folder / name
    return None


def manifest_for(office_id: str, name: str, year: int):
    """The manifest the template's folder needs, validated by the model the reader loads it with."""
    from pydantic import ValidationError

    from westaudit.spec.manifest import Manifest

    try:
        return Manifest(office_id=office_id, year=year, title=f"{name or office_id} {year} 年度报送")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"not a usable manifest: {problems}") from exc


def write_manifest(folder: Path, manifest) -> Path:
    path = folder / MANIFEST_NAME
    body = yaml.safe_dump(manifest.model_dump(include={"office_id", "year", "title"}), allow_unicode=True,
                          sort_keys=False)
    path.write_text("# 由 westaudit template 生成；与填好的工作簿一起报送 written by westaudit template\n" + body,
                    encoding="utf-8")
    return path


def run(args: argparse.Namespace) -> int:
    from westaudit.reports.template_workbook import write_template
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    manifest_for(args.office, args.name, args.year)  # a year the reader refuses stops here, before any work
    ruleset = load_ruleset(args.rules or RULES_DIR)
    plan = _plan(args, ruleset)
    manifest = _check_destination(args.out, args.office, args.year)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_template(plan, ruleset.contract, args.out, args.lang)
    except OSError as exc:
        raise InputError(str(args.out), f"cannot write the workbook: {exc.strerror or exc}",
                         message_zh=f"无法写入工作簿（{exc.strerror or exc}）：请换一个可写的文件夹（--out）") from exc
    manifest = manifest or write_manifest(args.out.parent, manifest_for(args.office, plan.office.name, args.year))
    sheets = "、".join(use.table.title_zh for use in plan.sheets)
    print(f"模板 template: {args.out}（{len(plan.sheets)} 张表 sheets: {sheets}；预填机构 {len(plan.offices)} 个）")
    print(f"清单 manifest: {manifest}")
    print(f"填好后自查 after filling in: westaudit check {args.out.parent} --office {args.office}")
    return EXIT_OK

"""The manifest of a submission package: who submits, for which audit year, and optional file names."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from westaudit.core.errors import InputError, SpecError
from westaudit.spec.specmodel import parse_model
from westaudit.spec.yamlsource import load_yaml

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "清单.yaml")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    office_id: str = Field(description="the submitting office")
    year: int = Field(ge=2003, le=2100)
    title: str = ""
    encoding: str | None = None
    files: dict[str, str] = {}


def find_manifest(folder: Path) -> Path:
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise InputError(str(folder), f"no manifest: expected one of {', '.join(MANIFEST_NAMES)}",
                     message_zh=f"没有清单文件：文件夹中应有 {'、'.join(MANIFEST_NAMES)} 之一（westaudit template 会生成）")


def load_manifest(path: Path) -> Manifest:
    try:
        node = load_yaml(path)
    except SpecError as exc:
        line = next((problem.line for problem in exc.problems if problem.line is not None), None)
        raise InputError(str(path), f"malformed manifest: {exc}", line=line,
                         message_zh="清单文件格式有误（不是有效的 YAML）：请对照 westaudit template 生成的清单改正") from exc
    problems = []
    manifest = parse_model(Manifest, node, str(path), "", problems)
    if manifest is None:
        fields = "、".join(sorted({p.field or "?" for p in problems}))
        raise InputError(str(path), "malformed manifest: " + "; ".join(
            f"{p.field or ''} {p.message}".strip() for p in problems),
            message_zh=f"清单文件有误（{fields}）：office_id 写机构编号，year 写 2003 至 2100 之间的年度；"
                       "只能有 office_id、year、title、encoding、files 这几项")
    return manifest

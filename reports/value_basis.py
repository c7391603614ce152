"""The basis of a value, as every writer shows it: the parameter's name, value, the date it took effect, its
basis (依据条文 / 依据《…》 / 默认口径) and, for a policy's value, the office that adopted it and the file.

One function for the pages, the Markdown, the workbook and the terminal, so they all say the same."""

from __future__ import annotations

from functools import lru_cache

from westaudit.core.basis import DEFAULT_LABEL
from westaudit.core.results import DEFAULT, STATUS_ZH, ParameterUse, Result, Status

_STATUS_EN = {Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warning", Status.NOT_APPLICABLE: "not applicable",
              Status.INSUFFICIENT_DATA: "insufficient data", Status.WAIVED: "waived"}


@lru_cache(maxsize=4096)
def value_basis(use: ParameterUse, lang: str = "zh") -> str:
    since = use.effective.isoformat() if use.effective else "—"
    head = (f"{use.name} = {use.value}（{since} 起施行）" if lang == "zh"
            else f"{use.name} = {use.value} (in force from {since})")
    parts = [head]
    if use.basis is not None:
        parts.append(use.basis.label(lang))
    if use.adopted_by:
        parts.append(f"{use.adopted_by} 采用（{use.source}）" if lang == "zh"
                     else f"adopted by {use.adopted_by} ({use.source})")
    elif use.source:
        parts.append(f"取自 {use.source}" if lang == "zh" else f"from {use.source}")
    return " · ".join(parts)


def value_bases(result: Result, lang: str = "zh") -> list[str]:
    """One line per parameter the result was judged by (none: the rule's thresholds are literals)."""
    return [value_basis(use, lang) for use in result.parameters]


def result_status(result: Result, lang: str = "zh") -> str:
    """The status as shown: a failing check downgraded because it rests on a westaudit default says so."""
    label = STATUS_ZH[result.status] if lang == "zh" else _STATUS_EN[result.status]
    return f"{label} · {DEFAULT_LABEL[lang]}" if result.downgraded == DEFAULT else label

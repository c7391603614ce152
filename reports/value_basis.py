"""The basis of a value, as every writer shows it: what the value is (the parameter's description), the value in
its unit, the date it took effect, its basis (依据条文 / 依据《…》 / 默认口径) and, for a policy's value, the office
that adopted it and the file.

One function for the pages, the Markdown, the workbook and the terminal, so they all say the same. A line is built
as pieces (Piece): the page's own words, a quote in Chinese (article text, a reason the rule set gives only in
Chinese, a policy's title) and a code (a file name); each writer marks them its own way, so an English page
can say that a quote is Chinese (<q lang="zh-CN">) and a Chinese page never shows a parameter's code name."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from markupsafe import Markup, escape

from westaudit.core.basis import DEFAULT_LABEL, Basis, BasisKind
from westaudit.core.offices import OFFICE_CODES
from westaudit.core.results import DEFAULT, STATUS_ZH, ParameterUse, Result, Status
from westaudit.spec.parameters import Parameter, load_parameters
from westaudit.spec.ruleset import RULES_DIR, parameter_files

from .messages import article_label

_STATUS_EN = {Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warning", Status.NOT_APPLICABLE: "not applicable",
              Status.INSUFFICIENT_DATA: "insufficient data", Status.WAIVED: "waived"}
_BAND = ".warning"
# a rule id where the rule set's own words refer to an article (service_county-09, service_unit-02.staff)
_RULE_REF = re.compile(r"\b(" + "|".join(OFFICE_CODES) + r")-(\d{2})(?:\.[a-z_]+)?\b")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


class Piece(NamedTuple):
    text: str
    kind: str = "words"  # words (the page's language) | quote (Chinese text, quoted) | code (as typed)


@cache
def _parameters() -> dict[str, Parameter]:
    """The rule set's parameters by name, for their descriptions (the values come from the result)."""
    found: dict[str, Parameter] = {}
    for path in parameter_files(RULES_DIR):
        if path.is_file():
            found.update(load_parameters(path).parameters)
    return found


def _description(name: str, lang: str) -> str:
    base = name.removesuffix(_BAND)
    parameter = _parameters().get(base)
    if parameter is None:
        return name
    text = parameter.description_zh if lang == "zh" else (parameter.description_en or parameter.description_zh)
    if name.endswith(_BAND):
        text += "（提示线）" if lang == "zh" else " (warning line)"
    return text


def value_text(value: float | int | str, unit: str, lang: str) -> str:
    """A parameter's value in its unit, as a reader says it: 20%, 3月31日, 7 天."""
    if unit == "ratio" and isinstance(value, int | float):
        return f"{value:.0%}" if round(value * 100, 6) == int(round(value * 100)) else f"{value:.1%}"
    if unit == "month_day" and isinstance(value, str) and re.fullmatch(r"\d{2}-\d{2}", value):
        month, day = int(value[:2]), int(value[3:])
        return f"{month}月{day}日" if lang == "zh" else f"{day} {_MONTHS_EN[month - 1]}"
    words = {"days": ("天", "days"), "hours": ("小时", "hours")}.get(unit)
    if words:
        return f"{value} {words[0] if lang == 'zh' else words[1]}"
    return str(value)


def rule_refs_named(text: str, lang: str) -> str:
    """The rule set's words with each rule id it refers to named as its article (服务县项目办第9条)."""
    return _RULE_REF.sub(lambda m: article_label(m.group(1), int(m.group(2)), lang), text)


def _basis_pieces(basis: Basis, lang: str) -> list[Piece]:
    zh = lang == "zh"
    if basis.kind is BasisKind.TEXT:
        match = re.fullmatch(r"([a-z_]+)-(\d{2})", basis.article)
        article = article_label(match.group(1), int(match.group(2)), lang) if match else basis.article
        return [Piece(f"依据条文（{article}：“" if zh else f"per the article ({article}: “"),
                Piece(basis.quote, "quote"), Piece("”）" if zh else "”)")]
    if basis.kind is BasisKind.POLICY:
        # the document's title, number (文号) and clause as the office wrote them: Chinese
        number = f"（{basis.number}）" if basis.number else ""
        document = f"《{basis.title}》{number}{basis.clause}"
        return [Piece(f"依据{document}")] if zh else [Piece("per "), Piece(document, "quote")]
    # the rule set gives why only in Chinese: quoted as such on an English line
    why = rule_refs_named(basis.why, "zh")  # inside the Chinese quote, the articles named in Chinese
    return [Piece(f"{DEFAULT_LABEL['zh']}：{why}")] if zh else [Piece(f"{DEFAULT_LABEL['en']} (in Chinese): “"),
                                                                 Piece(why, "quote"), Piece("”")]


@lru_cache(maxsize=4096)
def basis_pieces(use: ParameterUse, lang: str = "zh") -> tuple[Piece, ...]:
    zh = lang == "zh"
    value = value_text(use.value, use.unit, lang)
    since = use.effective.isoformat() if use.effective else "—"
    pieces = [Piece(f"{_description(use.name, lang)}：{value}（{since} 起施行）" if zh
                    else f"{_description(use.name, lang)}: {value} (in force from {since})")]
    if use.basis is not None:
        pieces += [Piece(" · "), *_basis_pieces(use.basis, lang)]
    if use.adopted_by:
        pieces += [Piece(f" · {use.adopted_by} 采用（" if zh else f" · adopted by {use.adopted_by} ("),
                   Piece(use.source, "code"), Piece("）" if zh else ")")]
    elif use.source:
        # rules/parameters: the rule set itself; where in it is westaudit's business, not the reader's
        pieces.append(Piece(" · 取自规则集参数" if zh else " · from the rule set's parameters"))
    return tuple(pieces)


def value_basis(use: ParameterUse, lang: str = "zh") -> str:
    """The line as plain text (terminal, workbook)."""
    return "".join(p.text for p in basis_pieces(use, lang))


def value_basis_html(use: ParameterUse, lang: str = "zh") -> Markup:
    """The line for a page: Chinese text on an English page marked as such (lang="zh-CN"), a file name as code."""
    def piece(p: Piece) -> str:
        if p.kind == "quote" and lang != "zh":
            return f'<span lang="zh-CN">{escape(p.text)}</span>'
        return f"<code>{escape(p.text)}</code>" if p.kind == "code" else str(escape(p.text))
    return Markup("".join(piece(p) for p in basis_pieces(use, lang)))


def value_basis_markdown(use: ParameterUse, lang: str = "zh") -> Markup:
    """The line for Markdown: a file name as a code span; every piece escaped."""
    from .render import markdown_escape

    def piece(p: Piece) -> str:
        if p.kind == "quote" and lang != "zh":  # inline HTML: Markdown viewers and pandoc keep the language mark
            return f'<span lang="zh-CN">{markdown_escape(p.text)}</span>'
        return f"`{p.text.replace('`', '')}`" if p.kind == "code" else markdown_escape(p.text)
    return Markup("".join(piece(p) for p in basis_pieces(use, lang)))


def value_bases(result: Result, lang: str = "zh") -> list[str]:
    """One line per parameter the result was judged by (none: the rule's thresholds are literals)."""
    return [value_basis(use, lang) for use in result.parameters]


def result_status(result: Result, lang: str = "zh") -> str:
    """The status as shown: a failing check downgraded because it rests on a westaudit default says so."""
    label = STATUS_ZH[result.status] if lang == "zh" else _STATUS_EN[result.status]
    return f"{label} · {DEFAULT_LABEL[lang]}" if result.downgraded == DEFAULT else label


_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff60]")


def _percent(share: float) -> str:
    return f"{share:.0%}" if abs(share * 100 - round(share * 100)) < 1e-6 else f"{share:.1%}"


def measured_piece(result: Result, lang: str = "zh") -> Piece:
    """What was measured, in the page's language, from the result's structured fields: a share as a percent
    (99.3%), a count or met/total as it is, an identifier the office typed (a document number) as code. A kind
    that states its measure in words gives them in Chinese; its English explanation says the same."""
    measured = result.measured
    if measured is None:
        return Piece("—")
    if isinstance(measured, bool):
        return Piece(("是" if measured else "否") if lang == "zh" else ("yes" if measured else "no"))
    if isinstance(measured, float):
        shares = result.counts is not None or isinstance(result.threshold, float)
        return Piece(_percent(measured) if shares else f"{measured:g}")
    text = str(measured)
    if isinstance(measured, int) or re.fullmatch(r"\d+/\d+", text):
        return Piece(text)
    if _CHINESE.search(text.replace("、", "")):
        return Piece(text if lang == "zh" else result.message_en)
    return Piece(text if lang == "zh" else text.replace("、", ", "), "code")


def measured_html(result: Result, lang: str = "zh") -> Markup:
    piece = measured_piece(result, lang)
    return Markup(f"<code>{escape(piece.text)}</code>") if piece.kind == "code" else escape(piece.text)


def measured_markdown(result: Result, lang: str = "zh") -> Markup:
    from .render import markdown_code, markdown_escape

    piece = measured_piece(result, lang)
    return markdown_code(piece.text) if piece.kind == "code" else Markup(markdown_escape(piece.text))


def measured_plain(result: Result, lang: str = "zh") -> str:
    return measured_piece(result, lang).text


def expected_text(result: Result, lang: str = "zh") -> str:
    """The requirement in the page's language (the kinds write it in both)."""
    return (result.expected_en if lang == "en" and result.expected_en else result.expected) or "—"

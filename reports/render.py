"""The jinja2 environments: HTML autoescaped everywhere, Markdown with every value escaped by `finalize`."""

from __future__ import annotations

import re
from functools import cache, partial
from importlib.resources import files

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from westaudit.core.results import Status, severity_counts, severity_text

from .messages import (
    LEVEL,
    article_label,
    china_time,
    fix_text,
    office_code_label,
    receipt_state_label,
    rectification_state_label,
    severity_label,
    status_label,
    words,
)
from .model import column_title, evidence_values_text, table_title
from .value_basis import (
    expected_text,
    measured_html,
    measured_markdown,
    result_status,
    value_basis_html,
    value_basis_markdown,
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def tone(value: float | None) -> str:
    """A CSS class for a share, in ten steps from red to green (report.css): 35% and 90% read apart, and a
    share with nothing judged has no colour at all."""
    return "v-none" if value is None else f"v{min(10, max(0, int(value * 10 + 1e-9)))}"


def markdown_escape(value: object) -> str:
    """Markdown viewers render inline HTML and table pipes: every value is made inert and kept on one line."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split())
    # searching first: most values have nothing to escape, and a substitution costs more than a search
    return _MD_SPECIAL.sub(r"\\\1", text) if _MD_SPECIAL.search(text) else text


def markdown_code(value: object) -> Markup:
    """An identifier as typed (a rule id, a package name) as a code span; a backtick in it could end the span."""
    return Markup(f"`{str(value).replace('`', '')}`")


@cache
def static_text(name: str) -> str:
    return files("westaudit.reports").joinpath("templates", name).read_text(encoding="utf-8")


def _static(name: str) -> Markup:
    """The CSS and JS a page inlines when it stands alone (`westaudit evaluate`); the pages of a site link the one
    copy of them beside the index instead (site.ASSETS), which works from disk as from the workspace."""
    return Markup(static_text(name))


def _globals(lang: str) -> dict:
    return {
        "lang": lang, "T": words(lang), "LEVEL": LEVEL[lang], "Status": Status,
        "status_label": partial(_status_label, lang=lang), "code_label": partial(office_code_label, lang=lang),
        "hint": partial(_hint, lang=lang), "static": _static,
        "article_label": partial(article_label, lang=lang),
        "receipt_state": partial(receipt_state_label, lang=lang), "values_text": partial(evidence_values_text, lang=lang),
        "table_title": partial(table_title, lang=lang), "column_title": partial(column_title, lang=lang),
        "severity_label": partial(severity_label, lang=lang),
        "rectification_state": partial(rectification_state_label, lang=lang),
        "result_status": partial(result_status, lang=lang),
        "severity_summary": lambda results: severity_text(severity_counts(results), lang),
    }


def _status_label(status: Status, lang: str) -> str:
    return status_label(status, lang)


def _hint(result, rule, lang: str) -> str:
    return fix_text(result, rule.check.name, lang)


def _environment(lang: str, autoescape: bool, finalize=None) -> Environment:
    # auto_reload off: the templates do not change during a run, and checking them costs a stat per page
    env = Environment(loader=PackageLoader("westaudit.reports", "templates"), autoescape=autoescape,
                      trim_blocks=True, lstrip_blocks=True, finalize=finalize, auto_reload=False)
    env.globals.update(_globals(lang))
    env.filters["pct"] = percent
    env.filters["tone"] = tone
    env.filters["china_time"] = partial(china_time, lang=lang)
    env.globals["expected"] = partial(expected_text, lang=lang)
    return env


# one environment per language for the life of the process: compiling the templates costs more than rendering
# a county's pages (the workspace renders a report at every upload); the templates and globals never change
@cache
def html_environment(lang: str) -> Environment:
    env = _environment(lang, autoescape=True)
    env.globals["value_bases"] = lambda result: [value_basis_html(use, lang) for use in result.parameters]
    env.globals["policy_bases"] = lambda result: [value_basis_html(use, lang) for use in result.parameters
                                                  if use.adopted_by]
    env.globals["measured"] = partial(measured_html, lang=lang)
    from .office_rows import office_rows  # here: it formats with this module's percent and tone

    env.globals["office_rows"] = partial(office_rows, lang=lang)
    # the shared macros as globals, built once: a `{% from %}` import builds them again for every page rendered
    macros = env.get_template("macros.html.j2").module
    for name in ("office_table", "verdict_banner", "filter_bar", "findings_table", "score_counts"):
        env.globals[name] = getattr(macros, name)
    return env


@cache
def markdown_environment(lang: str) -> Environment:
    env = _environment(lang, autoescape=False, finalize=markdown_escape)
    env.filters["md"] = markdown_escape
    env.filters["code"] = markdown_code
    env.globals["value_bases"] = lambda result: [value_basis_markdown(use, lang) for use in result.parameters]
    env.globals["measured"] = partial(measured_markdown, lang=lang)
    return env

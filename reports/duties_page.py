"""duties.html: every duty article once, with its text and, per rule checking it, the values it was judged by in
this audit and their basis.

An office page shows this in full only for the articles it is to act on; its passes are one row each linking
here. On a national audit the same citation and basis texts were otherwise written on 5,000 pages each.
"""

from __future__ import annotations

from pathlib import Path

from westaudit.spec.ruleset import Rule

from .model import AuditView
from .render import html_environment
from .safety import mask_text
from .value_basis import value_basis_html

DUTIES_HTML = "duties.html"


def _bases_by_rule(view: AuditView, lang: str) -> dict[str, list[str]]:
    """Each rule's distinct value basis lines over the audit's results, in the order first met (a province's
    policy may change a value: each reads once)."""
    seen: dict[str, dict] = {}
    for result in view.report.results:
        if result.parameters:
            seen.setdefault(result.rule_id, {}).setdefault(result.parameters, None)
    bases: dict[str, list[str]] = {}
    for rule_id, parameter_sets in seen.items():
        lines: dict[str, None] = {}
        for parameters in parameter_sets:
            for use in parameters:
                lines.setdefault(value_basis_html(use, lang), None)
        bases[rule_id] = list(lines)
    return bases


def write_duties(view: AuditView, out: Path, lang: str) -> Path:
    bases = _bases_by_rule(view, lang)
    def rule_bases(rule: Rule) -> list[str]:
        return bases.get(rule.id, [])

    html = html_environment(lang).get_template("duties.html.j2").render(
        report=view.report, articles=view.duty_articles(), rule_bases=rule_bases, asset_root="")
    path = out / DUTIES_HTML
    path.write_text(mask_text(html), encoding="utf-8")
    return path

"""duties.html: every duty article once, with its text and, per rule checking it, its requirements and the values
it was judged by in this audit, with their basis.

An office page shows this in full only for the results it is to act on; its other results are one row each
linking here. On a national audit the same citation and basis texts were otherwise written on 5,000 pages each.
"""

from __future__ import annotations

from pathlib import Path

from westaudit.spec.ruleset import Rule

from .model import AuditView
from .render import html_environment
from .safety import mask_text
from .value_basis import expected_text, value_basis_html

DUTIES_HTML = "duties.html"


def _in_the_audit(view: AuditView, lang: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each rule's distinct requirements and value basis lines over the audit's results, in the order first met
    (a province's policy may change a value: each reads once)."""
    parameter_sets: dict[str, dict] = {}
    expected: dict[str, dict[str, None]] = {}
    for result in view.report.results:
        expected.setdefault(result.rule_id, {}).setdefault(expected_text(result, lang), None)
        if result.parameters:
            parameter_sets.setdefault(result.rule_id, {}).setdefault(result.parameters, None)
    bases: dict[str, list[str]] = {}
    for rule_id, sets in parameter_sets.items():
        lines: dict[str, None] = {}
        for parameters in sets:
            for use in parameters:
                lines.setdefault(value_basis_html(use, lang), None)
        bases[rule_id] = list(lines)
    return {rule_id: list(texts) for rule_id, texts in expected.items()}, bases


def write_duties(view: AuditView, out: Path, lang: str) -> Path:
    expected, bases = _in_the_audit(view, lang)

    def rule_expected(rule: Rule) -> list[str]:
        return expected.get(rule.id, [])

    def rule_bases(rule: Rule) -> list[str]:
        return bases.get(rule.id, [])

    html = html_environment(lang).get_template("duties.html.j2").render(
        report=view.report, articles=view.duty_articles(), rule_expected=rule_expected, rule_bases=rule_bases,
        asset_root="")
    path = out / DUTIES_HTML
    path.write_text(mask_text(html), encoding="utf-8")
    return path

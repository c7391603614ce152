"""The national annual evaluation report as HTML (with inline SVG charts) and Markdown."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from .evaluation import Evaluation
from .evaluation_summary import summary_sentences
from .messages import article_label, words
from .model import AuditView
from .render import html_environment, markdown_environment
from .safety import mask_text
from .svg import bar_chart, heatmap, histogram

EMPLOYMENT_BIN, EMPLOYMENT_BINS = 0.05, 10


def charts(evaluation: Evaluation, lang: str, view: AuditView) -> dict[str, Markup | list[tuple[str, Markup]]]:
    T = words(lang)
    names = [p.province.office.name for p in evaluation.provinces]
    return {
        "heatmap": heatmap([article_label(a.code, a.number, lang) for a in evaluation.articles], names,
                           [a.by_province for a in evaluation.articles], T["heatmap_title"]),
        "employment": histogram(evaluation.employment_ratios, EMPLOYMENT_BIN, EMPLOYMENT_BINS,
                                evaluation.employment_min, T["employment_axis"], T["county_count"],
                                T["employment_title"]),
        # titled in words: the rule's duty, not its id
        "on_time": [(rule_id, bar_chart(names, shares, f"{T['on_time_title']} · {_title(view, rule_id, lang)}",
                                         T["not_submitted"]))
                    for rule_id, shares in evaluation.deadline_rules],
    }


def _title(view: AuditView, rule_id: str, lang: str) -> str:
    rule = view.rules[rule_id]
    return rule.title_zh if lang == "zh" else rule.title_en


def write_evaluation(view: AuditView, evaluation: Evaluation, folder: Path, lang: str, with_site: bool) -> Path:
    """with_site: the index and office pages sit beside it (audit), so the report links to them."""
    folder.mkdir(parents=True, exist_ok=True)
    context = {"report": view.report, "view": view, "evaluation": evaluation,
               "index_href": "index.html" if with_site else None, "office_root": "" if with_site else None,
               "asset_root": "" if with_site else None,
               "summary": summary_sentences(evaluation, lang)}
    html = html_environment(lang).get_template("evaluation.html.j2").render(context, charts=charts(evaluation, lang, view))
    (folder / "evaluation.html").write_text(mask_text(html), encoding="utf-8")
    markdown = markdown_environment(lang).get_template("evaluation.md.j2").render(context)
    (folder / "evaluation.md").write_text(mask_text(markdown), encoding="utf-8")
    return folder / "evaluation.html"

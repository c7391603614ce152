"""The national annual evaluation report as HTML (with inline SVG charts) and Markdown."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from westaudit.core.results import Status

from .evaluation import EMPLOYMENT_RULE, EXTENSION_RULE, Evaluation
from .evaluation_summary import summary_sentences
from .messages import article_label, status_label, words
from .model import AuditView, rule_order
from .render import html_environment, markdown_environment, percent
from .safety import mask_text
from .svg import bar_chart, heatmap, histogram

EMPLOYMENT_BIN, EMPLOYMENT_BINS = 0.05, 10


def charts(evaluation: Evaluation, lang: str, view: AuditView) -> dict[str, Markup | list[tuple[str, Markup]]]:
    T = words(lang)
    names = [p.province.office.name for p in evaluation.provinces]
    return {
        # each row by its article and the duty it lays down, in words
        "heatmap": heatmap([f"{article_label(a.code, a.number, lang)} {duty_title(view, a.code, a.number, lang)}"
                            for a in evaluation.articles], names,
                           [a.by_province for a in evaluation.articles], T["heatmap_title"], T["none"]),
        "employment": histogram(evaluation.employment_ratios, EMPLOYMENT_BIN, EMPLOYMENT_BINS,
                                evaluation.employment_min, T["employment_axis"], T["county_count"],
                                T["employment_title"], T["no_counties_judged"]),
        # titled in words: the rule's duty, not its id
        "on_time": [(rule_id, bar_chart(names, shares, f"{T['on_time_title']} · {_title(view, rule_id, lang)}",
                                         _no_bar(evaluation, rule_id, lang)))
                    for rule_id, shares in evaluation.deadline_rules],
    }


def _no_bar(evaluation: Evaluation, rule_id: str, lang: str) -> list[str]:
    """What a province without a bar shows: 数据不足 when its results rest on rejected rows, else 未提交."""
    lacking = status_label(Status.INSUFFICIENT_DATA, lang)
    return [lacking if (rule_id, p.province.office.office_id) in evaluation.deadline_lacking
            else words(lang)["not_submitted"] for p in evaluation.provinces]


def definitions(evaluation: Evaluation, view: AuditView, lang: str) -> list[tuple[str, str]]:
    """What each column of the by-province table counts, in the order of the columns: each rate is defined on
    the page where it appears, its article named from the rule set."""
    T = words(lang)

    def article(rule_id: str) -> str:
        rule = view.rules.get(rule_id)
        return rule_id if rule is None else article_label(rule.office, rule.article, lang)

    minimum = percent(evaluation.employment_min)
    before = evaluation.year - 1
    last_place = (T["def_last_place_twice"].format(before=evaluation.last_place_compared_with, year=evaluation.year)
                  if evaluation.last_place_compared_with is not None
                  else T["def_last_place_not_compared"].format(before=before))
    return [
        (T["volunteers_serving"], T["def_volunteers_serving"]),
        (T["employment_ok"].format(min=minimum), T["def_employment_ok"].format(min=minimum,
                                                                              article=article(EMPLOYMENT_RULE))),
        (T["employment_median"], T["def_employment_median"]),
        (T["extension_on_time"], T["def_extension_on_time"].format(article=article(EXTENSION_RULE))),
        (T["counties_eliminated"], T["def_counties_eliminated"]),
        (T["subsidy_on_time"], T["def_subsidy_on_time"]),
        (T["incidents_on_time"], T["def_incidents_on_time"]),
        (T["last_place_twice"], last_place),
        (T["own_compliance"], T["def_own_compliance"]),
        (T["province_compliance"], T["def_province_compliance"]),
        (T["compliance"], T["def_compliance"]),
        (T["not_submitted"], T["def_not_submitted"]),
        (status_label(Status.INSUFFICIENT_DATA, lang), T["def_lacking"]),
        (T["nothing_judged"], T["def_nothing_judged"]),
    ]


def duty_title(view: AuditView, code: str, number: int, lang: str) -> str:
    """The duty an article lays down, as the title of its first rule (an article checked by several rules is
    named by its main one, `<office>-<nn>`, which sorts first); blank for an article no rule checks."""
    rules = sorted((rule for rule in view.rules.values() if (rule.office, rule.article) == (code, number)),
                   key=rule_order)
    return (rules[0].title_zh if lang == "zh" else rules[0].title_en) if rules else ""


def _title(view: AuditView, rule_id: str, lang: str) -> str:
    rule = view.rules[rule_id]
    return rule.title_zh if lang == "zh" else rule.title_en


def write_evaluation(view: AuditView, evaluation: Evaluation, folder: Path, lang: str, with_site: bool) -> Path:
    """with_site: the index and office pages sit beside it (audit), so the report links to them."""
    folder.mkdir(parents=True, exist_ok=True)
    context = {"report": view.report, "view": view, "evaluation": evaluation,
               "index_href": "index.html" if with_site else None, "office_root": "" if with_site else None,
               "asset_root": "" if with_site else None,
               "summary": summary_sentences(evaluation, lang),
               "definitions": definitions(evaluation, view, lang),
               "minimum": percent(evaluation.employment_min),
               "duty_title": lambda code, number: duty_title(view, code, number, lang)}
    html = html_environment(lang).get_template("evaluation.html.j2").render(context, charts=charts(evaluation, lang, view))
    (folder / "evaluation.html").write_text(mask_text(html), encoding="utf-8")
    markdown = markdown_environment(lang).get_template("evaluation.md.j2").render(context)
    (folder / "evaluation.md").write_text(mask_text(markdown), encoding="utf-8")
    return folder / "evaluation.html"

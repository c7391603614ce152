"""The rows of an office table, written in Python (reports/office_rows.py), are the markup the Jinja loop they
replace wrote, byte for byte: every office of the sample, with and without its page, ranked or not, with the
level column or without, in both languages, and names that need escaping."""

from __future__ import annotations

import dataclasses

import pytest

from westaudit.reports.model import AuditView
from westaudit.reports.office_rows import office_rows
from westaudit.reports.render import html_environment
from westaudit.reports.site import pages_for

# the loop of templates/macros.html.j2's office_table before its rows moved to reports/office_rows.py
THE_MACRO_S_LOOP = """{% set rules = audit.rules %}
{% for view in views %}{% set s = view.score %}{% set severities = audit.failed_severities(view) %}{% set paged = audit.has_page(view) %}
<tr{% if s.failed or s.insufficient %} data-fix="1"{% endif %}{% if severities %} data-severity="{{ severities }}"{% endif %} data-level="{{ view.office.level }}">{% if ranked %}<td class="num">{{ loop.index }}</td>{% endif %}<td>{% if paged %}<a href="{{ root }}offices/{{ view.slug }}.html">{{ view.office.name }}</a>{% else %}{{ view.office.name }}{% endif %} <span class="muted">{{ view.office.office_id }}</span></td>{% if level_column %}<td>{{ LEVEL.get(view.office.level, view.office.level) }}</td>{% endif %}<td class="num {{ s.compliance|tone }}"{% if s.compliance is none %} data-sort="-1"{% endif %}>{{ s.compliance|pct }}</td><td class="num" data-sort="{{ s.failed }}">{{ s.passed_outright }}/{% if s.warned %}<span class="s-warn">{{ s.warned }}</span>{% else %}0{% endif %}/{% if s.failed %}<span class="s-fail">{{ s.failed }}</span>{% else %}0{% endif %}/{% if s.insufficient %}<span class="s-insufficient_data">{{ s.insufficient }}</span>{% else %}0{% endif %}</td><td>{% for block in view.failed_articles %}{% set r = block.results|selectattr("status", "sameas", Status.FAIL)|first %}{% if paged %}<a href="{{ root }}offices/{{ view.slug }}.html#{{ block.anchor }}">{{ article_label(block.code, block.number) }}</a>{% else %}{{ article_label(block.code, block.number) }}{% endif %} {{ rules[r.rule_id].title_zh if lang == 'zh' else rules[r.rule_id].title_en }}{% if (r.severity or rules[r.rule_id].severity) == 'fatal' %} <span class="sev-fatal">{{ severity_label('fatal') }}</span>{% endif %}{% if not loop.last %}<br>{% endif %}{% else %}{{ T.none }}{% endfor %}</td></tr>
{% endfor %}"""


def _one_office_with_nothing_judged(report):
    """The first unit's results all not applicable: nothing judged, its compliance shown as a dash."""
    from westaudit.core.results import Status

    unit = next(office_id for office_id, office in report.offices.items() if office.level == "unit")
    results = tuple(dataclasses.replace(r, status=Status.NOT_APPLICABLE) if r.office_id == unit else r
                    for r in report.results)
    return dataclasses.replace(report, results=results)


def _hostile_names(report):
    """Every office renamed with characters HTML must escape, as a submitted name may hold them."""
    offices = {office_id: dataclasses.replace(office, name=f'{office.name} <b>&"\'</b>')
               for office_id, office in report.offices.items()}
    return dataclasses.replace(report, offices=offices)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("pages", ["findings", "all", "none"])
@pytest.mark.parametrize("names", ["as submitted", "to escape"])
def test_the_rows_are_those_the_macro_wrote(sample_audit, ruleset, lang, pages, names):
    report = _one_office_with_nothing_judged(sample_audit)
    report = report if names == "as submitted" else _hostile_names(report)
    view = AuditView(report, ruleset.articles)
    view.paged = pages_for(view, pages)
    views = list(view.offices.values())
    assert any(v.failed_articles for v in views) and any(not v.failed_articles for v in views)
    assert any(v.score.compliance is None for v in views) and any(v.score.warned for v in views)
    reference = html_environment(lang).from_string(THE_MACRO_S_LOOP)
    for root in ("", "../"):
        for ranked in (False, True):
            for level_column in (False, True):
                expected = reference.render(views=views, root=root, audit=view, ranked=ranked,
                                            level_column=level_column)
                assert str(office_rows(views, root, view, ranked, level_column, lang)) == expected.lstrip("\n")

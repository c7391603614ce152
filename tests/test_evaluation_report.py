"""The national evaluation reads as a report (issue 16 item 10): a summary written from its figures, last place two
years running from the audit store, charts titled in words, nothing judged said in words, each rate defined."""

import dataclasses
import html
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.history.recording import Recording
from westaudit.history.store import Store
from westaudit.intake.package import load_package
from westaudit.reports.evaluation import EMPLOYMENT_RULE, Rate, evaluate
from westaudit.reports.evaluation_summary import summary_sentences
from westaudit.reports.messages import article_label, status_label, words
from westaudit.reports.model import AuditView
from westaudit.reports.report_json import report_document, results_of
from westaudit.reports.site import write_evaluation_only, write_site

RANKING_RULES = ("service_province-12", "service_county-05")
RULE_ID = re.compile(r"\b[a-z_]+-\d{2}(\.[a-z_]+)?\b")


def _as_year_2024(target):
    """The sample's assessments re-dated to 2024, with the same ranking: last year's audit."""
    shutil.copytree(SAMPLE, target)
    manifest = target / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("year: 2025", "year: 2024"), encoding="utf-8")
    assessments = target / "年度考核.csv"
    assessments.write_text(assessments.read_text(encoding="utf-8-sig").replace(",2025,", ",2024,"), encoding="utf-8")
    return target


def _recorded(package_dir, ruleset, store):
    package = load_package(package_dir, ruleset.contract)
    run_id = store.begin_run("audit", str(package_dir), package.manifest.office_id, None, package.manifest.year,
                             ruleset.version)
    return package, Recording(package, ruleset, (), store, run_id).finish(run_audit(package, ruleset))


@pytest.fixture(scope="module")
def two_years(tmp_path_factory, ruleset):
    """2024 recorded in a store, then 2025 (the sample) audited against it: the same subjects last both years."""
    folder = tmp_path_factory.mktemp("years")
    store = Store.open(str(folder / "audits.sqlite"))
    _recorded(_as_year_2024(folder / "2024"), ruleset, store)
    package, report = _recorded(SAMPLE, ruleset, store)
    return package, report, store


@pytest.fixture(scope="module")
def sample_evaluation(sample_audit, sample_package, ruleset):
    return evaluate(AuditView(sample_audit, ruleset.articles), sample_package.tables)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, sample_audit, sample_package, ruleset):
    """The sample's site (index and evaluation) in both languages."""
    written = {}
    for lang in ("zh", "en"):
        folder = tmp_path_factory.mktemp(f"site-{lang}")
        write_site(sample_audit, ruleset.articles, sample_package.tables, folder, lang, pages="none")
        written[lang] = folder
    return written


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_two_sets_of_figures_give_two_summaries(lang, sample_evaluation):
    as_audited = " ".join(summary_sentences(sample_evaluation, lang))
    judged = [p for p in sample_evaluation.provinces if p.employment_ok is not None]
    short = [p for p in judged if p.employment_ok.done < p.employment_ok.total]
    assert short and len(judged) > len(short)
    # the same evaluation with every county placing enough and every extension filed on time
    all_met = dataclasses.replace(sample_evaluation, provinces=tuple(
        dataclasses.replace(p, employment_ok=Rate(p.employment_ok.total, p.employment_ok.total),
                            extension=Rate(p.extension.total, p.extension.total))
        if p.employment_ok is not None else p for p in sample_evaluation.provinces))
    corrected = " ".join(summary_sentences(all_met, lang))
    assert corrected != as_audited
    n = len(judged)
    if lang == "zh":
        assert f"{n} 个省份中 {n - len(short)} 个省份的服务县全部达标" in as_audited
        assert f"{n} 个省份中 {n} 个省份的服务县全部达标" in corrected and "未全部达标的省份" not in corrected
        assert "延期备案未全部按时" in as_audited and "延期备案：" in corrected
    else:
        assert f"in {n - len(short)} of {n} provinces" in as_audited
        assert f"in {n} of {n} provinces" in corrected and "short of it" not in corrected
        assert "Extension filings not all on time" in as_audited and "Extension filings: all on time" in corrected
    assert all(f"{p.province.office.name}（{p.employment_ok.done}/{p.employment_ok.total}）" in as_audited
               if lang == "zh" else f"{p.province.office.name} ({p.employment_ok.done}/{p.employment_ok.total})"
               in as_audited for p in short)


def test_the_lowest_province_is_named_with_both_of_its_rates(sample_evaluation):
    text = " ".join(summary_sentences(sample_evaluation, "zh"))
    lowest = min((p for p in sample_evaluation.provinces if p.score.compliance is not None),
                 key=lambda p: (p.score.compliance, p.province.office.office_id))
    assert (f"最低的省份：{lowest.province.office.name}（{lowest.score.compliance:.0%}；其本级符合率 "
            f"{lowest.own_score.compliance:.0%}") in text


def test_last_place_two_years_running_comes_from_the_store(two_years, ruleset):
    package, report, store = two_years
    assert report.last_place_compared_with == 2024
    ranking = [r for r in report.results if r.rule_id in RANKING_RULES]
    flagged = {(r.office_id, s) for r in ranking for s in r.last_ranked_again}
    assert flagged and all(s in r.message_zh for r in ranking for s in r.last_ranked_again)
    # typed in the store as in memory
    stored = [r for r in store.results_of(store.runs()[-1].run_id) if r.rule_id in RANKING_RULES]
    assert {(r.office_id, s) for r in stored for s in r.last_ranked_again} == flagged
    document = report_document(report)
    assert document["last_place_compared_with"] == 2024
    assert {(r["office_id"], s) for r in results_of(document) for s in r["last_ranked_again"]} == flagged

    view = AuditView(report, ruleset.articles)
    evaluation = evaluate(view, package.tables)
    assert {(f.assessor, f.subject) for p in evaluation.provinces for f in p.last_place_twice or ()} == flagged
    for lang in ("zh", "en"):
        text = " ".join(summary_sentences(evaluation, lang))
        names = [view.offices[subject].office.name for _, subject in flagged]
        assert all(name in text for name in names), lang
        assert (f"连续两年（2024、2025 年）排名末位的有 {len(flagged)} 个" if lang == "zh"
                else f"Ranked last two years running (2024 and 2025): {len(flagged)}") in text


def test_without_the_store_no_one_is_said_to_be_last_twice_or_not(sample_evaluation, two_years, ruleset):
    assert sample_evaluation.last_place_compared_with is None
    assert all(p.last_place_twice is None for p in sample_evaluation.provinces)
    text = " ".join(summary_sentences(sample_evaluation, "zh"))
    assert "未与 2024 年比较" in text and "排名末位的有" not in text
    package, report, _ = two_years
    compared = " ".join(summary_sentences(evaluate(AuditView(report, ruleset.articles), package.tables), "zh"))
    assert "未与 2024 年比较" not in compared


def test_a_store_with_last_year_but_no_repeat_says_so(two_years, ruleset):
    package, report, _ = two_years
    cleared = dataclasses.replace(report, results=tuple(dataclasses.replace(r, last_ranked_again=())
                                                        for r in report.results))
    evaluation = evaluate(AuditView(cleared, ruleset.articles), package.tables)
    assert "与 2024 年的考核排名相比" in " ".join(summary_sentences(evaluation, "zh"))
    assert "no one was ranked last two years running" in " ".join(summary_sentences(evaluation, "en"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_and_section_headings_are_words_not_rule_ids(lang, pages):
    page = (pages[lang] / "evaluation.html").read_text(encoding="utf-8")
    headings = [_text(re.sub(r"<code[^>]*>.*?</code>", "", h, flags=re.S))
                for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", page, flags=re.S)]
    chart_titles = [html.unescape(t) for t in re.findall(r"<svg[^>]*><title>(.*?)</title>", page)]
    assert len(chart_titles) >= 3  # the heat map, the employment histogram and an on-time chart at least
    for title in headings + chart_titles:
        assert not RULE_ID.search(title), title
        assert re.search(r"[\u4e00-\u9fff]" if lang == "zh" else r"[a-z]{3}", title), title


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heat_map_rows_and_the_article_table_name_each_duty_in_words(lang, pages, sample_evaluation, ruleset):
    from markupsafe import escape

    from westaudit.reports.svg import fitted

    page = (pages[lang] / "evaluation.html").read_text(encoding="utf-8")
    heat = page[page.index(f"<title>{html.escape(words(lang).heatmap_title)}</title>"):]
    heat = heat[:heat.index("</svg>")]
    per_article = page[page.rindex("<table"):]
    for article in sample_evaluation.articles:
        rules = sorted((r for r in ruleset.rules if (r.office, r.article) == (article.code, article.number)),
                       key=lambda r: r.id)
        title = rules[0].title_zh if lang == "zh" else rules[0].title_en
        label = f"{article_label(article.code, article.number, lang)} {title}"
        # the row's words as drawn (cut to the margin, whole in the tooltip) and the table's duty column
        assert f">{escape(fitted(label))}</text>" in heat, label
        assert fitted(label) == label or f"<title>{escape(label)}</title>" in heat
        assert (f"<td>{escape(article_label(article.code, article.number, lang))}</td>"
                f"<td>{escape(title)}</td>") in per_article
    assert fitted("服务县第1条 " + "很长的职责名称" * 10).endswith("…")
    assert len(fitted("服务县第1条 " + "很长的职责名称" * 10)) <= 27


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nothing_judged_is_said_in_words(lang, sample_audit, sample_package, ruleset, tmp_path):
    T = words(lang)
    # no county judged on the employment duty: no empty histogram, no 0%, but the words
    others = tuple(r for r in sample_audit.results if r.rule_id != EMPLOYMENT_RULE)
    page = write_evaluation_only(dataclasses.replace(sample_audit, results=others), ruleset.articles,
                                 sample_package.tables, tmp_path, lang).read_text(encoding="utf-8")
    histogram = page[page.index(f"<title>{html.escape(T.employment_title)}</title>"):]
    histogram = histogram[:histogram.index("</svg>")]
    assert T.no_counties_judged in histogram and "<rect" not in histogram
    # an article with nothing judged anywhere (a university duty the sample gives nothing to judge on)
    evaluation = evaluate(AuditView(sample_audit, ruleset.articles), sample_package.tables)
    empty = [a for a in evaluation.articles if a.score.judged == 0]
    assert empty
    page = (tmp_path / "evaluation.html").read_text(encoding="utf-8")
    full = write_evaluation_only(sample_audit, ruleset.articles, sample_package.tables, tmp_path / "full", lang
                                 ).read_text(encoding="utf-8")
    per_article = full[full.rindex("<table"):]
    for article in empty:
        row = per_article[per_article.index(f"<td>{html.escape(article_label(article.code, article.number, lang))}"
                                            "</td>"):]
        row = row[:row.index("</tr>")]
        assert T.nothing_judged in row and "—" not in row
    # a heat-map cell with nothing judged is grey with words, never a percentage
    cells = re.findall(r'fill="#d9d9d9"><title>[^<]*</title></rect><text[^>]*>([^<]*)</text>', full)
    assert cells and set(cells) == {T.none}
    assert "—" not in _text(full[full.index("<tbody>"):full.index("</tbody>")])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_rate_is_defined_where_it_appears(lang, pages, sample_evaluation):
    T = words(lang)
    page = (pages[lang] / "evaluation.html").read_text(encoding="utf-8")
    table = page[page.index("<table"):page.index("</table>")]
    columns = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, flags=re.S)][1:]  # after the province
    definitions = page[page.index('<section class="definitions">'):]
    terms = [_text(t) for t in re.findall(r"<dt>(.*?)</dt>", definitions[:definitions.index("</section>")])]
    assert columns and set(columns) <= set(terms)
    for chart_note in (T.def_heatmap.format(none=T.none), T.def_on_time.format(missing=T.not_submitted)):
        assert chart_note in html.unescape(page)
    markdown = (pages[lang] / "evaluation.md").read_text(encoding="utf-8")
    assert all(f"**{term}**" in markdown for term in columns)


def test_a_provinces_own_rate_is_the_index_figure_and_the_province_wide_one_is_explained(pages, sample_evaluation):
    index = (pages["zh"] / "index.html").read_text(encoding="utf-8")
    page = (pages["zh"] / "evaluation.html").read_text(encoding="utf-8")
    differ = 0
    for p in sample_evaluation.provinces:
        office = p.province.office.office_id
        in_index = re.search(rf'<span class="muted">{re.escape(office)}</span>.*?<td class="num v\d+">(\d+)%</td>',
                             index, flags=re.S)
        assert abs(int(in_index.group(1)) - p.own_score.compliance * 100) <= 0.5, office
        row = page[page.index(f">{p.province.office.name}<"):]
        row = row[:row.index("</tr>")]
        cells = re.findall(r'data-sort="([0-9.-]+)"', row)
        assert [float(cells[-2]), float(cells[-1])] == pytest.approx([p.own_score.compliance, p.score.compliance])
        differ += p.own_score.compliance != p.score.compliance
    assert differ  # the sample has provinces whose two rates differ: the definitions say why
    assert words("zh").def_province_compliance in html.unescape(page)


def test_the_evaluate_command_reads_last_years_standings_from_the_store_and_records_nothing(two_years, tmp_path):
    from westaudit.cli import main

    _, report, store = two_years
    runs = [r.run_id for r in store.runs()]
    flagged = sum(len(r.last_ranked_again) for r in report.results)
    assert main(["evaluate", str(SAMPLE), "--out", str(tmp_path / "with"), "--store", store.where]) == 0
    assert f"连续两年（2024、2025 年）排名末位的有 {flagged} 个" in (tmp_path / "with" / "evaluation.md").read_text(
        encoding="utf-8")
    assert [r.run_id for r in store.runs()] == runs
    # no store at the default place (conftest: a fresh home): not compared, and no store made
    default = Path(os.environ["WESTAUDIT_STORE"])
    assert not default.exists()
    assert main(["evaluate", str(SAMPLE), "--out", str(tmp_path / "without")]) == 0
    assert "未与 2024 年比较" in (tmp_path / "without" / "evaluation.md").read_text(encoding="utf-8")
    assert not default.exists()


def _resting_on_rejected_rows(result):
    """The result as the audit makes it when rows it reads were rejected: 数据不足, the ratio of what is left."""
    return dataclasses.replace(result, status=Status.INSUFFICIENT_DATA, evidence_total=1,
                               incomplete_tables=("volunteers",))


def test_a_county_resting_on_rejected_rows_is_not_counted_as_judged(sample_audit, sample_package, ruleset):
    county = "GS-LZ-YZ"
    changed = tuple(_resting_on_rejected_rows(r) if (r.rule_id, r.office_id) == (EMPLOYMENT_RULE, county) else r
                    for r in sample_audit.results)
    before = {p.province.office.office_id: p for p in _evaluation(sample_audit, sample_package, ruleset).provinces}
    after = {p.province.office.office_id: p for p in _evaluation(
        dataclasses.replace(sample_audit, results=changed), sample_package, ruleset).provinces}
    assert after["GS"].employment_ok.total == before["GS"].employment_ok.total - 1
    assert len(after["GS"].employment_ratios) == len(before["GS"].employment_ratios) - 1
    assert after["GS"].lacking == frozenset()  # the other counties were judged


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_figure_resting_wholly_on_rejected_rows_is_data_insufficient_not_unsubmitted(
        lang, sample_audit, sample_package, ruleset, tmp_path):
    province = "GS"
    view = AuditView(sample_audit, ruleset.articles)
    behind = {EMPLOYMENT_RULE, "service_province-07"}
    changed = tuple(_resting_on_rejected_rows(r) if r.rule_id in behind and view.province_of(r.office_id) == province
                    else r for r in sample_audit.results)
    report = dataclasses.replace(sample_audit, results=changed)
    evaluation = _evaluation(report, sample_package, ruleset)
    figures = next(p for p in evaluation.provinces if p.province.office.office_id == province)
    assert (figures.employment_ok, figures.extension) == (None, None)
    assert {"employment_ok", "extension"} <= figures.lacking
    assert ("service_province-07", province) in evaluation.deadline_lacking
    summary = " ".join(summary_sentences(evaluation, lang))
    name = figures.province.office.name
    assert (f"数据不足（数据中有被拒收的行，无法评价）：{name}的就业比例、延期备案。" if lang == "zh"
            else f"Insufficient data (rows were rejected, nothing could be judged): {name}: employment ratio, "
                 "extension filings.") in summary
    assert "数据不足（" not in " ".join(summary_sentences(_evaluation(sample_audit, sample_package, ruleset), "zh"))
    lacking, missing = status_label(Status.INSUFFICIENT_DATA, lang), words(lang).not_submitted
    page = write_evaluation_only(report, ruleset.articles, sample_package.tables, tmp_path, lang).read_text(
        encoding="utf-8")
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    row = table[table.index(f">{figures.province.office.name}<"):]
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row[:row.index("</tr>")], flags=re.S)]
    # employment, its median, extensions: 数据不足; Beijing, which sends no such table, stays 未提交
    assert cells[1:4] == [lacking, lacking, lacking], cells
    beijing = table[table.index(">北京市项目办<"):]
    assert _text(re.findall(r"<td[^>]*>(.*?)</td>", beijing, flags=re.S)[2]) == missing
    chart = page[page.index('<code class="muted">service_province-07</code>'):]
    chart = chart[chart.index("<svg"):chart.index("</svg>")]
    shown = [html.unescape(t) for t in re.findall(r">([^<>]+)</text>", chart)]
    assert lacking in shown and missing in shown  # Gansu's rows rejected, Beijing never sent any


def _evaluation(report, package, ruleset):
    return evaluate(AuditView(report, ruleset.articles), package.tables)

"""Chinese first, for real (issue 16 item 1): every page of the sample's audit, written in Chinese and in English,
holds no word of the other language outside names and quotes.

What a reader reads is checked, not the markup: the visible text of each HTML page (no attributes, scripts or
styles), the Markdown pages, the terminal summary of `check` and the cell texts of findings.xlsx. Left out, and
so the only places the other language may appear (the allow-list, docs/reports.md#language):
- an element marked with the other language (`lang="zh-CN"` on an English page): office names as typed, the
  official article text, a reason the rule set gives only in Chinese, quoted;
- `<code>` (Markdown: a backtick span): identifiers an official types or searches for as they are: rule ids,
  office ids, document numbers, file names;
- a quoted line of Markdown (`> `): the article text;
- the names and ids of the audit's offices and the names of its files (事件上报记录.csv), wherever they stand
  (the Markdown and the terminal have no markup);
- ALLOWED_LATIN on a Chinese page: the names of file formats an official opens.
A Chinese page then has no ASCII word of three letters or more, an English page no Chinese character
(full-width punctuation included)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from westaudit.reports.site import write_site

# a word: letters and underscores (a parameter name is one word), of three letters or more
LATIN_WORD = re.compile(r"[A-Za-z_]*(?:[A-Za-z]_*){3,}")
# CJK ideographs, CJK punctuation, full-width forms
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")
ALLOWED_LATIN = frozenset({"CSV", "Markdown", "PDF", "Excel", "JSON"})
_FILE_NAME = re.compile(r"[^\s:：、,，;；\[\]［］()（）]+\.(?:csv|xlsx|xls|yaml|json|md|html|xml|zip)\b")
_VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"})
_HIDDEN = frozenset({"script", "style", "code"})


class _VisibleText(HTMLParser):
    """The text a reader of a page in `lang` reads in that language: element text, without what is hidden or
    marked as a quote in another language or as code."""

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []
        self.lines: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        marked = dict(attrs).get("lang")
        skip = tag in _HIDDEN or (marked is not None and not marked.startswith(self.lang))
        self.stack.append((tag, skip or (bool(self.stack) and self.stack[-1][1])))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass  # an element left open closes with its parent

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.lines.append(data)


def visible_text(html: str, lang: str) -> str:
    parser = _VisibleText(lang)
    parser.feed(html)
    parser.close()
    return " ".join(parser.lines)


def markdown_text(markdown: str) -> str:
    """A Markdown page as read: quoted lines, code spans and spans marked with a language left out, escapes
    undone."""
    lines = [line for line in markdown.splitlines() if not line.lstrip().startswith(">")]
    text = re.sub(r"(?<!\\)`[^`]*(?<!\\)`", " ", "\n".join(lines))
    text = re.sub(r'<span lang="[^"]+">.*?</span>', " ", text)
    return re.sub(r"\\(.)", r"\1", text)


def leaks(text: str, lang: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The words of the other language in a text of `lang`, each with some context."""
    if names:
        # whole names only: an office id is not taken out of the document number it begins
        alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        text = re.sub(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])", " ", text)
    # the office's own file names (事件上报记录.csv:10), in whatever language
    text = _FILE_NAME.sub(" ", text)
    found = []
    for line in text.splitlines():
        if lang == "zh":
            words = [m for m in LATIN_WORD.finditer(line) if m.group() not in ALLOWED_LATIN]
        else:
            words = list(CHINESE.finditer(line))
        found += [f"{m.group()!r} in …{line[max(0, m.start() - 40):m.end() + 40].strip()}…" for m in words]
    return found


# ---- the checker itself can fail ----

def test_a_chinese_page_with_an_english_word_fails():
    page = '<html lang="zh-CN"><body><p>取值依据 employment_ratio_min = 0.2</p><script>var sorted = 1;</script></body></html>'
    assert [leak.split(" ")[0] for leak in leaks(visible_text(page, "zh"), "zh")] == ["'employment_ratio_min'"]


def test_an_english_page_with_chinese_text_fails():
    page = '<html lang="en"><body><p title="不算">measured 4 次，最长间隔 92 天</p></body></html>'
    assert len(leaks(visible_text(page, "en"), "en")) == 2  # 次，最长间隔 and 天


def test_quotes_codes_names_and_attributes_are_not_words_of_the_page():
    page = ('<html lang="en"><body><p data-x="中文">article <q lang="zh-CN">接受县级项目办的<b>年度考核</b></q>'
            ' <code>service_unit-07</code> 临洮县项目办</p><style>.a{content:"中"}</style></body></html>')
    assert leaks(visible_text(page, "en"), "en", frozenset({"临洮县项目办"})) == []
    zh_page = '<p>规则 <code>service_unit-07</code>，<span lang="en">quoted English</span>，下载 CSV</p>'
    assert leaks(visible_text(zh_page, "zh"), "zh") == []


def test_markdown_quotes_and_code_spans_are_left_out_but_its_words_count():
    page = "# 临洮县\n> 接受县级项目办的年度考核\n- 职责 `service_unit-07` before 2025-03-31\n"
    assert [leak.split(" ")[0] for leak in leaks(markdown_text(page), "zh")] == ["'before'"]


# ---- every page of the sample's audit, in both languages ----

@pytest.fixture(scope="module")
def sites(sample_audit, sample_package, ruleset, tmp_path_factory) -> dict[str, Path]:
    written = {}
    for lang in ("zh", "en"):
        written[lang] = tmp_path_factory.mktemp(f"site-{lang}")
        write_site(sample_audit, ruleset.articles, sample_package.tables, written[lang], lang)
    return written


@pytest.fixture(scope="module")
def office_names(sample_audit) -> frozenset[str]:
    """Office names as typed, and the office ids shown beside them."""
    return frozenset(name for office in sample_audit.offices.values() for name in (office.name, office.office_id))


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {len(words)}: " + "\n    ".join(words[:5]) for page, words in found.items() if words)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_html_page_reads_in_its_language(sites, office_names, lang):
    site = sites[lang]
    pages = [site / "index.html", site / "evaluation.html", site / "duties.html",
             *sorted((site / "offices").glob("*.html"))]
    assert len(pages) > 3
    found = {page.name: leaks(visible_text(page.read_text(encoding="utf-8"), lang), lang, office_names)
             for page in pages}
    assert not any(found.values()), _report(found)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_markdown_page_reads_in_its_language(sites, office_names, lang):
    site = sites[lang]
    pages = [site / "evaluation.md", *sorted((site / "offices").glob("*.md"))]
    found = {page.name: leaks(markdown_text(page.read_text(encoding="utf-8")), lang, office_names) for page in pages}
    assert not any(found.values()), _report(found)


# ---- the terminal of `check` and the rectification list ----

CODE_COLUMNS = frozenset({"状态代码", "数据包"})
# “…” quotes an article's or a default's Chinese words in the English text, as the pages mark them lang=zh-CN
_QUOTED = re.compile(r"“[^”]*”")


def _codes(sample_audit, ruleset) -> frozenset[str]:
    """What the terminal prints as typed, without markup to mark it: rule ids, the rule set's version and the
    record keys of the evidence (a document's number as the office typed it)."""
    return frozenset({rule.id for rule in ruleset.rules} | {r.rule_id for r in sample_audit.results}
                     | {ruleset.version} | {row.key for r in sample_audit.results for row in r.evidence if row.key})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_self_check_terminal_reads_in_its_language(sample_audit, ruleset, office_names, lang, tmp_path, capsys):
    import shutil

    from conftest import SAMPLE
    from westaudit.cli import main

    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    assert main(["check", str(package), "--office", "GS-LZ-GL", "--no-store", "--lang", lang]) == 1
    out = capsys.readouterr().out
    assert "GS-LZ-GL-U1" in out and len(out.splitlines()) > 20  # the county and its units were printed
    found = leaks(_QUOTED.sub(" ", out), lang, office_names | _codes(sample_audit, ruleset))
    assert not found, "\n".join(found[:10])


def test_the_rectification_list_reads_in_chinese(sites, office_names, sample_audit, ruleset):
    import openpyxl

    workbook = openpyxl.load_workbook(sites["zh"] / "findings.xlsx", read_only=True)
    cells = []
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        # the columns of codes as the data holds them, for filtering and formulas (docs/reports.md)
        shown = [i for i, title in enumerate(header) if title not in CODE_COLUMNS]
        cells += [row[i] for row in rows for i in shown if i < len(row) and isinstance(row[i], str)]
    assert len(cells) > 50
    found = leaks("\n".join(_QUOTED.sub(" ", c) for c in cells), "zh", office_names | _codes(sample_audit, ruleset))
    assert not found, "\n".join(found[:10])

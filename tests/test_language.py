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
- the names of the audit's offices, wherever they stand (the Markdown and the terminal have no markup);
- ALLOWED_LATIN on a Chinese page: the names of file formats an official opens.
A Chinese page then has no ASCII word of three letters or more, an English page no Chinese character
(full-width punctuation included)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# a word: letters and underscores (a parameter name is one word), of three letters or more
LATIN_WORD = re.compile(r"[A-Za-z_]*(?:[A-Za-z]_*){3,}")
# CJK ideographs, CJK punctuation, full-width forms
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]+")
ALLOWED_LATIN = frozenset({"CSV", "Markdown", "PDF", "Excel", "JSON"})
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
    """A Markdown page as read: quoted lines and code spans left out, escapes undone."""
    lines = [line for line in markdown.splitlines() if not line.lstrip().startswith(">")]
    text = re.sub(r"(?<!\\)`[^`]*(?<!\\)`", " ", "\n".join(lines))
    return re.sub(r"\\(.)", r"\1", text)


def leaks(text: str, lang: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The words of the other language in a text of `lang`, each with some context."""
    if names:
        # whole names only: an office id is not taken out of the document number it begins
        alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        text = re.sub(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])", " ", text)
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


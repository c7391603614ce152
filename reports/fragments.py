"""An office page's duty sections and its rows of passes, put together from pieces each rendered once.

A national audit has hundreds of thousands of results over 30,000 offices, and most of them (passes, nothing
to judge, a table not submitted) read word for word the same in every office that has them. The pieces are
the macros of templates/_office_parts.<html|md>.j2: an article's opening and closing, a result, its evidence
rows, the one-line row of a result passed or with nothing to judge (and of an article without a rule). Each
piece is rendered for the first result that needs it and the same text is handed out for every later one with
the same content; evidence rows (and the office's evidence file name beside them) are rendered for each result
that has them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial

from jinja2 import Environment
from markupsafe import Markup, escape

from westaudit.core.results import EvidenceRow, Result, Status
from westaudit.spec.ruleset import Rule

from .model import ATTENTION, ArticleBlock, OfficeView, evidence_values
from .render import markdown_code, markdown_escape


def _html_evidence_row(row: EvidenceRow, lang: str) -> str:
    # the values as the office typed them (names, numbers, document texts), in whatever language, and their
    # headers: one code span for the cell (a span per value was a quarter of the cell at national scale)
    values = ("；" if lang == "zh" else "; ").join(f"{header}={value}" for header, value in evidence_values(row, lang))
    return (f"<tr><td><code>{escape(row.source_file)}</code>:{escape(row.source_row)}</td>"
            f"<td><code>{escape(row.key)}</code></td><td>{escape(row.reason_in(lang))}</td>\n"
            f"<td><code>{escape(values)}</code></td></tr>\n")


def _markdown_evidence_row(row: EvidenceRow, lang: str) -> str:
    return (f"| {markdown_code(row.source_file)}:{markdown_escape(row.source_row)} | {markdown_code(row.key)}"
            f" | {markdown_escape(row.reason_in(lang))} |\n")


_EVIDENCE_ROW = {"html": _html_evidence_row, "md": _markdown_evidence_row}


def _shown(result: Result) -> tuple:
    """What every piece shows of a result; the type too, since 1, 1.0 and True print differently."""
    return (result.rule_id, result.status, result.downgraded, result.severity, result.measured.__class__,
            result.measured, result.expected, result.expected_en, result.counts is None, result.threshold.__class__,
            result.message_en)


class OfficeFragments:
    def __init__(self, environment: Environment, kind: str, rules: dict[str, Rule], evidence_limit: int):
        self._macros = environment.get_template(f"_office_parts.{kind}.j2").module
        self._rules = rules
        self._evidence_limit = evidence_limit
        self._cache: dict[Hashable, str] = {}
        self._lang = environment.globals["lang"]
        self._evidence_row = partial(_EVIDENCE_ROW[kind], lang=self._lang)
        self._article_close = str(self._macros.article_close())
        self._result_close = str(self._macros.result_close())
        self._evidence_open = str(self._macros.evidence_open())
        self._evidence_close = str(self._macros.evidence_close())

    def _once(self, key: Hashable, render: Callable[[], str]) -> str:
        piece = self._cache.get(key)
        if piece is None:
            piece = self._cache[key] = str(render())
        return piece

    def _result(self, result: Result) -> str:
        key = ("result", *_shown(result), result.incomplete_tables, result.parameters)
        return self._once(key, lambda: self._macros.result(result, self._rules[result.rule_id]))

    def _row(self, result: Result) -> str:
        # a waiver's row shows its message (who waived it and why), any row the basis of a value a policy set
        key = ("row", *_shown(result), result.message_zh if result.status is Status.WAIVED else None,
               result.parameters)
        return self._once(key, lambda: self._macros.summary_row(result, self._rules[result.rule_id]))

    def _article_cell(self, block: ArticleBlock, rows: int, duties_href: str) -> str:
        return self._once(("article_cell", block.anchor, rows, duties_href),
                          lambda: self._macros.article_cell(block, rows, duties_href))

    def _article_open(self, block: ArticleBlock) -> str:
        return self._once(("open", block.anchor, block.failed), lambda: self._macros.article_open(block))

    def compact(self, office: OfficeView, duties_href: str) -> Markup:
        """One row per result with nothing to act on (an article without a rule: one row), in article order; an
        article's label, once for its rows, links to it on the shared page of duties (duties_page.py) for the
        article text and the value bases."""
        pieces = []
        for block in office.articles:
            if not block.results:
                pieces.append(self._once(("unchecked_row", block.anchor), lambda b=block: self._macros.unchecked_row(
                    b, duties_href)))
                continue
            rows = [self._row(result) for result in block.results if result.status not in ATTENTION]
            if rows:
                pieces.append(self._article_cell(block, len(rows), duties_href))
                pieces.append("<tr>".join(rows))
        # Markup: the HTML pieces are escaped already, and the Markdown finalize leaves Markup as it is
        return Markup("".join(pieces))

    def duties(self, office: OfficeView, evidence_csv: str | None) -> Markup:
        """The office's articles with something to act on, in order, each with its text and its results to act on
        in full: value bases, fixes and evidence (the article's other results: compact)."""
        pieces = []
        for block in office.articles:
            if not block.attention:
                continue
            pieces.append(self._article_open(block))
            for result in block.results:
                if result.status not in ATTENTION:
                    continue
                pieces.append(self._result(result))
                if result.evidence:
                    pieces.append(self._evidence_open)
                    pieces.extend([self._evidence_row(row) for row in result.evidence[:self._evidence_limit]])
                    pieces.append(self._evidence_close)
                    if result.evidence_total > self._evidence_limit:
                        pieces.append(str(self._macros.evidence_more(result, evidence_csv, self._evidence_limit)))
                pieces.append(self._result_close)
            pieces.append(self._article_close)
        return Markup("".join(pieces))

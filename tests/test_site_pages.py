"""Which office pages `westaudit audit` writes (issue 16 item 9): by default only offices with something to act on
and the offices above them; every office with --pages all; none with --pages none. The index lists every office
either way, report.json holds every result, and no link of the written site is dead."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.reports.model import slug
from westaudit.reports.report_json import offices_of, results_of

ACT_ON = {"fail", "warn", "insufficient_data", "waived"}
CLEAN_COUNTY = "GS-LZ-YZ"  # every duty of the county and its units passes in the sample


def _audit(tmp_path_factory, *options: str) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store", *options]) == 1  # the sample has failures
    return out


@pytest.fixture(scope="module")
def default_site(tmp_path_factory):
    return _audit(tmp_path_factory)


@pytest.fixture(scope="module")
def full_site(tmp_path_factory):
    return _audit(tmp_path_factory, "--pages", "all")


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory):
    return _audit(tmp_path_factory, "--pages", "none")


def _document(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _paged(out: Path) -> set[str]:
    return {path.name.removesuffix(".html") for path in (out / "offices").glob("*.html")}


def _expected_pages(document: dict) -> set[str]:
    parent = {o["office_id"]: o["parent_id"] for o in offices_of(document)}
    wanted = {document["submitting_office"]}
    for office in {r["office_id"] for r in results_of(document) if r["status"] in ACT_ON}:
        while office in parent:
            wanted.add(office)
            office = parent[office]
    return {slug(o) for o in wanted}


def test_by_default_only_offices_with_something_to_act_on_and_those_above_them_get_a_page(default_site):
    document = _document(default_site)
    paged = _paged(default_site)
    assert paged == _expected_pages(document)
    assert slug(CLEAN_COUNTY) not in paged and len(paged) < len(offices_of(document))
    # the Markdown page goes with the HTML one; evidence files only for paged offices
    assert {p.name.removesuffix(".md") for p in (default_site / "offices").glob("*.md")} == paged
    assert {p.name.removesuffix(".evidence.csv") for p in (default_site / "offices").glob("*.evidence.csv")} <= paged


def test_pages_all_writes_every_office_and_none_writes_no_office(full_site, bare_site):
    assert _paged(full_site) == {slug(o["office_id"]) for o in offices_of(_document(full_site))}
    assert not list((bare_site / "offices").glob("*")) if (bare_site / "offices").exists() else True
    assert 'href="offices/' not in (bare_site / "index.html").read_text(encoding="utf-8")


def test_report_json_is_complete_whichever_pages_are_written(default_site, full_site, bare_site):
    documents = [_document(out) for out in (default_site, full_site, bare_site)]
    keys = [[(r["rule_id"], r["office_id"], r["status"]) for r in results_of(d)] for d in documents]
    assert keys[0] == keys[1] == keys[2] and len(keys[0]) > 500
    assert [o["office_id"] for o in offices_of(documents[0])] == [o["office_id"] for o in offices_of(documents[1])]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name])


def _parsed(page: Path, cache: dict) -> _Links:
    if page not in cache:
        cache[page] = _Links()
        cache[page].feed(page.read_text(encoding="utf-8"))
    return cache[page]


@pytest.mark.parametrize("which", ["default_site", "bare_site"])
def test_no_link_of_the_written_site_is_dead(which, request):
    """A crawl from the index: every href and src of every page reached is a file written, and every anchor an
    id of the page it names."""
    out = request.getfixturevalue(which)
    cache: dict = {}
    seen, waiting = set(), [out / "index.html"]
    while waiting:
        page = waiting.pop()
        if page in seen:
            continue
        seen.add(page)
        for link in _parsed(page, cache).links:
            assert "://" not in link, (page.name, link)  # no external resource
            target, _, anchor = link.partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), (page.relative_to(out), link)
            if anchor:
                assert anchor in _parsed(resolved, cache).ids, (page.relative_to(out), link)
            if resolved.suffix == ".html":
                waiting.append(resolved)
    written = {out / "index.html", out / "evaluation.html", out / "duties.html", *(out / "offices").glob("*.html")}
    assert seen == written  # every page written can be reached from the index


def test_the_index_lists_every_office_with_its_figures_and_says_which_have_no_page(default_site):
    html = (default_site / "index.html").read_text(encoding="utf-8")
    document = _document(default_site)
    paged = _paged(default_site)
    rows = re.findall(r'<tr[^>]* data-level="[a-z_]+">(.*?)</tr>', html, flags=re.S)
    cells = [(re.search(r'<td>((?:(?!</td>).)*) <span class="muted">([^<]+)</span></td>', row), row) for row in rows]
    listed = {cell.group(2): (cell.group(1), row) for cell, row in cells}
    assert len(listed) == len(rows) and set(listed) == {o["office_id"] for o in offices_of(document)}
    for office in offices_of(document):
        name, row = listed[office["office_id"]]
        assert ("href=" in name) == (slug(office["office_id"]) in paged)
        if slug(office["office_id"]) not in paged:
            # no page: nothing to act on, its figures shown, nothing to filter on but its level
            assert "100%" in row and "data-fix" not in row and "data-severity" not in row
    assert f"{len(paged)} 个机构" in html and "名称不带链接" in html
    # a table of one level has no level column; an office's table of the offices below it (levels mixed) has one
    assert "<th>层级</th>" not in html
    assert "<th>层级</th>" in (default_site / "offices" / "GS.html").read_text(encoding="utf-8")


def test_pages_link_one_copy_of_the_style_and_scripts(default_site):
    index = (default_site / "index.html").read_text(encoding="utf-8")
    office = next((default_site / "offices").glob("*.html")).read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="report.css">' in index and '<script src="report.js">' in index
    assert 'href="../report.css"' in office and 'src="../report.js"' in office
    assert "<style>" not in office and "function" not in office
    script = (default_site / "report.js").read_text(encoding="utf-8")
    assert "form.filters" in script and "sortable" in script

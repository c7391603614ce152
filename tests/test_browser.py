"""The generated pages in a real browser (Debian's headless Chromium over the DevTools protocol): no JavaScript
error, every local link resolves, Chinese renders in a screenshot, and PDF export works.

Skipped, with the reason, where Chromium or the websocket client is missing; .ci/run installs Chromium.
"""

import base64
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.reports.chromium import command, find_chromium

BROWSER = find_chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (Debian package `chromium`)")
websocket = pytest.importorskip("websocket", reason="websocket-client is not installed (pip install -e '.[dev]')")

STARTUP_SECONDS = 30
PAGE_LOAD_SECONDS = 30


class DevTools:
    """Just enough of the Chrome DevTools protocol: send a command, wait for its answer, keep every event."""

    def __init__(self, url: str):
        self.socket = websocket.create_connection(url, timeout=PAGE_LOAD_SECONDS)
        self.events: list[dict] = []
        self._next_id = 0

    def call(self, method: str, **params) -> dict:
        self._next_id += 1
        self.socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> dict:
        while True:
            event = next((e for e in self.events if e.get("method") == method), None)
            if event:
                self.events.remove(event)
                return event
            self.events.append(json.loads(self.socket.recv()))

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("exception", {}).get("description", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:  # keep the audit store away from the user's home
        patch.setenv("WESTAUDIT_STORE", str(out / "store.sqlite"))
        patch.setenv("HOME", str(out))
        # every office's page: the clean county's too (the default writes pages only for offices with findings)
        main(["audit", str(SAMPLE), "--out", str(out / "report"), "--pages", "all"])
    return out / "report"


@pytest.fixture(scope="module")
def browser():
    profile = Path(tempfile.mkdtemp(prefix="westaudit-test-chromium-"))
    process = subprocess.Popen(command(BROWSER, profile, "--remote-debugging-port=0", "--window-size=1200,1600",
                                       "about:blank"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_SECONDS
    while not port_file.exists() or not port_file.read_text().strip():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("Chromium did not start its DevTools endpoint")
        time.sleep(0.1)
    port = port_file.read_text().split()[0]
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def open_page(port: str, path: Path) -> DevTools:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=PAGE_LOAD_SECONDS) as answer:
        target = json.load(answer)
    tools = DevTools(target["webSocketDebuggerUrl"])
    for domain in ("Page", "Runtime", "Log"):
        tools.call(f"{domain}.enable")
    tools.call("Page.navigate", url=path.resolve().as_uri())
    tools.wait_for("Page.loadEventFired")
    return tools


def evaluate(tools: DevTools, expression: str):
    return tools.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def local_target(href: str) -> tuple[Path, str] | None:
    url = urlparse(href)
    return (Path(unquote(url.path)), url.fragment) if url.scheme == "file" else None


@pytest.mark.parametrize("page", ["index.html", "offices/GS-LZ-GL.html", "offices/GS.html", "evaluation.html"])
def test_page_has_no_script_error_and_no_broken_link(site, browser, page, tmp_path):
    tools = open_page(browser, site / page)
    assert evaluate(tools, "document.title"), page
    evaluate(tools, "document.querySelectorAll('table.sortable thead th').forEach(th => { th.click(); th.click(); })")
    for href in evaluate(tools, "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
        target = local_target(href)
        assert target is not None, f"{page} links outside the report: {href}"
        path, anchor = target
        assert path.is_file(), f"{page}: broken link {href}"
        if anchor and path.suffix == ".html":
            assert f'id="{anchor}"' in path.read_text(encoding="utf-8"), f"{page}: no anchor {href}"
    shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    (tmp_path / (Path(page).stem + ".png")).write_bytes(shot)
    assert tools.errors() == [], page


def test_sorting_a_table_reorders_its_rows(site, browser):
    tools = open_page(browser, site / "offices" / "GS.html")
    ranks = "Array.from(document.querySelectorAll('table.sortable')).pop().tBodies[0].rows"
    before = evaluate(tools, f"Array.from({ranks}).map(r => r.cells[0].textContent)")
    evaluate(tools, "Array.from(document.querySelectorAll('table.sortable')).pop().tHead.rows[0].cells[0].click()")
    evaluate(tools, "Array.from(document.querySelectorAll('table.sortable')).pop().tHead.rows[0].cells[0].click()")
    after = evaluate(tools, f"Array.from({ranks}).map(r => r.cells[0].textContent)")
    assert before == sorted(before, key=int) and after == sorted(before, key=int, reverse=True)
    assert tools.errors() == []


def test_chinese_text_is_laid_out_with_a_cjk_font(site, browser):
    """Boxes instead of glyphs come from a missing font: the rendered width of Chinese text shows it."""
    tools = open_page(browser, site / "evaluation.html")
    fonts = evaluate(tools, "document.fonts.check('16px \"Noto Sans CJK SC\"')")
    width = evaluate(tools, "(() => { const s = document.createElement('span'); s.textContent = '西部计划';"
                            " document.body.appendChild(s); return s.getBoundingClientRect().width; })()")
    assert fonts is True and width > 40


def test_audit_exports_the_index_to_pdf(tmp_path, capsys):
    assert main(["audit", str(SAMPLE), "--out", str(tmp_path), "--pdf"]) == 1
    pdf = (tmp_path / "index.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert "index.pdf" in capsys.readouterr().out


SCREENSHOTS = os.environ.get("WESTAUDIT_SCREENSHOTS")
FIRST_SCREEN = {1280: 800, 375: 812}


@pytest.mark.parametrize("width", sorted(FIRST_SCREEN))
@pytest.mark.parametrize("page", ["index.html", "offices/GS-LZ-GL.html", "offices/GS-LZ-YZ.html", "evaluation.html"])
def test_first_screen_at_desktop_and_phone_width_shows_the_verdict_and_nothing_overflows(
        site, browser, page, width, tmp_path):
    tools = open_page(browser, site / page)
    height = FIRST_SCREEN[width]
    tools.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
               mobile=width < 500)
    # the page itself never scrolls sideways: wide tables scroll inside their own box
    assert evaluate(tools, "document.documentElement.scrollWidth") <= width, (page, width)
    if page != "evaluation.html":
        top = evaluate(tools, "document.querySelector('.verdict').getBoundingClientRect().bottom")
        assert 0 < top <= height, (page, width, top)
    if page.endswith("GS-LZ-GL.html"):
        findings_top = evaluate(tools, "document.querySelector('table.findings').getBoundingClientRect().top")
        assert findings_top < height, (page, width, findings_top)
    shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{Path(page).stem}-{width}.png").write_bytes(shot)
    assert tools.errors() == [], page


def test_filters_and_search_work_without_a_server(site, browser):
    tools = open_page(browser, site / "index.html")
    rows = "Array.from(document.querySelectorAll('tr[data-level]'))"
    visible = f"{rows}.filter(r => !r.hidden)"
    total = evaluate(tools, f"{rows}.length")
    evaluate(tools, "(() => { const box = document.querySelector('form.filters [name=fix]'); box.checked = true;"
                    " box.dispatchEvent(new Event('change', {bubbles: true})); })()")
    fixing = evaluate(tools, f"{visible}.map(r => r.getAttribute('data-fix'))")
    assert fixing and set(fixing) == {"1"} and len(fixing) < total
    evaluate(tools, "(() => { const q = document.querySelector('form.filters [name=q]'); q.value = 'GS-LZ-GL';"
                    " q.dispatchEvent(new Event('input', {bubbles: true})); })()")
    texts = evaluate(tools, f"{visible}.map(r => r.textContent)")
    assert texts and all("GS-LZ-GL" in text for text in texts)
    evaluate(tools, "(() => { const f = document.querySelector('form.filters'); f.elements.fix.checked = false;"
                    " f.elements.q.value = ''; f.elements.level.value = 'unit';"
                    " f.dispatchEvent(new Event('change')); })()")
    levels = evaluate(tools, f"{visible}.map(r => r.getAttribute('data-level'))")
    assert levels and set(levels) == {"unit"}
    assert tools.errors() == []


def test_the_pdf_is_a4(tmp_path):
    from westaudit.reports.chromium import print_to_pdf

    main(["audit", str(SAMPLE), "--out", str(tmp_path / "report"), "--no-store"])
    pdf = print_to_pdf(tmp_path / "report" / "offices" / "GS-LZ-GL.html", tmp_path / "office.pdf").read_bytes()
    # A4 is 595 x 842 points (Letter would be 612 x 792)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)

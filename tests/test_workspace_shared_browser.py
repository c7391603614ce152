"""The shared workspace's cycle in a real browser (issue 18, "Done when"): a county checks its workbook, asks for
a waiver of one finding and submits; the province sees the submission, consolidates its subtree's submissions
(a background job, followed on its page), returns it with a comment and approves the waiver; the county reads the comment and the decision, checks again and sees the finding 已豁免 with who
approved it. Every free text typed on the way (the waiver's reason, the submission's note, the return's comment,
the approval's comment) carries HTML and a script: each page shows it as typed, and none of it runs. One
Chromium tab, each account logging in and out through the pages' own forms.

Skipped, with the reason, where Chromium or the websocket client is missing; .ci/run installs Chromium.
"""

from __future__ import annotations

import json
import time

import pytest
from test_workspace_browser import _check, _go, _screenshots, _tab

from conftest import SAMPLE
from shared_workspace import COUNTY, PASSWORD, shared_settings
from test_browser import BROWSER, browser, evaluate  # noqa: F401 - browser: a fixture
from workspace_packages import filled_workbook, free_port, running_workspace

pytestmark = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (Debian package `chromium`)")
PROVINCE, UNIT, UNIT_RULE = "GS", "GS-LZ-GL-U2", "service_unit-03"
# every free text a person types is shown as typed and never runs (issue 18 item 7): each carries markup
INJECTED = '<img src=x onerror="window.__injected=1"><script>window.__injected=1</script>'
REASON, RETURN_COMMENT, APPROVAL = (f"协议已补签，待盖章{INJECTED}", f"请补齐三份协议后重新报送{INJECTED}",
                                    f"同意，限本年度{INJECTED}")
NOTE = f"服务单位协议正在补签{INJECTED}"


@pytest.fixture(scope="module")
def shared_url(tmp_path_factory):
    from dataclasses import replace

    from westaudit.history.store import Store
    from westaudit.workspace.accounts import AccountBook, cheap_hasher_for_tests

    settings = replace(shared_settings(tmp_path_factory.mktemp("shared-browser") / "data", None), port=free_port())
    settings.data_dir.mkdir(parents=True)
    store = Store.open(settings.store_location)
    book = AccountBook(store, cheap_hasher_for_tests())
    for username, office, role in (("gl-fill", COUNTY, "fill"), ("gl-submit", COUNTY, "submit"),
                                   ("gs-review", PROVINCE, "review")):
        book.add(username, office, role, PASSWORD)
    store.engine.dispose()
    with running_workspace(settings) as url:
        yield url


def _submit_form(tools, form_selector: str, fields: dict[str, str], button: str = "button[type=submit]") -> None:
    """Fill the form's fields as a person types them, then press its button and wait for the next page."""
    for name, value in fields.items():
        evaluate(tools, f"document.querySelector({json.dumps(form_selector)})"
                        f".querySelector('[name={name}]').value = {json.dumps(value)}")
    evaluate(tools, f"document.querySelector({json.dumps(form_selector)}).querySelector({json.dumps(button)}).click()")
    tools.wait_for("Page.loadEventFired")


def _log_in(tools, url: str, username: str) -> None:
    _go(tools, url + "/login")
    _submit_form(tools, "#login", {"username": username, "password": PASSWORD})
    assert username in evaluate(tools, "document.getElementById('who').textContent")


def _log_out(tools) -> None:
    evaluate(tools, "document.getElementById('logout').click()")
    tools.wait_for("Page.loadEventFired")
    assert evaluate(tools, "location.pathname") == "/login"


def _text(tools, selector: str) -> str:
    return evaluate(tools, f"(document.querySelector({json.dumps(selector)}) || {{textContent: ''}})"
                           ".textContent.replace(/\\s+/g, ' ').trim()")


def _shown_as_typed(tools, selector: str, typed: str) -> None:
    """The text is on the page letter for letter, and none of its markup became an element or ran."""
    assert typed in _text(tools, selector), (selector, _text(tools, selector)[:500])
    assert evaluate(tools, "document.querySelectorAll('main img[src=x], main script').length") == 0
    assert evaluate(tools, "typeof window.__injected") == "undefined"


def test_a_county_submits_the_province_returns_it_and_approves_a_waiver_the_county_sees_both(
        shared_url, browser, tmp_path):  # noqa: F811 - browser: the fixture imported above
    workbook = filled_workbook(SAMPLE, tmp_path / "county")
    tools = _tab(browser)

    # the county checks its workbook and asks for a waiver of its unit's failing duty, that row only
    _log_in(tools, shared_url, "gl-fill")
    _check(tools, shared_url, workbook)
    check_path = evaluate(tools, "location.pathname")
    assert check_path.startswith("/checks/")
    form = f"form.waiver-form:has(input[name=rule][value='{UNIT_RULE}'])"
    evaluate(tools, f"document.querySelector(\"{form}\").closest('details').open = true; "
                    f"document.querySelector(\"{form} input[name=evidence]\").checked = true")
    _submit_form(tools, form, {"reason": REASON, "expires_on": "2099-12-31"})
    assert evaluate(tools, "location.pathname") == check_path
    assert "待审批" in _text(tools, "#waivers")
    _shown_as_typed(tools, "#waivers", REASON)
    _log_out(tools)

    # its 报送 account submits, findings and all, with a note
    _log_in(tools, shared_url, "gl-submit")
    _go(tools, shared_url + check_path)
    _submit_form(tools, "#submission form", {"note": NOTE})
    assert "回执号" in _text(tools, "#submission")
    _log_out(tools)

    # the province sees it among the offices below it, returns it with a comment, approves the waiver
    _log_in(tools, shared_url, "gs-review")
    _go(tools, shared_url + "/submissions?year=2025")
    row = f"#office-states tr:has(a[href='{check_path}'])"
    assert "已报送（有问题）" in _text(tools, row)
    _shown_as_typed(tools, row, NOTE)
    # consolidates the submissions of its subtree: a background job whose page follows its progress
    _go(tools, shared_url + "/consolidations?year=2025")
    assert "可合并的报送：1 份" in _text(tools, "main")
    _submit_form(tools, "#start-consolidation", {"year": "2025"})
    job_path = evaluate(tools, "location.pathname")
    assert job_path.startswith("/consolidations/")
    deadline = time.monotonic() + 300
    while "已完成" not in _text(tools, "#job-state"):
        assert "失败" not in _text(tools, "#job-state") and time.monotonic() < deadline, _text(tools, "#job")
        time.sleep(1)
        _go(tools, shared_url + job_path)
    assert "合并了 1 份报送" in _text(tools, "#job")
    first_office = _text(tools, "#job-offices tbody tr:first-child")
    assert COUNTY in first_office or UNIT in first_office  # the offices with failures come first
    _screenshots(tools, tmp_path, "consolidation")
    _go(tools, shared_url + "/submissions?year=2025")
    _submit_form(tools, f"{row} form.return", {"comment": RETURN_COMMENT})
    assert "已退回" in _text(tools, "#office-states")
    _shown_as_typed(tools, "#office-states", RETURN_COMMENT)
    _go(tools, shared_url + "/waivers")
    pending = _text(tools, "#pending")
    assert UNIT in pending and "gl-fill" in pending
    _shown_as_typed(tools, "#pending", REASON)
    _submit_form(tools, "#pending form[action$='/approve']", {"comment": APPROVAL})
    assert _text(tools, "#pending") == "" and "已批准" in _text(tools, "#waiver-list")
    _shown_as_typed(tools, "#waiver-list", APPROVAL)
    _screenshots(tools, tmp_path, "waivers")
    _log_out(tools)

    # the county reads the return's comment and the decision, checks again: the finding is waived
    _log_in(tools, shared_url, "gl-fill")
    _go(tools, shared_url + check_path)
    _shown_as_typed(tools, "#submission", RETURN_COMMENT)
    decided = _text(tools, "#waivers")
    assert "已批准" in decided and f"{PROVINCE} gs-review" in decided
    _shown_as_typed(tools, "#waivers", APPROVAL)
    _check(tools, shared_url, workbook)
    waived = evaluate(tools, "Array.from(document.querySelectorAll('#duties .duty.waived'))"
                             ".map(d => d.textContent.replace(/\\s+/g, ' ').trim())")
    assert len(waived) == 1 and UNIT in waived[0] and "已豁免" in waived[0]
    assert f"已豁免：{REASON}（{PROVINCE} gs-review 于" in waived[0]
    _shown_as_typed(tools, "#duties", REASON)
    _screenshots(tools, tmp_path, "waived")
    assert tools.errors() == []

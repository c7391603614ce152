"""The progress line: on a terminal it names the stage, the table or rule and the count; elsewhere silent."""

from __future__ import annotations

import io

from conftest import SAMPLE
from westaudit.evaluate.audit import run_audit
from westaudit.intake.package import load_package
from westaudit.runtime import progress
from westaudit.runtime.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_stream_that_is_no_terminal_gets_nothing():
    stream = io.StringIO()
    shown = Progress(stream=stream)
    shown.stage("读取 read")
    shown.step("volunteers", 1, 3)
    shown.done()
    assert stream.getvalue() == ""


def test_a_terminal_sees_the_stage_and_the_count_and_the_line_is_cleared_at_the_end():
    stream = _Terminal()
    shown = Progress(stream=stream)
    shown.stage("评估 evaluate")
    shown.step("national-01", 1, 112)
    assert "[评估 evaluate]" in stream.getvalue() and "national-01 1/112" in stream.getvalue()
    shown.done()
    assert stream.getvalue().endswith("\r")


def test_steps_faster_than_the_redraw_interval_are_not_all_drawn():
    stream = _Terminal()
    shown = Progress(stream=stream)
    shown.stage("报告 reports")
    for done in range(1, 5001):
        shown.step("office pages", done, 5000)
    assert stream.getvalue().count("office pages") < 100


def test_reading_and_evaluating_report_their_tables_and_rules(ruleset):
    stream = _Terminal()
    with progress.showing(Progress(stream=stream)):
        package = load_package(SAMPLE, ruleset.contract)
        run_audit(package, ruleset, subtree_of="GS-LZ-GL")
    text = stream.getvalue()
    assert "[读取 read]" in text and "[评估 evaluate]" in text
    assert progress.current().enabled is False  # the command's line is gone once it ends

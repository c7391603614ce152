"""Unusable input gives one clear message and exit code 2, never a traceback."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE
from westaudit.cli import main
from westaudit.commands.common import EXIT_READER_GONE


def _run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_missing_package(capsys, tmp_path):
    code, err = _run(capsys, "audit", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert code == 2 and "nowhere：不是文件夹" in err and "/ not a folder" in err


def test_malformed_manifest(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    (package / "manifest.yaml").write_text("office_id: N\nyear: twenty\n", encoding="utf-8")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "manifest.yaml：清单文件有误（year）" in err and "/ malformed manifest: year" in err


def test_missing_required_column(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    path = package / "就业落实.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("落实日期", "日期X"), encoding="utf-8-sig")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "就业落实.csv，「落实日期」列 column placed_on：缺少必填列「落实日期」" in err


def test_unknown_file(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    (package / "其他.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "其他.csv：文件名对不上任何数据表" in err and "/ matches no table" in err


def test_unknown_office_for_self_check(capsys):
    code, err = _run(capsys, "check", str(SAMPLE), "--office", "XX")
    assert code == 2 and "office 'XX' is not in this package" in err


# the `westaudit` console script (pyproject.toml [project.scripts]); main() is what the tests call in-process
CONSOLE_SCRIPT = "import sys; from westaudit.cli import run; run()"


@pytest.mark.parametrize("argv", [["rules", "list"], ["rules", "show", "national-01"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(argv, tmp_path):
    """`westaudit rules list | head -1`: the reader closes the pipe; no BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write fails
    done = subprocess.run([sys.executable, "-c", CONSOLE_SCRIPT, *argv], stdout=write_end, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == EXIT_READER_GONE


def test_the_command_exits_without_teardown_yet_flushes_everything_and_runs_the_exit_handlers(tmp_path):
    """run() leaves by os._exit (a national audit's objects are not freed one by one): the exit code is main's,
    every line written reaches the reader, and what was registered with atexit still runs, last."""
    registered = ("import atexit, sys; from westaudit.cli import run; "
                  "atexit.register(lambda: print('exit handler ran', file=sys.stderr)); run()")
    listed = subprocess.run([sys.executable, "-c", registered, "rules", "list"], capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0 and listed.stderr.strip() == "exit handler ran"
    assert listed.stdout == subprocess.run([sys.executable, "-c", "import sys; from westaudit.cli import main; "
                                            "sys.exit(main())", "rules", "list"], capture_output=True, text=True,
                                           timeout=120).stdout
    audited = subprocess.run([sys.executable, "-c", CONSOLE_SCRIPT, "audit", str(SAMPLE), "--out", str(tmp_path / "o"),
                              "--no-store"], capture_output=True, text=True, timeout=300)
    assert audited.returncode == 1  # the sample is built with fatal findings
    assert audited.stdout.rstrip().endswith("junit.xml") and (tmp_path / "o" / "report.json").is_file()


def test_an_engine_failure_is_reported_without_a_traceback(capsys, monkeypatch):
    """A failure inside durable-rules is a westaudit error: one message, exit 2, no verdict and no traceback."""
    from westaudit.checks.procedures.rete_adapter import ReteEngineError
    from westaudit.evaluate import audit

    def engine_refuses(*args, **kwargs):
        raise ReteEngineError("durable_rules returned unexpected result code 7")

    monkeypatch.setattr(audit, "run_audit", engine_refuses)
    code, err = _run(capsys, "check", str(SAMPLE), "--office", "N", "--no-store", "--no-receipt")
    assert code == 2
    assert "durable_rules returned unexpected result code 7" in err and "Traceback" not in err

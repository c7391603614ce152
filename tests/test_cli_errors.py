"""Unusable input gives one clear message and exit code 2, never a traceback."""

import shutil

from conftest import SAMPLE
from westaudit.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_missing_package(capsys, tmp_path):
    code, err = _run(capsys, "audit", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert code == 2 and "nowhere: not a folder" in err


def test_malformed_manifest(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    (package / "manifest.yaml").write_text("office_id: N\nyear: twenty\n", encoding="utf-8")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "manifest.yaml: malformed manifest: year" in err


def test_missing_required_column(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    path = package / "就业落实.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("落实日期", "日期X"), encoding="utf-8-sig")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "就业落实.csv, column placed_on: missing required column (落实日期)" in err


def test_unknown_file(capsys, tmp_path):
    package = tmp_path / "p"
    shutil.copytree(SAMPLE, package)
    (package / "其他.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, err = _run(capsys, "audit", str(package), "--out", str(tmp_path / "out"))
    assert code == 2 and "其他.csv: matches no table" in err


def test_unknown_office_for_self_check(capsys):
    code, err = _run(capsys, "check", str(SAMPLE), "--office", "XX")
    assert code == 2 and "office 'XX' is not in this package" in err

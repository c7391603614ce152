"""Hostile environments, part 4: a full or read-only disk, a path through a file, a store that is not ours, an
office id too long for a file name. Exit 2 with the path and what to do; a run is complete in the store only
after every output is written; an audit that fails leaves no folder that looks finished."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from hostile import OFFICES, error_line, package, run


def states(store: Path) -> list[str]:
    with sqlite3.connect(store) as db:
        return [state for (state,) in db.execute("SELECT state FROM runs ORDER BY run_id")]


def audit(folder: Path, out: Path, store: Path, capsys) -> tuple[int, str, str]:
    return run(["audit", str(folder), "--out", str(out), "--store", str(store)], capsys)


def full_disk(path: str):
    def write(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", path)
    return write


def test_a_full_disk_while_writing_reports_is_exit_2_and_the_run_stays_incomplete(tmp_path, capsys, monkeypatch):
    import westaudit.reports.site as site

    folder = package(tmp_path / "p")
    monkeypatch.setattr(site, "write_junit", full_disk(str(tmp_path / "out" / "junit.xml")))
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)
    assert code == 2, out + err
    assert error_line(err) == (f"{tmp_path}/out/junit.xml: No space left on device; no space left on the device: "
                               "free some space or choose another folder")
    assert states(tmp_path / "s.sqlite") == ["started"]
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no staging folder left


def test_a_read_only_output_is_exit_2_with_what_to_do(tmp_path, capsys, monkeypatch):
    import westaudit.reports.site as site

    folder = package(tmp_path / "p")

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "out" / "findings.xlsx"))
    monkeypatch.setattr(site, "write_workbook", read_only)
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)
    assert code == 2
    assert error_line(err) == (f"{tmp_path}/out/findings.xlsx: Read-only file system; the file system is read-only: "
                               "choose a writable folder (--out, --store)")
    assert states(tmp_path / "s.sqlite") == ["started"]


def test_an_audit_that_succeeds_is_complete_and_its_folder_finished(tmp_path, capsys):
    folder = package(tmp_path / "p")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("kept", encoding="utf-8")
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)
    assert code in (0, 1), err
    assert states(tmp_path / "s.sqlite") == ["complete"]
    assert {"index.html", "report.json", "findings.xlsx", "junit.xml", "offices", "mine.txt"} <= {
        p.name for p in (tmp_path / "out").iterdir()}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_failed_audit_over_an_old_report_leaves_it_without_its_index(tmp_path, capsys, monkeypatch):
    import westaudit.reports.site as site

    folder = package(tmp_path / "p")
    assert audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)[0] in (0, 1)
    monkeypatch.setattr(site, "write_junit", full_disk(str(tmp_path / "out" / "junit.xml")))
    assert audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)[0] == 2
    # the old report is left whole: nothing was moved, since the new one never finished
    assert (tmp_path / "out" / "index.html").exists()
    assert states(tmp_path / "s.sqlite") == ["complete", "started"]


def test_out_through_a_file_is_exit_2(tmp_path, capsys):
    folder = package(tmp_path / "p")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, out, err = audit(folder, tmp_path / "afile" / "out", tmp_path / "s.sqlite", capsys)
    assert code == 2
    assert error_line(err) == (f"--out {tmp_path}/afile/out: {tmp_path}/afile is a file, not a folder; choose "
                               "another path")


def test_out_that_is_a_file_is_exit_2(tmp_path, capsys):
    folder = package(tmp_path / "p")
    (tmp_path / "out").write_text("x", encoding="utf-8")
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)
    assert code == 2
    assert error_line(err) == f"--out {tmp_path}/out: this is a file, not a folder; choose a folder for the reports"


def test_a_store_under_a_file_is_exit_2(tmp_path, capsys):
    folder = package(tmp_path / "p")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "afile" / "s.sqlite", capsys)
    assert code == 2
    assert error_line(err) == (f"{tmp_path}/afile/s.sqlite: audit store unusable: {tmp_path}/afile is a file, not a "
                               "folder; choose another --store (or $WESTAUDIT_STORE)")


def test_another_applications_database_is_not_used_as_the_store(tmp_path, capsys):
    folder = package(tmp_path / "p")
    theirs = tmp_path / "contacts.sqlite"
    with sqlite3.connect(theirs) as db:
        db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    code, out, err = audit(folder, tmp_path / "out", theirs, capsys)
    assert code == 2
    assert error_line(err) == (f"{theirs}: audit store unusable: not a westaudit store: it holds other tables "
                               "(contacts); nothing was written to it. Choose another --store (or $WESTAUDIT_STORE)")
    with sqlite3.connect(theirs) as db:
        assert [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["contacts"]
    for command in (["history", "--store", str(theirs)], ["diff", "1", "2", "--store", str(theirs)]):
        assert run(command, capsys)[0] == 2


def test_check_failing_with_exit_2_leaves_its_run_incomplete(tmp_path, capsys, monkeypatch):
    import westaudit.evaluate.receipts as receipts

    folder = package(tmp_path / "p")
    monkeypatch.setattr(receipts, "write_receipt", full_disk(str(folder / "westaudit-receipt.yaml")))
    code, out, err = run(["check", str(folder), "--office", "GS-LZ-YZ", "--store", str(tmp_path / "s.sqlite")],
                         capsys)
    assert code == 2, out + err
    assert error_line(err).startswith(f"{folder}/westaudit-receipt.yaml: No space left on device")
    assert states(tmp_path / "s.sqlite") == ["started"]


@pytest.mark.parametrize("length", [300, 5000])
def test_an_office_id_too_long_for_a_file_name_is_audited(tmp_path, capsys, length):
    long_id = "GS-LZ-YZ-" + "U" * length
    offices = OFFICES.replace("GS-LZ-YZ-U1,", f"{long_id},")
    folder = package(tmp_path / "p", volunteers=None)
    (folder / "组织机构.csv").write_text(offices, encoding="utf-8")
    code, out, err = audit(folder, tmp_path / "out", tmp_path / "s.sqlite", capsys)
    assert code in (0, 1), err
    names = [p.name for p in (tmp_path / "out" / "offices").iterdir()]
    assert max(len(name.encode()) for name in names) < 255
    assert any(name.startswith("GS-LZ-YZ-UUUU") for name in names)

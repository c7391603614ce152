"""Hostile packages, part 3: masking by content. The sample package with resident ID numbers and mobile numbers
planted in every free-text column and used as volunteer ids; every output of audit, check, validate, history
and diff, and the audit store, scanned byte for byte for the planted numbers: none is found whole."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hostile import run

from westaudit.core.personal_numbers import has_personal_number, mask_text, mask_texts
from westaudit.spec.tables import load_contract

SAMPLE = Path(__file__).parent.parent / "data_samples" / "west2025"
PLANTED_ID = "620102200012077428"
PLANTED_MOBILE = "13812345678"
PLANTED_TEXT = f"（身份证{PLANTED_ID}，电话 {PLANTED_MOBILE}）"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(sequence: int) -> str:
    """A valid resident ID number (GB 11643 check character), born 1999-01-01 onwards by day."""
    body = f"620102{1999 + sequence // 300:04d}{1 + sequence // 28 % 12:02d}{1 + sequence % 28:02d}{sequence % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def plant(target: Path) -> list[str]:
    """The sample copied to ``target`` with the numbers planted; returns every number planted whole."""
    shutil.copytree(SAMPLE, target)
    contract = load_contract()
    by_stem = {stem: spec for spec in contract.values() for stem in spec.file_stems()}
    volunteer_ids: dict[str, str] = {}
    for path in sorted(target.glob("*.csv")):
        spec = by_stem[path.stem]
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:  # the sample has GBK files too
            text = data.decode("gb18030")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header = rows[0]
        canonical = {}
        for position, written in enumerate(header):
            for name, column in spec.columns.items():
                if written in column.accepted_headers(name) or written == name:
                    canonical[position] = (name, column)
        for row in rows[1:]:
            for position, (name, column) in canonical.items():
                if position >= len(row) or not row[position]:
                    continue
                points_at_volunteers = (spec.name == "volunteers" and name == "volunteer_id") or (
                    column.type == "ref" and column.ref == "volunteers.volunteer_id")
                if points_at_volunteers:
                    row[position] = volunteer_ids.setdefault(row[position], id_number(len(volunteer_ids)))
                elif column.type == "string" and not column.pii and name not in spec.key and name != "office_id":
                    row[position] = row[position] + PLANTED_TEXT
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    assert len(volunteer_ids) > 100
    return [PLANTED_ID, PLANTED_MOBILE, *volunteer_ids.values()]


def texts_of(folder: Path) -> dict[str, str]:
    """Every output file's text: workbooks unzipped, SQLite stores dumped."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                found[str(path)] = "".join(book.read(name).decode("utf-8") for name in book.namelist())
        elif path.suffix == ".sqlite":
            with sqlite3.connect(path) as store:
                found[str(path)] = "\n".join(store.iterdump())
        elif path.suffix not in (".sqlite-wal", ".sqlite-shm"):
            found[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return found


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    base = tmp_path_factory.mktemp("masking")
    package = base / "package"
    return base, package, plant(package)


def leaks(text: str, numbers: list[str]) -> list[str]:
    return [number for number in numbers if number in text]


def test_the_mask_finds_what_is_planted():
    assert mask_text(PLANTED_TEXT) == "（身份证620***********7428，电话 138****5678）"
    assert mask_text("+86 138-1234-5678 and 0086 13812345678") == "138****5678 and 138****5678"
    assert mask_text("138 12345678；1381234-5678；138-1234 5678") == "138****5678；138****5678；138****5678"
    assert mask_text("号62010220001207742x。") == "号620***********742x。"
    for kept in ("0.13812345678", "138123456789", "sha 3f13812345678aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6", "V123"):
        assert mask_text(kept) == kept
    assert not has_personal_number(mask_text(PLANTED_TEXT))


def test_texts_masked_together_are_masked_as_each_alone():
    """The store masks a column's distinct texts in one search (mask_texts): no number, context or hash runs from
    one text into the next, whatever the texts' ends hold."""
    texts = [PLANTED_TEXT, "13812345", "678", "0.", "13812345678", "+86 ", "138 1234 5678", "3f1" * 11, "13812345678aa",
             "62010220001207742", "8", "x" * 40, "", "号62010220001207742x。", "a\x00b 13812345678", "138-1234-5678 ",
             "plain text", "V123"]
    for order in (texts, texts[::-1], texts[1::2] + texts[::2]):
        assert mask_texts(order) == [mask_text(text) for text in order]
    assert mask_texts(["no number", "here"]) == ["no number", "here"]
    assert mask_texts([]) == []


def test_no_output_and_no_store_holds_a_planted_number(planted, capsys):
    base, package, numbers = planted
    store, out = base / "store.sqlite", base / "out"
    terminal = []
    for argv in (["audit", str(package), "--out", str(out), "--store", str(store)],
                 ["check", str(package), "--office", "GS-LZ-YZ", "--store", str(store)],
                 ["validate", str(package)],
                 ["history", "--store", str(store)],
                 ["diff", "1", "2", "--store", str(store)]):
        code, stdout, stderr = run(argv, capsys)
        assert code in (0, 1), stderr
        terminal.append(stdout + stderr)
    submitted = {str(path) for path in package.iterdir() if path.suffix == ".csv" or path.name == "planted.yaml"}
    outputs = {name: text for name, text in texts_of(base).items() if name not in submitted}
    assert len([name for name in outputs if name.startswith(str(out / "offices"))]) > 50
    assert str(store) in outputs and str(package / "westaudit-receipt.yaml") in outputs
    found = {name: leaks(text, numbers)[:3] for name, text in outputs.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
    assert [leaks(text, numbers)[:3] for text in terminal] == [[]] * len(terminal)
    masked = "620***********7428"
    assert masked in outputs[str(out / "report.json")]
    assert masked in "\n".join(terminal)


def test_ids_as_volunteer_keys_raise_a_data_quality_warning(planted, capsys):
    _, package, _ = planted
    code, out, _ = run(["validate", str(package)], capsys)
    assert ("数据质量 data quality: 志愿者名册.csv: 列 volunteer_id 的取值是身份证号，已在输出中遮蔽；建议另设志愿者编号 the key "
            "column volunteer_id holds resident ID numbers: they are masked wherever shown; give volunteers an id of "
            "their own") in out

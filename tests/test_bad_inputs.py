"""The bad-input corpus (tests/bad_inputs/): every case gives exactly its documented error or findings."""

from pathlib import Path

import pytest
import yaml

from westaudit.cli import main
from westaudit.intake.package import load_package
from westaudit.spec.tables import load_contract

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def test_every_folder_of_the_corpus_is_a_documented_case():
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_gives_the_documented_answer(name, capsys):
    case = CASES[name]
    code = main(["validate", str(CORPUS / name)])
    out, err = capsys.readouterr()
    assert code == case["exit"], err
    assert "Traceback" not in out + err
    if case["exit"] == 2:
        assert case["error"] in err
        return
    package = load_package(CORPUS / name, load_contract())
    found = [[r.source_file, r.source_row, r.column, r.value, r.expected] for r in package.rejected]
    assert found == case.get("rejected", [])
    for account in package.accounts:
        assert account.rows_read == account.rows_accepted + account.rows_rejected
    for row in found:
        assert f"{row[0]}:{row[1]} 列 column {row[2]}" in out

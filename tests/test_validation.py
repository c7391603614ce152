"""The validation stage: whatever the bytes, cells or header order, only documented errors, and the row
accounting balances; the same data in GBK, UTF-8 with BOM and one XLSX workbook audits identically."""

import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from westaudit.core.errors import InputError
from westaudit.evaluate.audit import run_audit
from westaudit.intake.contract import Check, contract_rules
from westaudit.intake.filereader import read_csv_table
from westaudit.intake.package import load_package
from westaudit.spec.tables import load_contract

CORPUS = Path(__file__).parent / "bad_inputs"
BASE = CORPUS / "header_only_table"  # manifest + offices; volunteers supplied per example
HEADER = (CORPUS / "bad_date" / "志愿者名册.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
GOOD_ROW = (CORPUS / "bad_date" / "志愿者名册.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _package_with_volunteers(folder: Path, content: bytes) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    (folder / "志愿者名册.csv").write_bytes(content)
    return folder


def _assert_balanced(package) -> None:
    for account in package.accounts:
        assert account.rows_read == account.rows_accepted + account.rows_rejected
        rows = {(r.source_file, r.source_row, r.row_kept) for r in package.rejected if r.table == account.table}
        # a row is rejected whole or kept with its bad cells blank, never both
        assert account.rows_rejected == len({(f, n) for f, n, kept in rows if not kept})
        assert account.rows_partial == len({(f, n) for f, n, kept in rows if kept})
        assert not {(f, n) for f, n, kept in rows if kept} & {(f, n) for f, n, kept in rows if not kept}
        assert account.rows_partial <= account.rows_accepted


def test_suites_are_generated_from_the_contract():
    spec = load_contract()["volunteers"]
    rules = contract_rules(spec, frozenset({"offices.office_id"}))
    kinds = {(rule.column, rule.check) for rule in rules}
    assert ("id_number", Check.ID_NUMBER) in kinds
    assert ("county_id", Check.KNOWN_KEY) in kinds
    assert ("status", Check.IN_SET) in kinds
    assert ("service_start", Check.BETWEEN) in kinds
    assert ("volunteer_id", Check.UNIQUE) in kinds
    assert not {c for c, kind in kinds if kind is Check.KNOWN_KEY} - {
        name for name, column in spec.columns.items() if column.type == "office"}


@SETTINGS
@given(content=st.binary(max_size=300))
def test_random_bytes_give_a_documented_error_or_a_balanced_account(tmp_path, content):
    folder = _package_with_volunteers(tmp_path / "p", content)
    try:
        package = load_package(folder, load_contract())
    except InputError:
        return
    _assert_balanced(package)


_CELL = st.one_of(st.text(alphabet=list("0123456789-/.年月日X ０１２，在岗期满GSLZY\""), max_size=12),
                  st.sampled_from(["GS-LZ-YZ", "V1", "620102200012077428", "2025-08-01", "46234", "在岗"]))


@SETTINGS
@given(rows=st.lists(st.lists(_CELL, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=6))
def test_random_cells_are_accepted_or_rejected_never_lost(tmp_path, rows):
    lines = [",".join(HEADER)] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    folder = _package_with_volunteers(tmp_path / "p", ("\n".join(lines) + "\n").encode("utf-8"))
    try:
        package = load_package(folder, load_contract())
    except InputError as error:  # only a row that leaves nothing but blanks past a quote can be unusable
        pytest.fail(f"random cells gave an input error: {error}")
    account = next(a for a in package.accounts if a.table == "volunteers")
    assert account.rows_read == sum(1 for row in rows if "".join(row).strip())
    _assert_balanced(package)


@SETTINGS
@given(order=st.permutations(range(len(HEADER))))
def test_header_order_does_not_change_what_is_accepted(tmp_path, order):
    header = [HEADER[i] for i in order]
    row = [GOOD_ROW[i] for i in order]
    folder = _package_with_volunteers(tmp_path / "p", (",".join(header) + "\n" + ",".join(row) + "\n").encode())
    package = load_package(folder, load_contract())
    assert not package.rejected
    assert package.tables["volunteers"]["volunteer_id"].tolist() == ["V1"]


def _sample_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # the sample keeps some tables in GBK, as offices send them
        return data.decode("gb18030")


def _as_encoding(folder: Path, encoding: str) -> Path:
    shutil.copytree(SAMPLE, folder)
    for path in folder.glob("*.csv"):
        path.write_bytes(_sample_text(path).encode(encoding))
    return folder


def _as_workbook(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(SAMPLE / "manifest.yaml", folder)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for path in sorted(SAMPLE.glob("*.csv")):
        sheet = workbook.create_sheet(path.stem)  # the Chinese title names the sheet
        raw = read_csv_table(path)
        sheet.append(list(raw.headers))
        for row in raw.frame[list(raw.frame.columns[:len(raw.headers)])].itertuples(index=False):
            sheet.append(list(row))
    workbook.save(folder / "西部计划2025.xlsx")
    return folder


def _outcome(report):
    return sorted((r.rule_id, r.office_id, r.status.value, str(r.measured), tuple(sorted(e.key for e in r.evidence)),
                   r.incomplete_tables) for r in report.results)


def test_gbk_utf8_bom_and_one_workbook_give_identical_results(tmp_path, ruleset):
    packages = {"gbk": _as_encoding(tmp_path / "gbk", "gbk"),
                "utf-8-bom": _as_encoding(tmp_path / "bom", "utf-8-sig"),
                "xlsx": _as_workbook(tmp_path / "xlsx")}
    outcomes = {}
    for name, folder in packages.items():
        package = load_package(folder, ruleset.contract)
        _assert_balanced(package)
        outcomes[name] = (_outcome(run_audit(package, ruleset)),
                          sorted((a.table, a.rows_read, a.rows_accepted) for a in package.accounts))
    assert outcomes["gbk"] == outcomes["utf-8-bom"] == outcomes["xlsx"]
    assert len(outcomes["xlsx"][1]) == len(list(SAMPLE.glob("*.csv")))


def test_encoding_option_overrides_detection(tmp_path):
    folder = _as_encoding(tmp_path / "gbk", "gbk")
    with pytest.raises(InputError, match="file is not text in utf-8"):
        load_package(folder, load_contract(), encoding="utf-8")
    assert load_package(folder, load_contract(), encoding="gb18030").accounts


def test_a_workbook_named_after_a_table_may_keep_blank_default_sheets(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(BASE, folder)
    (folder / "志愿者名册.csv").unlink()
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(GOOD_ROW)
    workbook.create_sheet("Sheet2")
    workbook.save(folder / "志愿者名册.xlsx")
    package = load_package(folder, load_contract())
    assert package.tables["volunteers"]["volunteer_id"].tolist() == ["V1"]


def test_random_order_rejections_follow_their_rows(tmp_path):
    rows = [GOOD_ROW[:], [*GOOD_ROW]]
    rows[1][0] = "V2"
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")
    random.Random(4).shuffle(rows)
    folder = _package_with_volunteers(tmp_path / "p", "\n".join(",".join(r) for r in [HEADER, *rows]).encode())
    package = load_package(folder, load_contract())
    assert [(r.source_row, r.column) for r in package.rejected] == [(2 + [r[0] for r in rows].index("V2"), "id_number")]

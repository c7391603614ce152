"""The data contract's two runners give the same violations: Great Expectations (engine/intake/validation.py, the
validator of record) and vectorised pandas (engine/intake/contract_pandas.py, the self-check's).

Every table that reaches validation while a package is read is validated by both (the hook below), over the
sample package, the bad-input corpus, hostile packages, and frames with a planted violation of every rule.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile import OFFICES, VOLUNTEERS_HEADER, package

from conftest import SAMPLE
from westaudit.core.errors import InputError
from westaudit.intake import coerce, contract_pandas, validation
from westaudit.intake.contract import (
    GREAT_EXPECTATIONS,
    OFFICES_KEY_SET,
    PANDAS,
    Check,
    ContractRule,
    Violation,
    contract_rules,
)
from westaudit.intake.package import load_package
from westaudit.spec.tables import TableSpec, load_contract

BAD_INPUTS = Path(__file__).parent / "bad_inputs"


def differences(of_record: list[Violation], other: list[Violation]) -> list[str]:
    """What one runner found that the other did not, rule by rule and row by row, in order; [] when the same."""
    def summary(violations: list[Violation]) -> list[tuple[ContractRule, tuple]]:
        return [(v.rule, tuple(v.rows.tolist())) for v in violations]

    found, also = summary(of_record), summary(other)
    if found == also:
        return []
    return [f"{GREAT_EXPECTATIONS} only: {item}" for item in found if item not in also] + \
        [f"{PANDAS} only: {item}" for item in also if item not in found] + \
        ([f"the same violations in another order: {found} / {also}"] if sorted(map(str, found)) ==
         sorted(map(str, also)) else [])


class BothRunners:
    """coerce's validation replaced by both runners; the record's answer is used, every difference kept."""

    def __init__(self) -> None:
        self.tables = 0
        self.violations = 0
        self.differences: list[str] = []

    def __call__(self, spec: TableSpec, frame: pd.DataFrame, key_sets: dict[str, set],
                 validator: str = GREAT_EXPECTATIONS) -> list[Violation]:
        of_record = validation.validate_table(spec, frame, key_sets)
        self.differences += [f"{spec.name}: {d}" for d in differences(
            of_record, contract_pandas.validate_table(spec, frame, key_sets))]
        self.tables += 1
        self.violations += len(of_record)
        return of_record


@pytest.fixture
def both(monkeypatch) -> BothRunners:
    runners = BothRunners()
    monkeypatch.setattr(coerce, "validate_table", runners)
    return runners


def _planted_volunteers() -> pd.DataFrame:
    spec = load_contract()["volunteers"]
    rows = {
        "volunteer_id": ["V1", "V2", "V2", None, "V5", "V6", "V7"],
        "name": ["张三", None, "王五", "赵六", "钱七", "孙八", "周九"],
        "id_number": ["620102200012077428", "620102200109129108", "620102200012077420", None,
                      "620102200012077428", "62010220001207742X", "620102200109129108"],
        "university_id": ["UNI", "UNI", "UNI", "UNI", "UNI", "NOWHERE", "UNI"],
        "county_id": ["C1", "C1", "C1", "C1", "NOWHERE", "C1", None],
        "unit_id": ["U1", "U1", "U1", "U1", "U1", "U1", "U1"],
        "cohort_year": pd.array([2025, 2025, 1999, 2025, None, 2025, 2025], dtype="Int64"),
        "service_start": pd.to_datetime(["2025-08-01", "1999-01-01", "2025-08-01", None, "2101-01-01",
                                         "2025-08-01", "2025-08-01"]),
        "service_end": pd.to_datetime(["2026-07-31"] * 7),
        "status": ["serving", "serving", "on_the_moon", None, "serving", "serving", "left"],
    }
    frame = pd.DataFrame({name: rows.get(name) for name in spec.columns}, index=[3, 1, 4, 10, 5, 9, 2])
    return frame


def test_the_two_runners_agree_on_a_planted_violation_of_every_rule_type():
    spec = load_contract()["volunteers"]
    key_sets = {OFFICES_KEY_SET: {"C1", "U1", "UNI"}}
    frame = _planted_volunteers()
    of_record = validation.validate_table(spec, frame, key_sets)
    assert differences(of_record, contract_pandas.validate_table(spec, frame, key_sets)) == []
    broken = {rule.check for rule in contract_rules(spec, frozenset(key_sets))}
    assert {v.rule.check for v in of_record} == broken == set(Check)  # every type planted and found
    assert {v.rule.column for v in of_record if v.rule.check is Check.FILLED} >= {"volunteer_id", "name"}


def test_a_compound_key_and_numeric_bounds_agree_with_blanks_among_them():
    spec = TableSpec.model_validate({
        "name": "pairs", "title_zh": "配对", "title_en": "pairs", "key": ["year", "office_id"],
        "owner_column": "office_id", "columns": {
            "year": {"type": "int", "zh": "年度", "nullable": True, "min": 2003, "max": 2100},
            "office_id": {"type": "office", "zh": "机构编号", "nullable": True},
            "share": {"type": "float", "zh": "比例", "min": 0, "max": 1},
            "amount": {"type": "float", "zh": "金额", "min": 0},
        }})
    frame = pd.DataFrame({
        "year": pd.array([2025, 2025, None, None, 2024, 2025, 1990], dtype="Int64"),
        "office_id": ["A", "A", None, None, "A", "B", "A"],
        "share": [0.5, 1.5, np.nan, -0.1, 1.0, 0.0, 0.2],
        "amount": [1.0, -1.0, 0.0, np.nan, 5.0, -0.0, 2.0],
    }, index=[7, 6, 5, 4, 3, 2, 1])
    key_sets = {OFFICES_KEY_SET: {"A"}}
    of_record = validation.validate_table(spec, frame, key_sets)
    assert differences(of_record, contract_pandas.validate_table(spec, frame, key_sets)) == []
    assert {v.rule.check for v in of_record} == {Check.FILLED, Check.BETWEEN, Check.KNOWN_KEY, Check.UNIQUE}


def test_the_comparison_catches_a_runner_that_keeps_the_first_of_a_repeated_key(monkeypatch):
    spec = load_contract()["volunteers"]
    key_sets = {OFFICES_KEY_SET: {"C1", "U1", "UNI"}}
    frame = _planted_volunteers()

    def first_kept(frame, key):  # the mistake of marking duplicates as pandas' duplicated() does by default
        return frame[key].duplicated().to_numpy()

    monkeypatch.setattr(contract_pandas, "_repeated", first_kept)
    found = differences(validation.validate_table(spec, frame, key_sets),
                        contract_pandas.validate_table(spec, frame, key_sets))
    assert any(GREAT_EXPECTATIONS in line and "UNIQUE" in line for line in found)


def test_the_comparison_catches_a_runner_that_judges_blanks_and_one_that_reorders():
    rule = ContractRule(Check.IN_SET, ("status",), "one of", value_set=("serving",))
    other = ContractRule(Check.ID_NUMBER, ("id_number",), "id")
    one = [Violation(rule, pd.Index([1])), Violation(other, pd.Index([2]))]
    assert differences(one, [Violation(rule, pd.Index([1, 3])), one[1]])
    assert differences(one, list(reversed(one))) == [
        f"the same violations in another order: {[(rule, (1,)), (other, (2,))]} / {[(other, (2,)), (rule, (1,))]}"]
    assert differences(one, one) == []


def test_the_runners_agree_over_the_sample_package(both):
    load_package(SAMPLE, load_contract())
    assert both.tables == len(load_contract())  # every table of the sample reached both runners
    assert both.differences == []


@pytest.mark.parametrize("case", sorted(p.name for p in BAD_INPUTS.iterdir() if p.is_dir()))
def test_the_runners_agree_over_the_bad_input_corpus(both, case):
    # refused before or while typing: whatever was validated before is compared all the same
    with contextlib.suppress(InputError):
        load_package(BAD_INPUTS / case, load_contract())
    assert both.differences == []


HOSTILE_ROWS = {
    "ids_as_numbers": "V1,张三,6.20102E+17,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n",
    "far_dates": "V1,张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,9999-12-31,1900-01-01,在岗\n",
    "blank_key_and_spaces": " ,\u200b,620102200012077428, ,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n",
    "non_characters": "V1,张\ufffe三,62010220001207742x,UNI-LZU,GS-LZ-YZ\uffff,GS-LZ-YZ-U1,20２5,2025-08-01,2026-07-31,离岗\n",
    "repeats": "V1,张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n" * 3,
    "bad_cohort": "V1,张三,620102200012077428,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,1800,2025-08-01,2026-07-31,???\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ROWS))
def test_the_runners_agree_over_hostile_packages(both, tmp_path, case):
    folder = package(tmp_path / case, VOLUNTEERS_HEADER + HOSTILE_ROWS[case] +
                     "V9,李四,620102200109129108,UNI-LZU,GS-LZ-YZ,GS-LZ-YZ-U1,2025,2025-08-01,2026-07-31,在岗\n")
    assert "GS-LZ-YZ" in OFFICES
    with contextlib.suppress(InputError):
        load_package(folder, load_contract())
    assert both.tables >= 1
    assert both.differences == []


def test_check_s_pandas_runner_gives_the_record_s_rejected_rows_on_the_sample():
    contract = load_contract()
    of_record = load_package(SAMPLE, contract, validator=GREAT_EXPECTATIONS)
    fast = load_package(SAMPLE, contract, validator=PANDAS)
    assert fast.rejected == of_record.rejected and fast.accounts == of_record.accounts
    assert all(fast.tables[name].equals(frame) for name, frame in of_record.tables.items())


def test_an_unknown_validator_is_a_programming_error():
    spec = load_contract()["offices"]
    with pytest.raises(ValueError, match="none of"):
        coerce.validate_table(spec, pd.DataFrame({"office_id": ["A"]}), {}, validator="guesswork")


def test_the_audit_command_gives_the_same_report_with_either_runner(tmp_path):
    """`audit --validator pandas` (the national audit in a fraction of the time): every result and rejected row
    as with Great Expectations, the validator of record."""
    import json

    from westaudit.cli import main
    from westaudit.reports.report_json import results_of

    documents = {}
    for runner in (GREAT_EXPECTATIONS, PANDAS):
        out = tmp_path / runner
        assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store", "--validator", runner]) == 1
        documents[runner] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_ge, by_pandas = documents[GREAT_EXPECTATIONS], documents[PANDAS]
    assert results_of(by_ge) == results_of(by_pandas) and len(results_of(by_ge)) > 500
    assert by_ge["rejected_rows"] == by_pandas["rejected_rows"] and by_ge["tables"] == by_pandas["tables"]

"""Evidence cells written column by column (engine/evaluate/evidence.py) read as cell_text writes each cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from westaudit.checks.office_rows import values_by
from westaudit.evaluate.evidence import _column_texts, _in_source_order
from westaudit.intake.masking import cell_text

COLUMNS = {
    "dates": pd.Series(pd.to_datetime(["2025-03-31", None, "2025-03-31 10:05", "2025-04-01 00:00:30"], format="ISO8601")),
    "floats": pd.Series([2200.0, float("nan"), 0.5, -3.0]),
    "ints": pd.Series([1, 2, 30, -4]),
    "bools": pd.Series([True, False, True, False]),
    "nullable bools": pd.Series([True, pd.NA, False, pd.NA], dtype="boolean"),
    "nullable ints": pd.Series([1, pd.NA, 3, 4], dtype="Int64"),
    "text": pd.Series(["甲", None, "", "V2025"]),
    "strings": pd.Series(["a", pd.NA, "c", "d"], dtype="string"),
}


@pytest.mark.parametrize("name", COLUMNS)
def test_a_column_reads_as_its_cells_one_by_one(name):
    column = COLUMNS[name]
    assert _column_texts(column, None) == [cell_text(value) for value in column.to_numpy(dtype=object)]


def test_personal_numbers_are_masked_column_by_column():
    texts = _column_texts(pd.Series(["110101199003071234", None]), "id_number")
    assert "110101199003071234" not in texts[0] and texts[1] == ""


def test_rows_in_source_order_come_back_as_they_are_and_others_sorted():
    ordered = pd.DataFrame({"_src_file": ["a.csv"] * 3, "_src_row": [2, 5, 9], "v": [1, 2, 3]})
    assert _in_source_order(ordered) is ordered
    shuffled = ordered.iloc[[2, 0, 1]]
    assert list(_in_source_order(shuffled)["_src_row"]) == [2, 5, 9]
    two_files = pd.DataFrame({"_src_file": ["b.csv", "a.csv", "a.csv"], "_src_row": [1, 7, 3]})
    ordered_rows = _in_source_order(two_files)
    assert list(ordered_rows["_src_file"]) == ["a.csv", "a.csv", "b.csv"]
    assert list(ordered_rows["_src_row"]) == [3, 7, 1]


def test_values_by_key_are_those_a_groupby_gives():
    frame = pd.DataFrame({"office_id": ["B", "A", None, "B", np.nan, "A"], "v": ["x", "y", "z", "w", "q", "y"]})
    grouped = frame.groupby("office_id")["v"]
    assert {k: "、".join(v) for k, v in values_by(frame["office_id"], frame["v"]).items()} == \
        grouped.agg("、".join).to_dict()
    assert {k: set(v) for k, v in values_by(frame["office_id"], frame["v"]).items()} == grouped.agg(set).to_dict()


def test_evidence_of_several_frames_written_together_equals_each_written_alone(ruleset):
    from westaudit.evaluate.evidence import evidence_of_each, evidence_rows

    spec = ruleset.contract["subsidies"]
    base = {"_src_file": "补贴发放.csv", "payment_id": ["P1", "P2"], "volunteer_id": ["V1", "V2"],
            "county_id": ["130101", None], "subsidy_type": ["living", "transport"]}
    frames = [
        pd.DataFrame(base | {"_src_row": [5, 2], "amount": [2200, 300], "_reason": ["逾期", "未发放"]}),
        None,
        pd.DataFrame(base | {"_src_row": [3, 4], "amount": [2200.5, float("nan")], "_reason": ["逾期", None]}),
        pd.DataFrame(base | {"_src_row": [7, 8], "amount": [1.0, 2.0]}),  # no _reason: written apart
        pd.DataFrame(columns=["_src_file", "_src_row", "payment_id"]),
    ]
    assert evidence_of_each(frames, spec) == [evidence_rows(frame, spec) for frame in frames]
    assert evidence_of_each(frames, spec)[2][0][1].values[-1] == ("amount", "")

"""Hostile packages, part 6: the answers that misled (issue 19), each now pointing at the problem."""

from __future__ import annotations

from hostile import VOLUNTEER_ROWS, VOLUNTEERS, VOLUNTEERS_HEADER, accounts, error_line, package, run


def test_a_date_no_calendar_column_holds_is_out_of_the_window_not_not_a_date(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace("2026-07-31,在岗\nV2", "9999-12-31,在岗\nV2"))
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 1, err
    assert accounts(out)["volunteers"] == (2, 2, 0, 1)  # the cell rejected, the row kept
    assert ("志愿者名册.csv:2 列 column service_end 值 value '9999-12-31'：应为 expected 日期在 date within "
            "2003-01-01 – 2100-12-31") in out


def test_an_impossible_date_is_still_not_a_date(tmp_path, capsys):
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS.replace("2026-07-31,在岗\nV2", "9999-02-30,在岗\nV2"))
    code, out, _ = run(["validate", str(folder)], capsys)
    assert code == 1
    assert "值 value '9999-02-30'：应为 expected 日期 date (2025-03-31 / 2025年3月31日)" in out


def test_an_extra_cell_holding_an_id_number_is_named_masked(tmp_path, capsys):
    rows = [VOLUNTEER_ROWS[0], VOLUNTEER_ROWS[1].rstrip("\n") + ",620102200012077428\n"]
    folder = package(tmp_path / "p", volunteers=VOLUNTEERS_HEADER + "".join(rows))
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 2
    assert error_line(err) == ("志愿者名册.csv，第 3 行 row 3，第 11 列 column 11，值 value '620***********7428'："
                               '这一行有 11 个单元格，但表头只有 10 列：请删掉表头右边多出的内容，或给这一列补上表头 '
                               '/ row has 11 cells but the header has only 10 columns')
    assert "620102200012077428" not in str(out + err)

"""Reading submitted tables: encodings, row numbers, workbooks, header matching, and hostile bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from westaudit.core.errors import InputError
from westaudit.intake.cells import parse_date
from westaudit.intake.filereader import (
    SOURCE_FILE,
    SOURCE_ROW,
    HeaderMatch,
    RawTable,
    match_headers,
    read_csv_table,
    read_xlsx_sheets,
)

HEADER = ["姓名", "身份证号码", "服务单位", "出生日期", "补贴（元）"]
ROWS = [
    ["张三", "11010519491231002X", "新疆维吾尔自治区和田地区", "1999年3月31日", "1,234"],
    ["李四", "110105199003071234", "西藏自治区拉萨市", "2000-01-02", ""],
    ["王五", "", "青海省 玉树州", "2001/12/31", "800"],
]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_xlsx(path, sheets: dict[str, list[list[object]]]) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def data_only(table: RawTable) -> pd.DataFrame:
    return table.frame.drop(columns=[SOURCE_FILE])


# --------------------------------------------------------------------------------------------------------
# Same data, every way offices send it
# --------------------------------------------------------------------------------------------------------


def test_gbk_utf8_bom_utf8_and_xlsx_read_to_identical_frames(tmp_path):
    text = csv_text([HEADER, *ROWS])
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "gb18030.csv").write_bytes(text.encode("gb18030"))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "plain.csv").write_bytes(text.encode("utf-8"))
    write_xlsx(tmp_path / "book.xlsx", {"名单": [HEADER, *ROWS]})

    tables = [read_csv_table(tmp_path / name) for name in ("gbk.csv", "gb18030.csv", "bom.csv", "plain.csv")]
    tables.append(read_xlsx_sheets(tmp_path / "book.xlsx")["名单"])

    expected = pd.DataFrame(
        ROWS, columns=["姓名", "身份证号码", "服务单位", "出生日期", "补贴(元)"], dtype=object
    )
    expected[SOURCE_ROW] = [2, 3, 4]
    for table in tables:
        assert table.headers == ("姓名", "身份证号码", "服务单位", "出生日期", "补贴(元)")
        pd.testing.assert_frame_equal(data_only(table), expected)
    assert [table.source for table in tables] == [
        "gbk.csv",
        "gb18030.csv",
        "bom.csv",
        "plain.csv",
        "book.xlsx#名单",
    ]
    assert (tables[0].frame[SOURCE_FILE] == "gbk.csv").all()


def test_explicit_encoding_is_used(tmp_path):
    (tmp_path / "a.csv").write_bytes(csv_text([HEADER, ROWS[0]]).encode("gbk"))
    assert read_csv_table(tmp_path / "a.csv", encoding="gbk").frame["姓名"].tolist() == ["张三"]
    with pytest.raises(InputError, match="a.csv"):
        read_csv_table(tmp_path / "a.csv", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_csv_table(tmp_path / "a.csv", encoding="no-such-codec")


# --------------------------------------------------------------------------------------------------------
# CSV shape
# --------------------------------------------------------------------------------------------------------


def test_blank_lines_are_skipped_but_counted_and_multiline_cells_are_one_row(tmp_path):
    content = 'a,b\n\n1,"two\nlines"\n , \n,,\n3\n\n'
    (tmp_path / "t.csv").write_text(content, encoding="utf-8")
    table = read_csv_table(tmp_path / "t.csv")
    assert table.frame[SOURCE_ROW].tolist() == [3, 6]
    assert table.frame["a"].tolist() == ["1", "3"]
    assert table.frame["b"].tolist() == ["two\nlines", ""]  # a short row is padded, not shifted


def test_cells_are_kept_as_written(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n 007 ,NA\n", encoding="utf-8")
    frame = read_csv_table(tmp_path / "t.csv").frame
    assert frame.loc[0, "a"] == " 007 " and frame.loc[0, "b"] == "NA"


def test_header_is_the_first_non_blank_row(tmp_path):
    (tmp_path / "t.csv").write_text("\n,\nA , B\n1,2\n", encoding="utf-8")
    table = read_csv_table(tmp_path / "t.csv")
    assert table.headers == ("A", "B")
    assert table.frame[SOURCE_ROW].tolist() == [4]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", "姓名,电话\r\n".encode("gbk")])
def test_empty_and_header_only_files_have_no_rows(tmp_path, content):
    (tmp_path / "t.csv").write_bytes(content)
    table = read_csv_table(tmp_path / "t.csv")
    assert len(table.frame) == 0
    assert list(table.frame.columns[-2:]) == [SOURCE_ROW, SOURCE_FILE]


def test_row_with_more_cells_than_header_names_file_and_row(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n\n3,4,extra\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_csv_table(tmp_path / "t.csv")
    assert (caught.value.file, caught.value.row, caught.value.value) == ("t.csv", 4, "extra")


def test_empty_cells_past_the_header_are_tolerated(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,,\n1,2,,\n3,4, ,\n", encoding="utf-8")
    table = read_csv_table(tmp_path / "t.csv")
    assert table.headers == ("a", "b")
    assert table.frame[["a", "b"]].values.tolist() == [["1", "2"], ["3", "4"]]


def test_blank_and_repeated_headers_get_addressable_columns(tmp_path):
    (tmp_path / "t.csv").write_text("a,,a,b\n1,2,3,4\n", encoding="utf-8")
    table = read_csv_table(tmp_path / "t.csv")
    assert table.headers == ("a", "", "a", "b")
    assert list(table.frame.columns) == ["a", "_col2", "a#2", "b", SOURCE_ROW, SOURCE_FILE]


def test_reserved_header_is_refused(tmp_path):
    (tmp_path / "t.csv").write_text("a,_src_row\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="reserved"):
        read_csv_table(tmp_path / "t.csv")


def test_undecodable_and_missing_files_raise_input_error(tmp_path):
    (tmp_path / "bin.csv").write_bytes(b"a,b\n\xff\xfe\x80\x80\n")
    with pytest.raises(InputError) as caught:
        read_csv_table(tmp_path / "bin.csv")
    assert caught.value.file == "bin.csv"
    with pytest.raises(InputError, match="cannot read"):
        read_csv_table(tmp_path / "absent.csv")


# --------------------------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------------------------


def test_xlsx_cells_become_text_that_the_parsers_read(tmp_path):
    write_xlsx(
        tmp_path / "b.xlsx",
        {
            "名单": [
                [],
                ["姓名", "报到日期", "人数", "金额", "在岗", "时间"],
                ["张三", dt.datetime(2025, 3, 31), 12, 12.0, True, dt.datetime(2025, 3, 31, 14, 30)],
                [None, None, None, None, None, None],
                ["李四", dt.date(2025, 3, 31), -3, 12.5, False, None],
                [],
                [],
            ],
            "空表": [],
        },
    )
    sheets = read_xlsx_sheets(tmp_path / "b.xlsx")
    assert list(sheets) == ["名单", "空表"]
    table = sheets["名单"]
    assert table.source == "b.xlsx#名单"
    assert table.frame[SOURCE_ROW].tolist() == [3, 5]
    assert table.frame["报到日期"].tolist() == ["2025-03-31 00:00:00", "2025-03-31 00:00:00"]
    assert table.frame["人数"].tolist() == ["12", "-3"]
    assert table.frame["金额"].tolist() == ["12", "12.5"]
    assert table.frame["在岗"].tolist() == ["TRUE", "FALSE"]
    assert table.frame["时间"].tolist() == ["2025-03-31 14:30:00", ""]
    assert parse_date(table.frame["报到日期"]).values.tolist() == [pd.Timestamp("2025-03-31")] * 2
    assert len(sheets["空表"].frame) == 0 and sheets["空表"].headers == ()


def test_xlsx_data_past_the_header_is_refused(tmp_path):
    write_xlsx(tmp_path / "b.xlsx", {"s": [["a", "b"], [1, 2, "备注"]]})
    with pytest.raises(InputError) as caught:
        read_xlsx_sheets(tmp_path / "b.xlsx")
    assert (caught.value.file, caught.value.row) == ("b.xlsx#s", 2)


def test_xlsx_with_a_wrong_dimension_is_read_whole(tmp_path):
    write_xlsx(tmp_path / "b.xlsx", {"s": [["a"], ["1"], ["2"], ["3"]]})
    rewritten = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(tmp_path / "b.xlsx") as source, zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b'<dimension ref="A1:A4"/>', b'<dimension ref="A1:A2"/>')
            target.writestr(item, data)
    assert read_xlsx_sheets(rewritten)["s"].frame["a"].tolist() == ["1", "2", "3"]


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken", b"PK\x05\x06" + b"\0" * 18])
def test_corrupt_workbook_raises_input_error(tmp_path, content):
    (tmp_path / "bad.xlsx").write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_xlsx_sheets(tmp_path / "bad.xlsx")
    assert caught.value.file == "bad.xlsx"


def test_zip_that_is_not_a_workbook_raises_input_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError):
        read_xlsx_sheets(tmp_path / "other.xlsx")


def test_missing_workbook_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_xlsx_sheets(tmp_path / "absent.xlsx")


# --------------------------------------------------------------------------------------------------------
# Header matching
# --------------------------------------------------------------------------------------------------------

ALIASES = {
    "name": ["姓名", "志愿者姓名"],
    "id_number": ["身份证号码", "身份证号", "ID number"],
    "subsidy": ["补贴（元）", "补贴金额"],
    "phone": ["手机", "联系电话"],
}


def test_match_headers_by_alias_case_width_and_spaces():
    match = match_headers(["志愿者姓名", "身份证 号码", "补贴(元)", "备注"], ALIASES)
    assert match == HeaderMatch(
        mapping={"志愿者姓名": "name", "身份证 号码": "id_number", "补贴(元)": "subsidy"},
        unknown=("备注",),
        duplicates={},
        missing=("phone",),
    )
    assert match_headers(["ＩＤ　ＮＵＭＢＥＲ", "Phone"], ALIASES).mapping == {
        "ＩＤ　ＮＵＭＢＥＲ": "id_number",
        "Phone": "phone",
    }


def test_two_headers_for_one_column_are_duplicates_and_left_unmapped():
    match = match_headers(["姓名", "身份证号", "name", "身份证号"], ALIASES)
    assert match.mapping == {}
    assert match.duplicates == {"name": ("姓名", "name"), "id_number": ("身份证号", "身份证号")}
    assert match.missing == ("subsidy", "phone")


def test_conflicting_aliases_are_a_programming_error():
    with pytest.raises(ValueError, match="alias of both"):
        match_headers(["x"], {"a": ["姓名"], "b": ["姓名 "]})


@settings(max_examples=150, deadline=None)
@given(
    headers=st.lists(
        st.one_of(
            st.sampled_from([s for spellings in ALIASES.values() for s in spellings] + list(ALIASES)),
            st.text(max_size=8),
        ),
        max_size=8,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_header_order_does_not_change_the_match(headers, seed):
    shuffled = headers[:]
    random.Random(seed).shuffle(shuffled)
    first, second = match_headers(headers, ALIASES), match_headers(shuffled, ALIASES)
    assert first.mapping == second.mapping
    assert sorted(first.unknown) == sorted(second.unknown)
    assert {k: sorted(v) for k, v in first.duplicates.items()} == {
        k: sorted(v) for k, v in second.duplicates.items()
    }
    assert first.missing == second.missing


# --------------------------------------------------------------------------------------------------------
# Arbitrary input
# --------------------------------------------------------------------------------------------------------


def line_breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r")


CSV_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=st.sampled_from('ab,"\n\r 中文'), max_size=120).map(lambda text: text.encode("utf-8")),
    st.text(alphabet=st.sampled_from('ab,"\n\r 中文'), max_size=120).map(lambda text: text.encode("gbk")),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=CSV_BYTES)
def test_random_bytes_read_or_raise_input_error_with_rows_accounted_for(tmp_path, data):
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    try:
        table = read_csv_table(path)
    except InputError as error:
        assert error.file == "random.csv"
        return
    rows = table.frame[SOURCE_ROW].tolist()
    assert rows == sorted(set(rows))  # strictly increasing: one frame row per spreadsheet row
    assert all(2 <= row <= line_breaks(data) + 1 for row in rows)
    assert len(table.frame.columns) == len(table.headers) + 2
    if not table.headers:
        assert rows == []


ROW_CELLS = st.lists(st.text(alphabet=st.sampled_from('xy1 ,"\n中'), max_size=4), min_size=0, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(ROW_CELLS, max_size=10), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_written_rows_come_back_with_their_row_numbers(tmp_path, body, encoding):
    header = ["c1", "c2", "c3"]
    path = tmp_path / "rows.csv"
    path.write_bytes(csv_text([header, *body]).encode(encoding))
    table = read_csv_table(path)
    kept = [(number, cells) for number, cells in enumerate(body, start=2) if "".join(cells).strip()]
    assert table.frame[SOURCE_ROW].tolist() == [number for number, _ in kept]
    assert table.frame[header].values.tolist() == [cells + [""] * (3 - len(cells)) for _, cells in kept]


def _read_either_way(text: str, read) -> object:
    try:
        return read(text)
    except InputError as error:
        return str(error)


QUOTE_FREE_PIECES = st.sampled_from(["a", "是", "1", ",", ",", " ", "\t", "\u3000", "\u200b", "\x0b", "\n", "\n",
                                     "\r\n", "_src_row", "h"])


@settings(max_examples=400, deadline=None)
@given(body=st.lists(QUOTE_FREE_PIECES, max_size=40), with_header=st.booleans())
def test_quote_free_files_read_column_wise_as_row_by_row(body, with_header):
    # pandas' tokenizer reads files without quotes; the table must be the one csv.reader's records give
    from westaudit.intake import filereader

    text = ("h1,h2,h3\n" if with_header else "") + "".join(body)
    column_wise = _read_either_way(text, lambda t: filereader._quote_free_table("t.csv", t))
    if column_wise is None:
        return  # left to the general path
    row_wise = _read_either_way(text, lambda t: filereader._build_table("t.csv", filereader._csv_records("t.csv", t)))
    if isinstance(row_wise, str) or isinstance(column_wise, str):
        assert column_wise == row_wise
        return
    assert column_wise.headers == row_wise.headers
    pd.testing.assert_frame_equal(column_wise.frame, row_wise.frame, check_exact=True)
    assert type(column_wise.frame.index) is type(row_wise.frame.index)


def test_xlsx_rows_keep_their_excel_numbers_when_the_sheet_starts_away_from_a1(tmp_path):
    # calamine reads from the first used cell; the empty area before it is kept, so row numbers stay Excel's
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "s"
    sheet["C4"], sheet["D4"], sheet["E4"] = "编号", "身份证号", "时间"
    sheet["C6"], sheet["D6"], sheet["E6"] = "V1", 620102200012077428, dt.time(14, 30)
    sheet["D9"] = dt.date(2025, 3, 31)
    book.save(tmp_path / "b.xlsx")
    table = read_xlsx_sheets(tmp_path / "b.xlsx")["s"]
    assert table.headers[-3:] == ("编号", "身份证号", "时间")  # after the two blank columns A and B, as in Excel
    assert table.frame[SOURCE_ROW].tolist() == [6, 9]
    assert table.frame["身份证号"].tolist() == ["6.20102200012077E+17", "2025-03-31 00:00:00"]
    assert table.frame["时间"].tolist() == ["14:30:00", ""]

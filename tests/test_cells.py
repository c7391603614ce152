"""Cell parsers: every accepted spelling, every rejection, and no surprises on arbitrary text."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from westaudit.intake.cells import (
    Parsed,
    id_number_valid,
    mask_id_number,
    mask_id_numbers,
    mask_phone,
    mask_phones,
    normalise_text,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_enum,
    parse_float,
    parse_int,
)

MARCH_31 = pd.Timestamp("2025-03-31")
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check_char(first_17: str) -> str:
    """Complete a 17-digit body with its GB 11643-1999 check character, computed independently here."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True))
    return first_17 + "10X98765432"[total % 11]


def one(parsed: Parsed) -> tuple[object, bool]:
    return parsed.values.iloc[0], bool(parsed.bad.iloc[0])


# --------------------------------------------------------------------------------------------------------
# normalise_text
# --------------------------------------------------------------------------------------------------------


def test_normalise_text_folds_width_strips_and_collapses_but_keeps_chinese():
    raw = pd.Series(
        ["  ＡＢＣ　１２３  ", "西部\t\t计划 ", "\u200b是\ufeff", None, np.nan, 12.0, "中\u3000文"],
        dtype=object,
    )
    assert normalise_text(raw).tolist()[:3] == ["ABC 123", "西部 计划", "是"]
    result = normalise_text(raw)
    assert result.iloc[3:5].isna().all()
    assert result.iloc[5:].tolist() == ["12", "中 文"]
    assert result.index.equals(raw.index)


# --------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------

DATE_FORMS = [
    "2025年3月31日",
    "2025年03月31日",
    "2025 年 3 月 31 日",
    "２０２５年３月３１日",
    "2025-3-31",
    "2025-03-31",
    "2025/03/31",
    "2025/3/31",
    "2025.3.31",
    "20250331",
    "45747",
    "45747.0",
    " 2025-03-31 ",
    "2025-03-31 00:00:00",
    "2025-03-31T08:30",
    "2025年3月31日 14:30",
    "2025/3/31 14:30",
]


@pytest.mark.parametrize("written", DATE_FORMS)
def test_every_date_form_reads_as_march_31(written):
    assert one(parse_date(pd.Series([written]))) == (MARCH_31, False)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025年3月31日 14:30", "2025-03-31 14:30"),
        ("2025年3月31日14时30分", "2025-03-31 14:30"),
        ("2025年3月31日 14点30分15秒", "2025-03-31 14:30:15"),
        ("2025/3/31 14:30", "2025-03-31 14:30"),
        ("2025-03-31T08:30", "2025-03-31 08:30"),
        ("2025-03-31 08:30:15.5", "2025-03-31 08:30:15.5"),
        ("45747.604166666664", "2025-03-31 14:30"),  # Excel serial with a day fraction
        ("2025-03-31", "2025-03-31 00:00"),
    ],
)
def test_parse_datetime_keeps_the_time(written, expected):
    assert one(parse_datetime(pd.Series([written]))) == (pd.Timestamp(expected), False)


def test_parse_date_drops_the_time():
    assert one(parse_date(pd.Series(["2025/3/31 14:30"]))) == (MARCH_31, False)


@pytest.mark.parametrize(
    "written",
    [
        "2025-02-30",  # no such day
        "2025年13月1日",
        "2025-3/31",  # mixed separators
        "31/03/2025",  # day-first is ambiguous with month-first
        "03/31/2025",
        "2025年3月",
        "10000",  # five digits but not a plausible Excel serial
        "90000",
        "2025年3月314:30",  # day and hour run together
        "2025-03-31 25:00",
        "yesterday",
        "9999-01-01",  # outside datetime64[ns]
    ],
)
def test_unparsable_dates_are_bad(written):
    value, bad = one(parse_date(pd.Series([written])))
    assert pd.isna(value) and bad


def test_blank_dates_are_missing_not_bad():
    parsed = parse_date(pd.Series(["", "   ", "\u3000", None, np.nan], dtype=object))
    assert parsed.values.isna().all()
    assert not parsed.bad.any()


def test_datetime_cells_and_excel_numbers_are_dates():
    cells = pd.Series(
        [dt.datetime(2025, 3, 31, 9, 15), dt.date(2025, 3, 31), 45747, 45747.0, pd.Timestamp(MARCH_31)]
    )
    parsed = parse_date(cells)
    assert parsed.values.tolist() == [MARCH_31] * 5
    assert parse_datetime(cells).values.iloc[0] == pd.Timestamp("2025-03-31 09:15")


def test_datetime64_column_passes_through():
    column = pd.Series(pd.to_datetime(["2025-03-31 14:30", None]))
    parsed = parse_date(column)
    assert parsed.values.iloc[0] == MARCH_31 and pd.isna(parsed.values.iloc[1])
    assert not parsed.bad.any()
    assert parsed.values.dtype == "datetime64[ns]"


def test_repeated_values_keep_their_rows_and_index():
    cells = pd.Series(["2025-3-31", "bad", "", "2025-3-31", "bad"], index=[10, 20, 30, 40, 50])
    parsed = parse_date(cells)
    assert parsed.values.index.tolist() == [10, 20, 30, 40, 50]
    assert parsed.bad.tolist() == [False, True, False, False, True]
    assert parsed.values.dtype == "datetime64[ns]"


def test_empty_series_parses_to_empty():
    parsed = parse_date(pd.Series([], dtype=object))
    assert len(parsed.values) == 0 and parsed.values.dtype == "datetime64[ns]"


# --------------------------------------------------------------------------------------------------------
# Numbers, yes/no, enumerations
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1,234", 1234),
        ("１２", 12),
        ("12.0", 12),
        ("12.", 12),
        ("+7", 7),
        ("-3", -3),
        ("0", 0),
        (" 42 ", 42),
        ("1,234,567", 1234567),
        ("\u22125", -5),
    ],
)
def test_parse_int_accepts(written, expected):
    assert one(parse_int(pd.Series([written]))) == (expected, False)


@pytest.mark.parametrize(
    "written", ["12.5", "1,2", "12,34", "1.2e3", "abc", "12元", "99999999999999999999", "--1"]
)
def test_parse_int_rejects(written):
    value, bad = one(parse_int(pd.Series([written])))
    assert pd.isna(value) and bad


def test_parse_int_on_numeric_columns():
    parsed = parse_int(pd.Series([12.0, 12.5, np.nan]))
    assert parsed.values.iloc[0] == 12 and pd.isna(parsed.values.iloc[1]) and pd.isna(parsed.values.iloc[2])
    assert parsed.bad.tolist() == [False, True, False]
    assert parse_int(pd.Series([1, 2])).values.dtype == "Int64"


@pytest.mark.parametrize(
    ("written", "expected"),
    [("1,234.5", 1234.5), ("１２", 12.0), ("-3", -3.0), ("1.2E+05", 120000.0), (".5", 0.5), ("12.", 12.0)],
)
def test_parse_float_accepts(written, expected):
    assert one(parse_float(pd.Series([written]))) == (expected, False)


@pytest.mark.parametrize("written", ["inf", "nan", "1e999", "1,23.4", "十二", "1.2.3"])
def test_parse_float_rejects(written):
    value, bad = one(parse_float(pd.Series([written])))
    assert pd.isna(value) and bad


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("Y", True),
        ("n", False),
        ("YES", True),
        ("No", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("√", True),
        ("×", False),
        (" 是 ", True),
        ("ｙｅｓ", True),
    ],
)
def test_parse_bool_accepts(written, expected):
    assert one(parse_bool(pd.Series([written]))) == (expected, False)


def test_parse_bool_rejects_and_blanks():
    parsed = parse_bool(pd.Series(["也许", "2", "", None]))
    assert parsed.bad.tolist() == [True, True, False, False]
    assert parsed.values.isna().all()
    assert parsed.values.dtype == "boolean"


GENDER = {"男": "M", "male": "M", "女": "F", "female": "F"}


def test_parse_enum_maps_spellings_case_insensitively():
    parsed = parse_enum(pd.Series(["男", "MALE", " Female ", "F", "ｍａｌｅ", "其他", ""]), GENDER)
    assert parsed.values.tolist()[:5] == ["M", "M", "F", "F", "M"]
    assert parsed.bad.tolist() == [False] * 5 + [True, False]


def test_parse_enum_refuses_a_spelling_with_two_codes():
    with pytest.raises(ValueError, match="maps to both"):
        parse_enum(pd.Series(["x"]), {"Male": "M", "male ": "F"})


# --------------------------------------------------------------------------------------------------------
# Resident ID numbers
# --------------------------------------------------------------------------------------------------------

VALID_ID = with_check_char("11010519491231002")
VALID_ID_WITH_X = next(
    with_check_char(f"1101051990030712{n}")
    for n in range(10)
    if with_check_char(f"1101051990030712{n}").endswith("X")
)


def wrong_check_char(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


def test_valid_ids_pass():
    cells = pd.Series(
        [
            VALID_ID,
            VALID_ID_WITH_X,
            VALID_ID_WITH_X.lower(),
            f" {VALID_ID} ",
            VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        ]
    )
    assert id_number_valid(cells).tolist() == [True] * 5


def test_invalid_ids_fail():
    feb_30 = with_check_char("11010519900230123")  # check digit right, birth date impossible
    future = with_check_char("11010521990101123")
    cells = pd.Series(
        [
            wrong_check_char(VALID_ID),
            feb_30,
            future,
            VALID_ID[:15],
            VALID_ID + "1",
            "",
            None,
            "11010519491231002Y",
            "ABCDEFGHIJKLMNOPQR",
        ]
    )
    result = id_number_valid(cells)
    assert result.dtype == bool
    assert not result.any()


@settings(max_examples=150, deadline=None)
@given(
    region=st.integers(110000, 659999),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_every_correctly_built_id_passes_and_any_other_check_char_fails(region, birth, sequence):
    valid = with_check_char(f"{region}{birth:%Y%m%d}{sequence:03d}")
    others = [valid[:17] + char for char in "0123456789X" if char != valid[17]]
    assert id_number_valid(pd.Series([valid, *others])).tolist() == [True] + [False] * 10


# --------------------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------------------


def test_mask_id_number_keeps_first_three_and_last_four():
    assert mask_id_number("11010519900307123X") == "110***********123X"
    assert mask_id_number(" 11010519900307123x ") == "110***********123x"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("１３８１２３４５６７８") == "138****5678"


@pytest.mark.parametrize(
    "odd", [None, np.nan, "", "   ", "123", 12.5, 110105199003071234, object(), pd.NA, b"\xff"]
)
def test_masking_never_raises_and_never_shows_short_values(odd):
    for mask in (mask_id_number, mask_phone):
        masked = mask(odd)
        assert isinstance(masked, str)
        if len(masked) < 8:
            assert set(masked) <= {"*"}


def test_series_masks_match_scalar_masks():
    ids = pd.Series(["11010519900307123X", None, "123", "", "１１０１０５１９９００３０７１２３Ｘ"])
    phones = pd.Series(["13812345678", "+86 138-1234-5678", np.nan, "010-12345678"])
    assert mask_id_numbers(ids).tolist() == [mask_id_number(v) for v in ids]
    assert mask_phones(phones).tolist() == [mask_phone(v) for v in phones]
    assert mask_phones(phones).tolist() == ["138****5678", "138****5678", "", "010****5678"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=25)), max_size=8))
def test_series_masks_agree_with_scalar_masks_on_any_text(values):
    series = pd.Series(values, dtype=object)
    assert mask_id_numbers(series).tolist() == [mask_id_number(v) for v in values]
    assert mask_phones(series).tolist() == [mask_phone(v) for v in values]


# --------------------------------------------------------------------------------------------------------
# Arbitrary cells
# --------------------------------------------------------------------------------------------------------

BLANKS = st.sampled_from(["", " ", "\t", "\u3000", "  \n ", None, np.nan])
DATE_LIKE = st.from_regex(
    r"[0-9０-９]{1,5}[-/.年 ]?[0-9]{0,2}[-/.月]?[0-9]{0,2}日?( [0-9]{1,2}:[0-9]{2})?", fullmatch=True
)
NUMBER_LIKE = st.from_regex(r"[+-]?[0-9,]{0,8}(\.[0-9]*)?([eE][0-9]{1,3})?", fullmatch=True)
CELLS = st.lists(st.one_of(BLANKS, st.text(max_size=30), DATE_LIKE, NUMBER_LIKE), max_size=12)

PARSERS = {
    "date": parse_date,
    "datetime": parse_datetime,
    "int": parse_int,
    "float": parse_float,
    "bool": parse_bool,
    "enum": lambda series: parse_enum(series, GENDER),
}


def is_blank(cell) -> bool:
    return (
        cell is None
        or (isinstance(cell, float) and np.isnan(cell))
        or not normalise_text(pd.Series([cell])).fillna("").iloc[0]
    )


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=120, deadline=None)
@given(cells=CELLS)
def test_parsers_never_raise_and_blank_is_never_bad(kind, cells):
    series = pd.Series(cells, dtype=object, index=range(100, 100 + len(cells)))
    parsed = PARSERS[kind](series)
    assert parsed.values.index.equals(series.index) and parsed.bad.index.equals(series.index)
    assert parsed.bad.dtype == bool
    for cell, value, bad in zip(cells, parsed.values, parsed.bad, strict=True):
        if is_blank(cell):
            assert not bad and pd.isna(value)
        else:
            # a non-blank cell is either parsed or bad, never silently lost
            assert bad == bool(pd.isna(value))


@settings(max_examples=120, deadline=None)
@given(cells=CELLS)
def test_id_check_never_raises(cells):
    result = id_number_valid(pd.Series(cells, dtype=object))
    assert result.dtype == bool and len(result) == len(cells)


NORMALISING_PIECES = st.sampled_from(["a", "Z", "是", " ", " ", "\t", "\u3000", "\n", "\r", "\u200b", "\ufeff", "\x00",
                                      "\x1c", "\x7f", "\xa0", "２", "ｱ", "\u0301", "e", "\u1100", "\u1161", "\u2028",
                                      "\x85", "ﬁ"])


@settings(max_examples=400, deadline=None)
@given(cells=st.lists(st.lists(NORMALISING_PIECES, max_size=5).map("".join), max_size=6))
def test_normalising_a_column_checked_whole_is_normalising_each_cell(cells):
    # a column judged already normal is returned as it is: that must be what each cell normalises to
    from westaudit.intake.cells import _normalise_one

    assert normalise_text(pd.Series(cells, dtype=object)).tolist() == [_normalise_one(cell) for cell in cells]


def test_every_space_split_removes_is_known_to_the_whole_column_check():
    from westaudit.intake.cells import _ODD_SPACES

    assert {chr(code) for code in range(0x110000) if chr(code).isspace()} == set(_ODD_SPACES) | {" ", "\n"}

"""Vectorised parsers for the cells offices actually type into their spreadsheets.

Every parser takes a pandas Series of raw cells (normally strings straight from ``filereader``) and returns a
``Parsed``: the parsed values plus a ``bad`` mask marking non-blank cells that could not be parsed, so the
caller can reject exactly those rows and still quote the original value. Blank cells (empty, whitespace,
None, NaN) are missing, never bad.

Submissions repeat the same few values (dates, yes/no, county names) across millions of rows, so each
parser factorises the column, parses only the distinct values and broadcasts the result back. That keeps
the per-value work off the hot path even where pandas' string methods loop in Python internally.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Parsed",
    "normalise_text",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_float",
    "parse_bool",
    "parse_enum",
    "id_number_valid",
    "mask_id_number",
    "mask_phone",
    "mask_id_numbers",
    "mask_phones",
]


@dataclass(frozen=True, eq=False)
class Parsed:
    """Result of parsing one column.

    ``values``: parsed values, missing (NaN/NaT/<NA>) where the cell was blank or bad.
    ``bad``: True exactly where a non-blank cell could not be parsed.
    Both share the input's index.
    """

    values: pd.Series
    bad: pd.Series


# --------------------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------------------


def _cell_to_text(value: Any) -> Any:
    """Turn one non-string cell into the text a person would have typed; missing stays None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # 45747.0 from an Excel number cell means the integer the office typed
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        # Offsets would not survive the naive datetime64 columns; the wall-clock time is what was written.
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is pd.NA:
        return None
    try:
        return str(value)
    except Exception:  # a cell whose str() fails is unreadable, which is the same as not parseable
        return "\ufffd"


# Zero-width characters ride along when cells are pasted from web pages and chat apps; they are invisible
# to the person checking the sheet, so they must not make "是" differ from "是\u200b".
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")
# Control characters (NUL from broken exports among them) carry no meaning in a cell; pandas' factorize
# also confuses "\x00" with "" in one column, so dropping them keeps every path agreeing on what is blank.
_CONTROL = str.maketrans("", "", "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127])))


def _normalise_one(text: str) -> str:
    # NFKC folds full-width digits, letters and punctuation (２０２５, ：, ，) and the ideographic space to
    # ASCII while leaving Chinese characters alone; split/join strips and collapses every kind of space.
    if not text.isascii():  # ASCII is already NFKC-stable and has no invisible characters: skip the work
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if not text.isprintable():
        text = text.translate(_CONTROL)
    return " ".join(text.split())


# Every character str.split() splits on (none lies above U+3000) but the space and the "\n" joining texts.
_ODD_SPACES = "".join(char for char in map(chr, range(0x3001)) if char.isspace() and char not in " \n")
# What ``_normalise_one`` would change in an NFKC-stable text besides spaces: invisible, control characters.
_NOT_NORMAL_CHARACTER = re.compile("[\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
                                   + re.escape(_ODD_SPACES) + "]")
_CHUNK = 4096


def _all_normal(texts: np.ndarray) -> bool:
    """True when every item is a string ``_normalise_one`` leaves as it is, judged on all of them joined.

    NFKC normalises a text joined by "\n" piece by piece ("\n" composes with nothing), so one check of the
    joined text answers for each piece; a piece holding "\n" itself shows in the count of separators.
    """
    if pd.api.types.infer_dtype(texts, skipna=False) != "string":
        return False
    joined = "\n".join(texts.tolist())
    return (joined.count("\n") == len(texts) - 1 and _NOT_NORMAL_CHARACTER.search(joined) is None
            and "  " not in joined and " \n" not in joined and "\n " not in joined
            and not joined.startswith(" ") and not joined.endswith(" ")
            and (joined.isascii() or unicodedata.is_normalized("NFKC", joined)))


def _normalise_unique_texts(values: np.ndarray) -> pd.Series:
    """Normalise an array of distinct cells; positions stay aligned with ``values``, missing -> NaN."""
    # One Python pass over the distinct values is cheaper than chaining three pandas .str passes, which
    # loop over the same objects in Python anyway; chunks already normal (almost all) skip even that.
    normalised: list = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        if _all_normal(chunk):
            normalised.extend(chunk.tolist())
            continue
        texts = (value if isinstance(value, str) else _cell_to_text(value) for value in chunk)
        normalised.extend(np.nan if text is None else _normalise_one(text) for text in texts)
    return pd.Series(normalised, dtype=object)


def _broadcast(unique_result: pd.Series, codes: np.ndarray, index: pd.Index, fill: Any) -> pd.Series:
    """Spread per-distinct-value results back to every row; code -1 (missing cell) takes ``fill``."""
    # Appending the fill value makes code -1 index it, so one positional take covers every row.
    filler = pd.Series([fill], dtype=unique_result.dtype)
    extended = pd.concat([unique_result.reset_index(drop=True), filler], ignore_index=True)
    result = extended.take(codes)
    result.index = index
    return result


class _Sentinel:
    """A value equal to no cell."""


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a column of cells, NaN/None coded -1.

    pandas hashes an all-string object array as C strings, which end at NUL, so "\x000" and "" would
    share one code; one non-string value at the end makes it compare Python objects instead.
    """
    values = np.append(series.to_numpy(dtype=object), _Sentinel())
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes[:-1], np.asarray(uniques, dtype=object)[:-1]


def _per_distinct(series: pd.Series, transform: Callable[[pd.Series], pd.Series], fill: Any) -> pd.Series:
    """Apply ``transform`` to the normalised distinct cells only and spread the result to every row.

    ``transform`` receives normalised texts (NaN where missing) indexed 0..k-1; missing rows get ``fill``.
    """
    codes, uniques = _factorize(series)
    texts = _normalise_unique_texts(uniques)
    return _broadcast(transform(texts), codes, series.index, fill)


def normalise_text(series: pd.Series) -> pd.Series:
    """NFKC-fold, strip and collapse internal whitespace to one space; Chinese characters are kept.

    Missing cells (None/NaN) stay NaN; non-string cells become the text they represent (12.0 -> "12").
    Zero-width spaces and stray BOMs are removed.
    """
    cells = series.to_numpy(dtype=object)
    if _all_normal(cells):  # the usual column: nothing to change, so nothing to factorise either
        return pd.Series(cells.copy(), index=series.index, dtype=object)
    return _per_distinct(series, lambda texts: texts, np.nan).astype(object)


def _parse_distinct(series: pd.Series, parse_texts: Callable[[pd.Series], pd.Series], missing: Any) -> Parsed:
    """Parse each distinct normalised cell once; blank cells are missing, unparsable non-blank ones bad."""

    def parse_with_flags(texts: pd.Series) -> pd.DataFrame:
        blank = texts.isna() | (texts == "")
        parsed = parse_texts(texts.where(~blank, "")).mask(blank)
        return pd.DataFrame({"value": parsed, "bad": ~blank & parsed.isna()})

    codes, uniques = _factorize(series)
    flagged = parse_with_flags(_normalise_unique_texts(uniques))
    return Parsed(
        values=_broadcast(flagged["value"], codes, series.index, missing),
        bad=_broadcast(flagged["bad"].astype(bool), codes, series.index, False),
    )


# --------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------

# Only ASCII digits: \d would also accept Arabic-Indic and other digits that NFKC leaves alone.
_TIME = (
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2})(?::(?P<second>[0-9]{1,2})(?:\.(?P<fraction>[0-9]{1,9}))?)?"
)
# The day ends at 日/号 or a space, so "2025年3月314:30" is not silently split into day and hour.
_CHINESE_DATE = re.compile(
    rf"(?P<year>[0-9]{{4}})年(?P<month>[0-9]{{1,2}})月(?P<day>[0-9]{{1,2}})(?:[日号]|(?= |$))(?: ?{_TIME})?"
)
# One separator used throughout: 2025-3-31, 2025/03/31, 2025.3.31 (not 2025-3/31).
_SEPARATED_DATE = re.compile(
    rf"(?P<year>[0-9]{{4}})(?P<sep>[-/.])(?P<month>[0-9]{{1,2}})(?P=sep)(?P<day>[0-9]{{1,2}})(?:[ T]{_TIME})?"
)
_COMPACT_DATE = re.compile(rf"(?P<year>[0-9]{{4}})(?P<month>[0-9]{{2}})(?P<day>[0-9]{{2}})(?:[ T]{_TIME})?")
_EXCEL_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
_EXCEL_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10: anything else is more likely a typo
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 1 is 1900-01-01 counting Lotus' phantom 1900-02-29

_SPACE_AROUND_CHINESE_UNIT = re.compile(r" ?([年月日号时点分秒]) ?")
_CHINESE_TIME_WITH_SECONDS = re.compile(r"([0-9]{1,2})[时点]([0-9]{1,2})分([0-9]{1,2})秒$")
_CHINESE_TIME = re.compile(r"([0-9]{1,2})[时点]([0-9]{1,2})分?$")
_DATE_FIELDS = ("year", "month", "day", "hour", "minute", "second", "ns")  # what pd.to_datetime assembles
_CAPTURED_FIELDS = ("year", "month", "day", "hour", "minute", "second", "fraction")

DateFields = tuple[int, int, int, int, int, int, int]


def _canonical_chinese_date(text: str) -> str:
    """Drop spaces around 年月日 and rewrite Chinese times (14时30分, 14点30分15秒) as 14:30[:15]."""
    text = _SPACE_AROUND_CHINESE_UNIT.sub(r"\1", text)
    text = _CHINESE_TIME_WITH_SECONDS.sub(r"\1:\2:\3", text)
    return _CHINESE_TIME.sub(r"\1:\2", text)


def _date_fields(text: str) -> DateFields | None:
    """Split one normalised text into date/time numbers; None when it has no accepted date shape."""
    if text.isascii():
        match = _SEPARATED_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    else:
        canonical = _canonical_chinese_date(text)
        match = _CHINESE_DATE.fullmatch(canonical) or _SEPARATED_DATE.fullmatch(canonical)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.group(*_CAPTURED_FIELDS)
    clock = (int(hour) if hour else 0, int(minute) if minute else 0, int(second) if second else 0)
    # pd.to_datetime would roll 25:00 over into the next day instead of refusing it
    if clock[0] > 23 or clock[1] > 59 or clock[2] > 59:
        return None
    nanoseconds = int(fraction.ljust(9, "0")) if fraction else 0
    return (int(year), int(month), int(day), *clock, nanoseconds)


def _excel_serial(text: str) -> float:
    if not _EXCEL_SERIAL.fullmatch(text):
        return math.nan
    serial = float(text)
    low, high = _EXCEL_SERIAL_RANGE
    return serial if low <= serial <= high else math.nan


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date_texts(texts: pd.Series) -> pd.Series:
    """Dates of distinct normalised texts; ISO dates (most cells) in one vectorised parse, the others below."""
    iso = texts.str.fullmatch(_ISO_DATE.pattern).fillna(False).to_numpy(dtype=bool)
    if not iso.any():
        return _parse_other_date_texts(texts)
    # the format parse refuses impossible and out-of-range dates (2025-02-30, 1600-01-01) as NaT, as the
    # assembly of fields below does
    result = pd.to_datetime(texts[iso], format="%Y-%m-%d", errors="coerce")
    if not iso.all():
        result = pd.concat([result, _parse_other_date_texts(texts[~iso])]).reindex(texts.index)
    return result.astype("datetime64[ns]")


def _parse_other_date_texts(texts: pd.Series) -> pd.Series:
    # A single regex pass per distinct text: chains of pandas .str.extract calls were 5x slower on columns
    # of distinct timestamps, and the assembly below is vectorised again.
    fields = [_date_fields(text) for text in texts]
    rows = [row if row is not None else (math.nan,) * len(_DATE_FIELDS) for row in fields]
    numbers = np.array(rows, dtype=float).reshape(len(rows), len(_DATE_FIELDS))
    parts = pd.DataFrame(numbers, columns=list(_DATE_FIELDS), index=texts.index)
    # to_datetime rejects impossible dates (2025-02-30, 25:00) as NaT under errors="coerce".
    result = pd.to_datetime(parts, errors="coerce") if len(parts) else pd.Series([], dtype="datetime64[ns]")
    serials = pd.Series([_excel_serial(text) for text in texts], index=texts.index, dtype=float)
    is_serial = serials.notna()
    if is_serial.any():
        # Rounding to the second undoes float noise in the day fraction (0.604166.. -> 14:30:00).
        days = pd.to_timedelta(serials[is_serial], unit="D")
        result[is_serial] = (_EXCEL_EPOCH + days).dt.round("s")
    return result.astype("datetime64[ns]")


def _real_date_beyond_range(text: object) -> bool:
    if not isinstance(text, str) or not text:
        return False
    fields = _date_fields(text)
    if fields is None:
        return False
    year, month, day = fields[:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return not pd.Timestamp.min.year < year < pd.Timestamp.max.year


def dates_beyond_range(series: pd.Series) -> pd.Series:
    """True where a cell is a real calendar date that no datetime column holds (before 1678 or after 2261):
    9999-12-31, written for "no end", is a date out of the plan's window, not "not a date"."""
    return _per_distinct(series, lambda texts: pd.Series([_real_date_beyond_range(t) for t in texts],
                                                         index=texts.index, dtype=bool), False).astype(bool)


def parse_date(series: pd.Series, keep_time: bool = False) -> Parsed:
    """Parse dates as offices write them into datetime64[ns].

    Accepted: 2025年3月31日, 2025-3-31, 2025/03/31, 2025.3.31, 20250331, ISO datetimes
    (2025-03-31 00:00:00, 2025-03-31T08:30), dates with times (2025年3月31日 14:30, 2025/3/31 14:30,
    14时30分), Excel serial numbers 20000..80000 (45747, "45747.0", day fractions are times) and cells
    that already hold datetimes. Day-first/month-first forms (31/03/2025) are ambiguous and rejected.
    Unless ``keep_time`` the result is normalised to midnight.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        values = values.astype("datetime64[ns]")
        parsed = Parsed(values=values, bad=pd.Series(False, index=series.index))
    else:
        parsed = _parse_distinct(series, _parse_date_texts, pd.NaT)
        parsed = Parsed(values=parsed.values.astype("datetime64[ns]"), bad=parsed.bad)
    if keep_time:
        return parsed
    return Parsed(values=parsed.values.dt.normalize(), bad=parsed.bad)


def parse_datetime(series: pd.Series) -> Parsed:
    """``parse_date`` keeping the time of day (incident reports are judged in hours)."""
    return parse_date(series, keep_time=True)


# --------------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------------

_GROUPED_OR_PLAIN = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
_INT_TEXT = rf"^[+-]?{_GROUPED_OR_PLAIN}(?:\.0*)?$"
_FLOAT_TEXT = rf"^[+-]?(?:{_GROUPED_OR_PLAIN}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_MAX_INT_DIGITS = 18  # always fits int64


def _numeric_text(texts: pd.Series) -> pd.Series:
    # U+2212 MINUS SIGN survives NFKC but means "-" in exported reports.
    return texts.str.replace("\u2212", "-", regex=False)


def _parse_int_texts(texts: pd.Series) -> pd.Series:
    texts = _numeric_text(texts)
    result = pd.Series(pd.NA, index=texts.index, dtype="Int64")
    valid = texts.str.fullmatch(_INT_TEXT, na=False)
    digits = texts[valid].str.replace(",", "", regex=False).str.replace(r"\.0*$", "", regex=True)
    digits = digits[digits.str.lstrip("+-").str.lstrip("0").str.len() <= _MAX_INT_DIGITS]
    if len(digits):
        result[digits.index] = digits.to_numpy(dtype=str).astype(np.int64)
    return result


def _parse_float_texts(texts: pd.Series) -> pd.Series:
    texts = _numeric_text(texts)
    valid = texts.str.fullmatch(_FLOAT_TEXT, na=False)
    numbers = pd.to_numeric(texts.where(valid, "").str.replace(",", "", regex=False), errors="coerce")
    numbers = numbers.astype(float)
    return numbers.where(np.isfinite(numbers))


def _is_plain_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def parse_int(series: pd.Series) -> Parsed:
    """Whole numbers into nullable Int64: "1,234", "１２", "12.0" and "+7" are accepted; "12.5" is bad."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return Parsed(values=series.astype("Int64"), bad=pd.Series(False, index=series.index))
    if _is_plain_numeric(series):
        numbers = series.astype(float)
        whole = (
            np.isfinite(numbers) & (numbers == np.round(numbers)) & (numbers.abs() < 10.0**_MAX_INT_DIGITS)
        )
        values = numbers.where(whole).astype("Int64")
        return Parsed(values=values, bad=numbers.notna() & ~whole)
    return _parse_distinct(series, _parse_int_texts, pd.NA)


def parse_float(series: pd.Series) -> Parsed:
    """Decimal numbers into float64: "1,234.5", "１２", "-3", "1.2E+05"; infinities and NaN text are bad."""
    if _is_plain_numeric(series):
        numbers = series.astype(float)
        finite = np.isfinite(numbers)
        return Parsed(values=numbers.where(finite), bad=numbers.notna() & ~finite)
    return _parse_distinct(series, _parse_float_texts, np.nan)


# --------------------------------------------------------------------------------------------------------
# Yes/no and enumerations
# --------------------------------------------------------------------------------------------------------

_TRUE_WORDS = ("是", "有", "对", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "✔")
_FALSE_WORDS = ("否", "无", "没有", "不是", "n", "no", "false", "f", "0", "0.0", "×", "✗", "✘")
_BOOL_WORDS = {word: True for word in _TRUE_WORDS} | {word: False for word in _FALSE_WORDS}


def parse_bool(series: pd.Series) -> Parsed:
    """是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/× (case-insensitive) into nullable boolean."""

    def lookup(texts: pd.Series) -> pd.Series:
        return texts.str.casefold().map(_BOOL_WORDS).astype("boolean")

    return _parse_distinct(series, lookup, pd.NA)


def _enum_lookup(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    """Key every accepted spelling, and each string code itself, by its normalised case-folded text."""
    lookup: dict[str, Any] = {}
    spellings = list(mapping.items()) + [(code, code) for code in mapping.values() if isinstance(code, str)]
    # all spellings normalised in one pass: one at a time, building a Series each, cost 10 ms per enum column
    texts = _normalise_unique_texts(np.array([spelling for spelling, _ in spellings] + [None], dtype=object))
    for (spelling, code), text in zip(spellings, texts, strict=False):
        key = "" if pd.isna(text) else str(text).casefold()
        if key in lookup and lookup[key] != code:
            raise ValueError(f"enum spelling {spelling!r} maps to both {lookup[key]!r} and {code!r}")
        lookup[key] = code
    return lookup


def parse_enum(series: pd.Series, mapping: Mapping[Any, Any]) -> Parsed:
    """Map accepted spellings (case-insensitive after ``normalise_text``) to canonical codes.

    ``mapping`` is spelling -> code, e.g. {"男": "M", "male": "M", "女": "F", "female": "F"}; a string code
    is itself accepted ("M"). Two spellings that normalise alike but map to different codes are a
    programming error (ValueError). Values have object dtype, NaN where blank or bad.
    """
    lookup = _enum_lookup(mapping)

    def translate(texts: pd.Series) -> pd.Series:
        return texts.str.casefold().map(lookup).astype(object)

    return _parse_distinct(series, translate, np.nan)


# --------------------------------------------------------------------------------------------------------
# Resident identity numbers (GB 11643-1999)
# --------------------------------------------------------------------------------------------------------

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_ID_SHAPE = r"[0-9]{17}[0-9X]"
_EARLIEST_BIRTH_YEAR = 1900


def _valid_id_texts(texts: pd.Series) -> pd.Series:
    texts = texts.str.upper()
    valid = pd.Series(False, index=texts.index)
    candidates = texts[texts.str.fullmatch(_ID_SHAPE, na=False)]
    if candidates.empty:
        return valid
    chars = np.frombuffer("".join(candidates).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    weighted_sum = (chars[:, :17].astype(np.int64) - ord("0")) @ _ID_WEIGHTS
    check_ok = _ID_CHECK_CHARS[weighted_sum % 11] == chars[:, 17]
    birth = pd.to_datetime(candidates.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    birth_ok = birth.notna() & (birth.dt.year >= _EARLIEST_BIRTH_YEAR) & (birth <= pd.Timestamp.now())
    valid[candidates.index] = check_ok & birth_ok.to_numpy()
    return valid


def id_number_valid(series: pd.Series, normalised: bool = False) -> pd.Series:
    """True where the cell is an 18-character resident ID with a correct check character.

    The birth-date part (characters 7-14) must be a real date between 1900 and today. Lower-case x is
    accepted; 15-digit first-generation numbers and blanks are False. ``normalised``: the cells are
    normalised texts already (typed columns), so that step is skipped.
    """
    if normalised:
        codes, uniques = _factorize(series)
        valid = _valid_id_texts(pd.Series(uniques, dtype=object).fillna(""))
        return _broadcast(valid, codes, series.index, False).astype(bool)
    return _per_distinct(series, lambda texts: _valid_id_texts(texts.fillna("")), False).astype(bool)


# --------------------------------------------------------------------------------------------------------
# Masking for reports
# --------------------------------------------------------------------------------------------------------

_KEEP_HEAD, _KEEP_TAIL = 3, 4
_SHORTEST_PARTLY_SHOWN = _KEEP_HEAD + _KEEP_TAIL + 1  # shorter values would be shown almost whole
_PHONE_SEPARATORS = r"[\s\-()]"
_CHINA_PREFIX = r"^(?:\+86|0086|86)(?=1[0-9]{10}$)"


def _mask_middle(text: str) -> str:
    if len(text) < _SHORTEST_PARTLY_SHOWN:
        return "*" * len(text)
    return text[:_KEEP_HEAD] + "*" * (len(text) - _KEEP_HEAD - _KEEP_TAIL) + text[-_KEEP_TAIL:]


def _scalar_text(value: Any) -> str:
    try:
        text = _cell_to_text(value) if not isinstance(value, str) else value
        return "" if text is None else _normalise_one(text).replace(" ", "")
    except Exception:  # masking feeds reports; an odd cell must never stop one
        return ""


def mask_id_number(value: Any) -> str:
    """110105199003071234 -> 110***********1234; short or odd values are fully starred; blank -> ""."""
    return _mask_middle(_scalar_text(value))


def mask_phone(value: Any) -> str:
    """13812345678 (also +86 138-1234-5678) -> 138****5678; short or odd values are starred; blank -> ""."""
    text = re.sub(_CHINA_PREFIX, "", re.sub(_PHONE_SEPARATORS, "", _scalar_text(value)))
    return _mask_middle(text)


def _mask_series(texts: pd.Series) -> pd.Series:
    """Vectorised ``_mask_middle``: one slice_replace per distinct length (IDs and phones share a few)."""
    texts = texts.fillna("").astype(str)
    lengths = texts.str.len()
    masked = pd.Series("", index=texts.index, dtype=object)
    for length in lengths.unique():
        same_length = lengths == length
        group = texts[same_length]
        if length < _SHORTEST_PARTLY_SHOWN:
            masked[same_length] = "*" * int(length)
        else:
            stars = "*" * int(length - _KEEP_HEAD - _KEEP_TAIL)
            masked[same_length] = group.str.slice_replace(_KEEP_HEAD, int(length) - _KEEP_TAIL, stars)
    return masked


def _compact(texts: pd.Series) -> pd.Series:
    return texts.fillna("").str.replace(" ", "", regex=False)


def mask_id_numbers(series: pd.Series) -> pd.Series:
    """Series version of ``mask_id_number``; blank cells become ""."""
    return _per_distinct(series, lambda texts: _mask_series(_compact(texts)), "").astype(object)


def _mask_phone_texts(texts: pd.Series) -> pd.Series:
    digits = _compact(texts).str.replace(_PHONE_SEPARATORS, "", regex=True)
    return _mask_series(digits.str.replace(_CHINA_PREFIX, "", regex=True))


def mask_phones(series: pd.Series) -> pd.Series:
    """Series version of ``mask_phone``; blank cells become ""."""
    return _per_distinct(series, _mask_phone_texts, "").astype(object)

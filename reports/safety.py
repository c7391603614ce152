"""Spreadsheet cells that a program would run: a leading = + - @ (or tab, CR) makes Excel read a formula."""

from __future__ import annotations

import re

from westaudit.core.personal_numbers import mask_bytes, mask_text

__all__ = ["mask_bytes", "mask_text", "neutralise", "safe_cell", "strip_control"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# characters XML (and so XLSX) cannot hold (openpyxl refuses them), and the Unicode non-characters and lone
# surrogates, which Excel refuses to open a workbook over (an office name ending in U+FFFE)
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff{_NONCHARACTERS}]")


def strip_control(text: str) -> str:
    # every control character is unprintable, and nearly all text is printable: skip the search for it
    return text if text.isprintable() else _CONTROL.sub("", text)


def safe_cell(value: object) -> object:
    """What any workbook cell may hold of a text: personal numbers masked, unwritable characters stripped,
    no formula. Every workbook westaudit writes (findings.xlsx, the template) puts its texts through it."""
    return neutralise(mask_text(value)) if isinstance(value, str) else neutralise(value)


def neutralise(value: object) -> object:
    """Text that would start a formula gets a leading apostrophe; numbers stay numbers."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = strip_control(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text

"""Spreadsheet cells that a program would run: a leading = + - @ (or tab, CR) makes Excel read a formula."""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# characters XML (and so XLSX) cannot hold; openpyxl refuses them
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control(text: str) -> str:
    # every control character is unprintable, and nearly all text is printable: skip the search for it
    return text if text.isprintable() else _CONTROL.sub("", text)


def neutralise(value: object) -> object:
    """Text that would start a formula gets a leading apostrophe; numbers stay numbers."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = strip_control(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text

"""Personal numbers found by content: resident ID numbers and mobile numbers anywhere in a text, masked.

Masking by column (engine/intake/masking.py) covers the columns the contract marks ``pii``; offices also
type numbers into free text (a grievance summary, a name, a unit's contact note) and use the ID number as
the volunteer id. Every writer passes what it writes through ``mask_text`` (pages, Markdown, report.json,
XLSX, CSV, the terminal, error messages, the store), so no output holds one whole. No pandas here: the
command line masks its own output with it before any data library is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# An 18-character resident ID: region (6 digits), birth date 18xx-20xx, sequence (3), check character. A
# digit or a decimal point next to it means it is part of a longer number (a float, a hash of digits).
_ID = r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
# A mainland mobile number, optionally +86 / 0086 / 86 before it, optionally split 3-4-4 by spaces or dashes.
_MOBILE = r"(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})"
ID_NUMBER_PATTERN = _ID
_BEFORE, _AFTER = r"(?<![0-9.])", r"(?![0-9]|\.[0-9])"
_PERSONAL = re.compile(f"{_BEFORE}(?:(?P<id>{_ID})|(?P<mobile>{_MOBILE})){_AFTER}")
# long enough to hold one: an 11-digit mobile number is the shortest
_SHORTEST = 11
_HEX_TOKEN = re.compile(r"[0-9a-f]{32,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = frozenset("0123456789abcdef")
_SHORTEST_HASH = 32


def _in_hash(text: str, start: int, end: int) -> bool:
    """Digits inside a run of 32 or more hex digits (a sha256, a rule-set version) are not a number."""
    while start > 0 and text[start - 1] in _HEX:
        start -= 1
    while end < len(text) and text[end] in _HEX:
        end += 1
    return end - start >= _SHORTEST_HASH


def _masked(match: re.Match[str]) -> str:
    if _in_hash(match.string, match.start(), match.end()):
        return match.group(0)
    if match.group("id"):
        number = match.group("id")
        return number[:3] + "*" * 11 + number[-4:]
    return match.group(3) + "****" + match.group(5)


def mask_text(text: str) -> str:
    """``text`` with every resident ID number and mobile number masked as the columns mask them
    (620***********7428, 138****5678); a hash (hex digits) is left as it is."""
    if len(text) < _SHORTEST or _HEX_TOKEN.fullmatch(text):
        return text
    return _PERSONAL.sub(_masked, text)


def has_personal_number(text: str) -> bool:
    return len(text) >= _SHORTEST and not _HEX_TOKEN.fullmatch(text) and _PERSONAL.search(text) is not None


def looks_like_id_number(text: str) -> bool:
    """The whole text is a resident ID number (a key column holding them is flagged)."""
    return re.fullmatch(_ID, text.strip()) is not None


def mask_values(value: object, mask: Callable[[str], str] = mask_text) -> object:
    """Every string in a JSON-like structure (dicts, lists, tuples) masked; keys included."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_values(k, mask): mask_values(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_values(item, mask) for item in value)
    return value


class MaskingStream:
    """A text stream that masks what is written to it (the terminal: stdout and stderr of the command line).
    A write is masked whole; print() writes each line in one call, so a number is never split between two."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask_text(text) if text else text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

"""Personal numbers found by content: resident ID numbers and mobile numbers anywhere in a text, masked.

Masking by column (engine/intake/masking.py) covers the columns the contract marks ``pii``; offices also
type numbers into free text (a grievance summary, a name, a unit's contact note) and use the ID number as
the volunteer id. Every writer passes what it writes through ``mask_text`` (pages, Markdown, report.json,
XLSX, CSV, the terminal, error messages, the store), so no output holds one whole. No pandas here: the
command line masks its own output with it before any data library is loaded.
"""

from __future__ import annotations

import re

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
_SHORTEST_HASH = 32


_PERSONAL_BYTES = re.compile(_PERSONAL.pattern.encode("ascii"))
# every digit becomes "0" and a dash a space: a number to mask is then a run of 11 zeros or a mobile number
# split 3-4-4 by spaces, four shapes bytes.find locates at memory speed; the full pattern runs only around them
_RUN_MAP = bytes.maketrans(b"0123456789-", b"0" * 10 + b" ")
_SHAPES = (b"0" * _SHORTEST, b"000 0000 0000", b"000 00000000", b"0000000 0000")
_JOINED = frozenset(b"0123456789.")
_TAIL = frozenset(b"0123456789.Xx -")
_HEX_BYTES = frozenset(b"0123456789abcdef")


def _in_hash_bytes(data: bytes, start: int, end: int) -> bool:
    while start > 0 and data[start - 1] in _HEX_BYTES:
        start -= 1
    while end < len(data) and data[end] in _HEX_BYTES:
        end += 1
    return end - start >= _SHORTEST_HASH


def _replacement(match: re.Match[bytes], data: bytes, offset: int) -> bytes:
    if _in_hash_bytes(data, offset + match.start(), offset + match.end()):
        return match.group(0)
    if match.group("id"):
        number = match.group("id")
        return number[:3] + b"*" * 11 + number[-4:]
    return match.group(3) + b"****" + match.group(5)


def _places(mapped: bytes) -> list[int]:
    found = []
    for shape in _SHAPES:
        at = mapped.find(shape)
        while at >= 0:
            found.append(at)
            at = mapped.find(shape, at + len(shape))
    return sorted(found)


def mask_bytes(data: bytes) -> bytes:
    """UTF-8 ``data`` with every resident ID number and mobile number masked (620***********7428,
    138****5678); a hash (32+ hex digits) is left as it is. Outputs run to hundreds of megabytes, nearly all
    without a number: only the windows around the places one could be are searched with the full pattern."""
    places = _places(data.translate(_RUN_MAP))
    if not places:
        return data
    pieces: list[bytes] = []
    done = 0
    for at in places:
        if at < done:
            continue
        start = max(done, at - 6)  # room for +86 / 0086 before a mobile number
        while start > done and data[start - 1] in _JOINED:  # never start inside a longer number
            start -= 1
        end = at + _SHORTEST
        while end < len(data) and data[end] in _TAIL:
            end += 1
        pieces.append(data[done:start])
        pieces.append(_PERSONAL_BYTES.sub(lambda match, at=start: _replacement(match, data, at), data[start:end]))
        done = end
    pieces.append(data[done:])
    return b"".join(pieces)


def mask_text(text: str) -> str:
    """``text`` with every resident ID number and mobile number masked as the columns mask them."""
    if len(text) < _SHORTEST:
        return text
    data = text.encode("utf-8", "surrogatepass")
    masked = mask_bytes(data)
    return text if masked is data else masked.decode("utf-8", "surrogatepass")


# between texts searched together: no number's pattern, context or hash runs through it, as none runs past a text's end
_BETWEEN = "\x00"


def mask_texts(texts: list[str]) -> list[str]:
    """Each of ``texts`` as ``mask_text`` masks it, all searched in one pass: the store masks each distinct text
    of a column of a national run (hundreds of thousands), nearly all without a number, and a call per text
    cost more than the search."""
    joined = _BETWEEN.join(texts)
    if joined.count(_BETWEEN) != len(texts) - 1:  # a text holding the separator itself: each alone
        return [mask_text(text) for text in texts]
    data = joined.encode("utf-8", "surrogatepass")
    masked = mask_bytes(data)
    if masked is data:
        return list(texts)
    return masked.decode("utf-8", "surrogatepass").split(_BETWEEN)


def has_personal_number(text: str) -> bool:
    return mask_text(text) != text


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

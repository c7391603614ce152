"""Terminal tables whose columns line up when cells mix Chinese (two columns wide) and Latin text."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_lines(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(display_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell + " " * (width - display_width(cell))
                         for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)]

"""The command line's tables: columns as wide as their widest cell, each row one line."""

from __future__ import annotations

import unicodedata

from musictagger.errors import one_line

CELL_WIDTH = 60
"""Longest table cell the tables print (a 300-character label would pad every row)."""


def clip(text: str, width: int = CELL_WIDTH) -> str:
    """``text``, cut to ``width`` characters with ``…`` when longer."""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns as wide as their widest cell on a terminal (:func:`columns`); a line break or tab
    in a cell (a file name may hold one) is written as ``\\n`` or ``\\t``, so that each row stays one line."""
    cells = [[one_line(str(cell)) for cell in row] for row in [header, *rows]]
    widths = [max(columns(cell) for cell in column) for column in zip(*cells, strict=True)]
    return "\n".join(
        "  ".join(cell + " " * (width - columns(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: two for a wide character (Japanese, Chinese, Korean, full-width
    forms), none for a combining mark (the accent of a decomposed ``é``, as macOS writes file names)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

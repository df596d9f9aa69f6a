"""The command line's tables: columns as wide as their widest cell, each row one line."""

from __future__ import annotations

import unicodedata

from musictagger.errors import one_line

CELL_WIDTH = 60
"""Widest table cell the tables print, in terminal columns (a 300-character label would pad every row)."""
FIT_LEAST = 20
"""Fewest terminal columns :func:`format_table` cuts a last column to, however wide the others."""


def clip(text: str, width: int = CELL_WIDTH) -> str:
    """``text``, cut to ``width`` terminal columns (:func:`columns`) with ``…`` when wider: a Japanese name cut at
    40 characters took 80 columns.  A combining mark stays with the character it accents."""
    if columns(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += columns(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]], *, fit: int | None = None) -> str:
    """Left-aligned columns as wide as their widest cell on a terminal (:func:`columns`); a line break or tab
    in a cell (a file name may hold one) is written as ``\\n`` or ``\\t``, so that each row stays one line.
    With ``fit``, the last column's cells are cut (:func:`clip`) to the room the others leave in ``fit``
    terminal columns, or to :data:`FIT_LEAST` where they leave less."""
    cells = [[one_line(str(cell)) for cell in row] for row in [header, *rows]]
    widths = [max(columns(cell) for cell in column) for column in zip(*cells, strict=True)]
    if fit is not None:
        room = max(fit - sum(width + 2 for width in widths[:-1]), FIT_LEAST)
        cells = [[*row[:-1], clip(row[-1], room)] for row in cells]
        widths[-1] = max(columns(row[-1]) for row in cells)
    return "\n".join(
        "  ".join(cell + " " * (width - columns(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: two for a wide character (Japanese, Chinese, Korean, full-width
    forms), none for a combining mark (the accent of a decomposed ``é``, as macOS writes file names)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

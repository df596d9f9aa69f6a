"""The command line's tables: columns as wide as their widest cell, each row one line."""

from __future__ import annotations

from musictagger.errors import one_line

CELL_WIDTH = 60
"""Longest table cell the tables print (a 300-character label would pad every row)."""


def clip(text: str, width: int = CELL_WIDTH) -> str:
    """``text``, cut to ``width`` characters with ``…`` when longer."""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns as wide as their widest cell; a line break or tab in a cell (a file name may hold
    one) is written as ``\\n`` or ``\\t``, so that each row stays one line."""
    cells = [[one_line(str(cell)) for cell in row] for row in [header, *rows]]
    widths = [max(len(cell) for cell in column) for column in zip(*cells, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells
    )

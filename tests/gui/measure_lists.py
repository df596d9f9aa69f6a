"""Open the window on the screen the environment gives it and measure its Files list and Nearest matches table
(run by test_small_screens.py).

Usage: ``python tests/gui/measure_lists.py AUDIO_FILE [--font-size PT]``, with
``QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json`` (and ``QT_SCALE_FACTOR``) making a laptop's screen, and the
library of the user dirs of the environment holding AUDIO_FILE and other tracks.  The window is created as the app
creates it, at its first start, in an application font of ``PT`` points where given.  Prints as JSON, for the state
``empty`` (no file yet) and ``result`` (AUDIO_FILE analysed, its matches shown), each list's viewport width, its
columns' widths, whether it shows a horizontal scroll bar, its shown columns' headings with their widths and the
widths their headings need whole, and for each row of the Files list how many characters
of its name and of its status show (an elided cell's ellipsis not counted) and the status's tooltip.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from measuring import application, walk_states
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeWidget

from musictagger.gui.app import create_window
from musictagger.gui.column_fit import ColumnFit
from musictagger.gui.file_list import State
from musictagger.gui.main_window import MainWindow


def shown_characters(tree: QTreeWidget, row: int, column: int) -> int:
    """How many characters of the cell's text the view paints: the text as the view's delegate elides it to the
    cell's text rectangle, within the viewport (the ellipsis is not one of them)."""
    item = tree.topLevelItem(row)
    index = tree.indexFromItem(item, column)
    option = QStyleOptionViewItem()
    tree.initViewItemOption(option)
    option.rect = tree.visualRect(index)
    tree.itemDelegateForIndex(index).initStyleOption(option, index)
    style = tree.style()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, tree)
    rect.setRight(min(rect.right(), tree.viewport().width() - 1))  # what a horizontal scroll bar hides
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    text = item.text(column)
    elided = option.fontMetrics.elidedText(text, option.textElideMode, rect.width() - 2 * margin)
    return len(elided) if elided == text else max(0, len(elided) - 1)


def list_state(tree: QTreeWidget, fit: ColumnFit) -> dict[str, object]:
    """The view's viewport width, columns' widths, horizontal scroll bar, and its shown columns' headings: each
    with its width and the width its heading needs whole (``fit``'s measure, in bold as a selection draws it)."""
    return {
        "viewport": tree.viewport().width(),
        "columns": [tree.columnWidth(column) for column in range(tree.columnCount())],
        "scrolls sideways": tree.horizontalScrollBar().isVisible(),
        "headings": {
            str(column): [tree.columnWidth(fit.columns.index(column)), fit.heading_width(column)]
            for column in fit.shown_columns()
        },
    }


def lists_in_view(window: MainWindow) -> dict[str, object]:
    """The Files list (with its rows' shown characters) and the Nearest matches table."""
    files = window.files
    rows = [
        {
            "name": files.topLevelItem(row).text(0),
            "name shown": shown_characters(files, row, 0),
            "status": files.topLevelItem(row).text(1),
            "status shown": shown_characters(files, row, 1),
            "status tooltip": files.topLevelItem(row).toolTip(1),
        }
        for row in range(files.topLevelItemCount())
    ]
    matches = window.matches
    return {
        "Files": {**list_state(files, files.column_fit), "rows": rows},
        "Nearest matches": list_state(matches.table, matches.column_fit),
    }


def measure(audio: Path, font_size: float | None = None) -> dict[str, object]:
    """The first start's window, empty, then with ``audio``'s result and matches (see the module's docstring)."""
    app = application(font_size)
    window = create_window([])
    steps = [("result", lambda: window.open_paths([audio]))]

    def ready(name: str) -> bool:
        if name == "empty":
            return True
        entry = window.files.current_entry()
        return (
            entry is not None
            and entry.state in (State.DONE, State.FAILED)
            and window.matches.message.text() not in ("", "Searching the library…")
        )

    return walk_states(app, window, steps, ready, lists_in_view)


if __name__ == "__main__":  # the window's analysis process imports this module too
    parser = argparse.ArgumentParser()
    parser.add_argument("audio", type=Path)
    parser.add_argument("--font-size", type=float)
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.audio, arguments.font_size)))

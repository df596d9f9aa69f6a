"""Render the window's Library tab on a real X server and save it as PNG (run by test_screenshot.py).

Usage: ``python tests/gui/render_library_screenshot.py OUT.png LIBRARY_FOLDER``, under Xvfb with
``QT_QPA_PLATFORM=xcb``.  LIBRARY_FOLDER is indexed first (into the user dirs of the environment);
the window then shows its tracks with the "differs from the model" rows first, and the analysis of
one selected track.  Prints the table's rows as the window shows them, as JSON, for the test to
compare with the index.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from musictagger.gui.app import create_window
from musictagger.gui.file_list import State
from musictagger.gui.library_view import COLUMNS
from musictagger.library import Column, index_folders


def render(out: Path, library: Path) -> list[list[str]]:
    """Index ``library``, show its tracks sorted by agreement, select one, and grab the window."""
    index_folders([library], workers=1)
    app = QApplication([sys.argv[0]])
    window = create_window([])
    window.resize(1400, 860)
    window.show_library_tracks()
    view = window.library_view
    view.table.sortByColumn(COLUMNS.index(Column.AGREEMENT), Qt.SortOrder.DescendingOrder)
    rows: list[list[str]] = []

    def poll_table() -> None:
        if view.model.loading or view.model.rowCount() == 0:
            QTimer.singleShot(100, poll_table)
            return
        view.table.selectRow(0)
        QTimer.singleShot(100, poll_result)

    def poll_result() -> None:
        entry = window.files.current_entry()
        if (
            entry is None
            or entry.state not in (State.DONE, State.FAILED)
            or window.matches.table.topLevelItemCount() == 0
        ):
            QTimer.singleShot(100, poll_result)
            return
        QTimer.singleShot(800, grab)  # let the views paint

    def grab() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        window.screen().grabWindow(window.winId()).save(str(out))
        model = view.model
        rows.extend(
            [model.index(row, column).data() for column in range(model.columnCount())]
            for row in range(model.rowCount())
        )
        window.close()

    QTimer.singleShot(0, poll_table)
    QTimer.singleShot(180_000, app.quit)
    app.exec()
    return rows


if __name__ == "__main__":  # the window's analysis process imports this module too
    print(json.dumps(render(Path(sys.argv[1]), Path(sys.argv[2]))))

"""Open the window on the screen the environment gives it and measure its Library tab (run by test_small_screens.py).

Usage: ``python tests/gui/measure_library_tab.py``, with the index in the user dirs of the environment and
``QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json`` (and ``QT_SCALE_FACTOR``) making a laptop's screen.
The window is created as the app creates it, at its first start; prints as JSON the screen's available
geometry, the window's frame, the table's width and, for each column shown, where it starts, how wide it is
and how wide its cells need it to be.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from musictagger.gui.app import create_window
from musictagger.gui.library_view import COLUMNS


def measure() -> dict[str, object]:
    """The first start's window with its Library tab shown, once its rows are read."""
    app = QApplication([sys.argv[0]])
    window = create_window([])
    window.show_library_tracks()
    table = window.library_view.table
    found: dict[str, object] = {}

    def poll() -> None:
        if window.library_view.model.loading or window.library_view.model.rowCount() == 0:
            QTimer.singleShot(100, poll)
            return
        header, frame = table.horizontalHeader(), window.frameGeometry()
        available = window.screen().availableGeometry()
        found["available"] = [available.x(), available.y(), available.width(), available.height()]
        found["frame"] = [frame.x(), frame.y(), frame.width(), frame.height()]
        found["viewport"] = table.viewport().width()
        found["columns"] = {
            str(column): {
                "start": header.sectionViewportPosition(index),
                "width": table.columnWidth(index),
                "needs": table.sizeHintForColumn(index),
            }
            for index, column in enumerate(COLUMNS)
            if not table.isColumnHidden(index)
        }
        window.close()
        app.quit()

    QTimer.singleShot(500, poll)  # after the window has been fitted to the screen
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    return found


if __name__ == "__main__":  # the window's analysis process imports this module too
    print(json.dumps(measure()))

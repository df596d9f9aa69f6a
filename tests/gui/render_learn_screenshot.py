"""Render Library ▸ Learn from my tags… with its report on a real X server and save it as PNG (run by
test_screenshot.py).

Usage: ``python tests/gui/render_learn_screenshot.py OUT.png MIN_PER_LABEL``, under Xvfb with
``QT_QPA_PLATFORM=xcb``, on the library index already in the user dirs of the environment.  The
dialog surveys it, learns with the minimum given, and is grabbed once its report and question are
shown.  Prints the survey's and the report's rows as the dialog shows them, as JSON, for the test
to compare with the model saved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTreeWidget

from musictagger.gui.app import create_window


def rows_of(table: QTreeWidget) -> list[list[str]]:
    """Every row's cells, as shown."""
    return [
        [table.topLevelItem(row).text(column) for column in range(table.columnCount())]
        for row in range(table.topLevelItemCount())
    ]


def render(out: Path, min_per_label: int) -> dict[str, object]:
    """Open the learn dialog, learn, and grab the dialog with its report."""
    app = QApplication([sys.argv[0]])
    window = create_window([])
    dialog = window.open_learn_dialog()
    dialog.resize(900, 820)
    dialog.show()
    dialog.min_per_label.setValue(min_per_label)
    shown: dict[str, object] = {}

    def poll_survey() -> None:
        if dialog.found is None or min(dialog.found.labels.values(), default=0) < min_per_label:
            QTimer.singleShot(100, poll_survey)
            return
        dialog.learn_button.click()
        QTimer.singleShot(100, poll_report)

    def poll_report() -> None:
        if dialog.task is not None or dialog.learned is None:
            QTimer.singleShot(100, poll_report)
            return
        QTimer.singleShot(800, grab)  # let it paint

    def grab() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        dialog.screen().grabWindow(dialog.winId()).save(str(out))
        shown.update(survey=rows_of(dialog.table), scores=rows_of(dialog.report.table), platform=app.platformName())
        dialog.reject()
        window.close()

    QTimer.singleShot(0, poll_survey)
    QTimer.singleShot(180_000, app.quit)
    app.exec()
    return shown


if __name__ == "__main__":  # the window's analysis process imports this module too
    print(json.dumps(render(Path(sys.argv[1]), int(sys.argv[2]))))

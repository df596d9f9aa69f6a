"""Render the main window with a result on a real X server and save it as PNG (run by test_screenshot.py).

Usage: ``python tests/gui/render_screenshot.py OUT.png AUDIO_FILE [LIBRARY_FOLDER]``, under Xvfb with
``QT_QPA_PLATFORM=xcb``.  LIBRARY_FOLDER is indexed first (into the user dirs of the environment),
so the matches panel has something to show.  Prints the verdict, code and matches the window
shows, as JSON, for the test to compare with the core API's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from musictagger.gui.app import create_window
from musictagger.gui.file_list import State
from musictagger.gui.matches_view import PATH
from musictagger.library import index_folders


def render(out: Path, audio: Path, library: Path | None) -> dict[str, object]:
    """Open the window on ``audio``, wait for its result and matches, and grab the screen's pixels of the window."""
    if library is not None:
        index_folders([library], workers=1)
    app = QApplication([sys.argv[0]])
    window = create_window([audio])
    window.resize(1400, 860)
    shown: dict[str, object] = {}

    def poll() -> None:
        entry = window.files.current_entry()
        searching = library is not None and window.matches.table.topLevelItemCount() == 0
        # The spectrogram comes after the verdict (its overview is computed apart): under load it was still the
        # empty plot's message 800 ms after it, and the screenshot had no spectrogram (415 colours, not over 500).
        drawing = entry is not None and entry.state is State.DONE and window.spectrogram.stack.empty
        if entry is None or entry.state not in (State.DONE, State.FAILED) or searching or drawing:
            QTimer.singleShot(100, poll)
            return
        QTimer.singleShot(800, grab)  # let the views paint

    def grab() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        window.screen().grabWindow(window.winId()).save(str(out))
        table = window.matches.table
        shown.update(
            verdict=window.genre.verdict.text(),
            code=window.code.hex.text(),
            platform=app.platformName(),
            matches=[table.topLevelItem(i).text(PATH) for i in range(table.topLevelItemCount())],
        )
        window.close()

    QTimer.singleShot(0, poll)
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    return shown


if __name__ == "__main__":  # the window's analysis process imports this module too
    print(json.dumps(render(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)))

"""``musictagger-gui --quit-after-first-result``: show the first queued file's result, report it and quit.

For scripted checks of an installation (CI's wheel check, the bundle's smoke test) and nothing
else: the window opens as usual, and once the first file in its list is analysed (or has
failed), it prints ``FILE: <what the result panel says>``, optionally saves a PNG of the window,
and quits with status 0 (a result shown) or 1 (the file failed).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication

from musictagger.gui.file_list import State
from musictagger.gui.main_window import MainWindow

POLL_MS = 100
PAINT_MS = 800  # time for the views to paint the result before the screenshot


def quit_after_first_result(window: MainWindow, screenshot: Path | None = None) -> None:
    """Watch ``window`` until its first file is done or failed, then report, grab and quit the app."""

    def poll() -> None:
        entries = list(window.files.entries.values())
        drawn = bool(entries) and entries[0].state is State.DONE and entries[0].spectrogram_db is not None
        if not entries or not (drawn or entries[0].state is State.FAILED):  # the verdict shows before the spectrogram
            QTimer.singleShot(POLL_MS, poll)
            return
        window.files.select(entries[0].path)
        QTimer.singleShot(PAINT_MS, lambda: finish(entries[0].path, entries[0].state))

    def finish(path: Path, state: State) -> None:
        print(f"{path}: {window.genre.verdict.text()}", flush=True)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(screenshot))
        window.close()
        # Closing the last window posted a Quit for later, which exit() below makes redundant.  Left in
        # the queue it would outlive this exec() and end every event loop the process runs next
        # (a caller that goes on with this QApplication, as the tests do, would never see an event again).
        QCoreApplication.removePostedEvents(QApplication.instance(), QEvent.Type.Quit)
        QApplication.instance().exit(0 if state is State.DONE else 1)

    QTimer.singleShot(0, poll)

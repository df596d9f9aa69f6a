"""``musictagger-gui [FILE...]``: start Qt, open the window, queue FILEs (files or folders) for analysis."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

import musictagger
from musictagger.gui.errors import describe, install_excepthook, setup_logging
from musictagger.gui.main_window import MainWindow
from musictagger.gui.settings import Settings
from musictagger.gui.theme import apply_theme
from musictagger.userdirs import APP_NAME


def create_window(files: list[Path], settings: Settings | None = None) -> MainWindow:
    """Build and show the main window with ``files`` queued (the app's and the tests' one way in)."""
    settings = settings or Settings()
    apply_theme(settings.theme)
    window = MainWindow(settings)
    install_excepthook(window)
    window.show()
    window.open_paths(files)
    gc.freeze()  # the start-up heap (Qt wrappers, pyqtgraph, numpy …) leaves the collector: no 40 ms full collections later
    return window


def main(argv: list[str] | None = None) -> int:
    """Run the window until it is closed; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0], *args])
        args = app.arguments()[1:]  # without the options Qt took for itself (-platform, -style …)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(musictagger.__version__)
    app.setDesktopFileName(APP_NAME)
    setup_logging()
    try:
        window = create_window([Path(arg) for arg in args])
    except (
        Exception
    ) as exc:  # e.g. a missing model: say so in a dialog rather than a traceback on a console nobody sees
        QMessageBox.critical(None, "musictagger cannot start", describe(exc))  # modal: the process ends after it
        return 1
    status = app.exec()
    del window
    return status

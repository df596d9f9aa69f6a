"""``musictagger-gui [FILE...]``: start Qt, open the window, queue FILEs (files or folders) for analysis."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

import musictagger
from musictagger.gui.errors import install_excepthook, setup_logging, show_error
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
    return window


def run(argv: list[str] | None = None) -> int:
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
    except Exception as exc:  # e.g. a missing model: say so in a dialog rather than a traceback on a console nobody sees
        show_error(None, "musictagger cannot start", exc)
        return 1
    status = app.exec()
    del window
    return status


def main() -> None:
    """The ``musictagger-gui`` entry point: :func:`run`, then leave without finalising the interpreter.

    With PySide6 6.12 and pyqtgraph 0.14, the garbage collection at interpreter shutdown aborts
    ("bool_dealloc: deallocating True or False") once the spectrogram and layer views have
    existed, even after every widget was deleted.  By then the window has saved its settings
    and stopped its workers, so the process flushes its log and output and exits directly,
    as pyqtgraph's own ``pg.exit()`` does.
    """
    status = run()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)

"""Errors a person can read; tracebacks in the log file (after beets and Friture).

A :class:`~musictagger.errors.MusictaggerError` already says what went wrong in words, so its
message is shown as it is.  Anything else is a bug: the user sees one readable sentence and
where the log file is, and the traceback goes into that file, never into a dialog.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from musictagger import userdirs
from musictagger.errors import MusictaggerError
from musictagger.gui.readable import readable

log = logging.getLogger("musictagger.gui")


def log_path() -> Path:
    """The GUI's log file: ``<cache dir>/gui.log``."""
    return userdirs.cache_dir() / "gui.log"


_log_trouble: str | None = None
"""Why :func:`log_path` could not be opened for the log, when :func:`setup_logging` found it so."""


class _LogFile(RotatingFileHandler):
    """The log file, until a write to it fails (its disk full since the window started): the log then goes to standard
    error, as when the file could not be opened, said there once.  Each record printed ``--- Logging error ---`` and a
    traceback there instead, and an error's message still sent the user to the file."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        global _log_trouble
        error = sys.exc_info()[1]
        _log_trouble = f"{self.baseFilename} cannot be written ({getattr(error, 'strerror', None) or error})"
        logging.getLogger("musictagger").removeHandler(self)
        with contextlib.suppress(OSError):  # what is left unwritten cannot be written either
            self.close()
        print(f"musictagger: the log file {_log_trouble}: the log goes to standard error from now on", file=sys.stderr)
        logging.lastResort.handle(record)


def setup_logging() -> Path | None:
    """Send the app's log (warnings and up, with tracebacks) to :func:`log_path`; return that path, or None when it
    cannot be opened (its disk read-only, a file where its folder should be): the window starts all the same and the
    log goes to standard error, where a failed open of the file ended the start in a traceback before any window."""
    global _log_trouble
    path = log_path()
    root = logging.getLogger("musictagger")
    if not any(isinstance(h, _LogFile) and Path(h.baseFilename) == path for h in root.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = _LogFile(path, maxBytes=1 << 20, backupCount=2, encoding="utf-8")
        except OSError as exc:
            _log_trouble = f"{path} cannot be written ({exc.strerror or exc})"
            return None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    _log_trouble = None
    return path


def where_the_details_are() -> str:
    """Where a user finds the traceback of an unexpected error: the log file, or standard error when it could not be
    opened (naming it the log file then sent them to a file that is not there)."""
    if _log_trouble is not None:
        return f"The details went to standard error: the log file {_log_trouble}."
    return f"The details are in the log file: {log_path()}"


def describe(error: BaseException) -> str:
    """The sentence a user sees for ``error``; unexpected errors are logged with their traceback."""
    if isinstance(error, MusictaggerError):
        return readable(str(error))
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    return (
        f"Something went wrong inside musictagger ({type(error).__name__}: {readable(str(error))}).\n"
        + where_the_details_are()
    )


def show_message(
    parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Information
) -> None:
    """Show ``text`` in a message box that does not block.

    The box is opened, not executed: messages arrive from background work at any moment, and a
    nested modal event loop there could wait on work that waits on it.
    """
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def show_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    """Show ``error`` in a message box (no traceback; see :func:`describe`)."""
    show_message(parent, title, describe(error), QMessageBox.Icon.Warning)


def install_excepthook(parent: QWidget) -> None:
    """Route errors raised in Qt callbacks to :func:`show_error` instead of stderr and a dead window."""

    def hook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, traceback)
            return
        show_error(parent, "musictagger", error.with_traceback(traceback))

    sys.excepthook = hook


GONE_TEXT = "not there any more (moved, renamed or deleted?)"
"""Why a file listed (a library track, a match, a file analysed) cannot be played or shown: it has gone since."""


def open_folder_of(parent: QWidget | None, path: Path) -> None:
    """Open the folder holding ``path`` in the desktop's file manager, or say where it is when none can be
    opened (a desktop without a file launcher: Qt only logs "Unable to detect a launcher"); a file gone since it
    was listed is said to be (its folder opened without it, or a file manager's error, said nothing of it)."""
    if not path.exists():
        show_message(
            parent, "Show in folder", f"{readable(path.name)} is {GONE_TEXT}. It was in:\n{readable(path.parent)}"
        )
        return
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))):
        show_message(parent, "Show in folder", f"No file manager could be opened here. The file is in:\n{path.parent}")

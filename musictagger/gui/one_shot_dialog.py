"""The window's dialogs are made afresh each time they are opened, as its children, and deleted once closed.

Kept after closing, every opening stayed in memory with all it had read until the window quit: opening and closing
Learn from my tags, Tag genres and Personal models 50 times each over a 100,000-track library took the window from
191 MB to 933 MB (each Learn dialog kept its survey of the library).  Work still running when a dialog closes (Apply
writing files, a switch of models) keeps it until that work has ended, so that what the work did is still said.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget


class OneShotDialog(QDialog):
    """A dialog shown once by :meth:`exec_once`: deleted (by the event loop) once it is closed and :meth:`working`
    no more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._once = False

    def exec_once(self) -> int:
        """Show the dialog, modal, until it is closed (as :meth:`exec` does); then it goes."""
        self._once = True
        return self.exec()

    def working(self) -> bool:
        """Whether work runs whose end the dialog must still see (subclasses say; they call :meth:`release_if_closed`
        when it ends)."""
        return False

    def done(self, result: int) -> None:
        """Closed (Close, Esc, OK, the title bar's button): deleted now if idle, else when its work ends."""
        super().done(result)
        self._closed = True
        self.release_if_closed()

    def release_if_closed(self) -> None:
        """Delete the dialog shown by :meth:`exec_once` if it has been closed and no work runs."""
        if self._once and self._closed and not self.working():
            self.deleteLater()

"""Light, dark, or whatever the desktop uses (the default): Qt's colour scheme hint."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

SCHEMES = {"system": Qt.ColorScheme.Unknown, "light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def apply_theme(theme: str) -> None:
    """Ask Qt for the ``theme`` colour scheme; ``system`` follows the desktop, live."""
    QGuiApplication.styleHints().setColorScheme(SCHEMES.get(theme, Qt.ColorScheme.Unknown))

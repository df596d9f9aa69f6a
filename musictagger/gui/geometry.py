"""Keeping the window on its screen: a saved geometry or a newly shown dock must never put it off-screen.

A window restored from a larger monitor, or grown by a dock whose contents want more room than
the screen has, would otherwise open partly off-screen, and its size would be saved that way.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_to_screen(window: QWidget) -> None:
    """Shrink ``window`` to its screen's available area (less the frame), then move it wholly onto it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    available = screen.availableGeometry()
    frame, inner = window.frameGeometry(), window.geometry()
    border_w, border_h = frame.width() - inner.width(), frame.height() - inner.height()
    width = min(inner.width(), available.width() - border_w)
    height = min(inner.height(), available.height() - border_h)
    if (width, height) != (inner.width(), inner.height()):
        window.resize(width, height)
        frame = window.frameGeometry()
    # Onto the screen; a window that cannot shrink enough (its minimum size) keeps its top left visible.
    x = max(min(frame.x(), available.left() + available.width() - frame.width()), available.left())
    y = max(min(frame.y(), available.top() + available.height() - frame.height()), available.top())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)

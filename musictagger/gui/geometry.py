"""Keeping windows on their screen: a first size, a saved geometry or a newly shown dock must never put a window
off-screen.

A window restored from a larger monitor, or grown by a dock whose contents want more room than
the screen has, would otherwise open partly off-screen, and its size would be saved that way.
A window's or dialog's first size is its preferred size only where that fits the screen with the frame the window
manager adds once it is shown (a 1280×800 window on a 1366×768 laptop lost its status bar below the screen).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStyle, QWidget


def frame_allowance(window: QWidget) -> QSize:
    """The room a window manager's frame takes, before the window has one: a title bar and a border on each side,
    as the style draws a window's (a subwindow's) frame.

    Qt itself allows a title bar of the style's height when it restores a geometry; the window's frame is
    only known once it is shown, too late for its first size.
    """
    style = window.style()
    border = style.pixelMetric(QStyle.PixelMetric.PM_MdiSubWindowFrameWidth, None, window)
    title = style.pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight, None, window)
    return QSize(2 * border, title + 2 * border)


def text_size(window: QWidget, chars: int, lines: int) -> QSize:
    """``chars`` average characters by ``lines`` lines of ``window``'s font (any widget's): a dialog's preferred size
    or a column's cap, which set in pixels for Qt's 9 points (6 by 14 a character) held less of its text in a larger
    font."""
    metrics = window.fontMetrics()
    return QSize(chars * metrics.averageCharWidth(), lines * metrics.lineSpacing())


def resize_within_screen(window: QWidget, preferred: QSize) -> None:
    """Give ``window`` (not shown yet) its ``preferred`` size, shrunk to what fits its screen's available area
    with the frame still to come; a dialog opens on its parent's screen."""
    screen = (window.parentWidget() or window).screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(preferred)
        return
    room = screen.availableGeometry().size() - frame_allowance(window)
    window.resize(preferred.boundedTo(room))


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

"""Keyboard and screen-reader helpers shared by the window's views: where the focus is, seen, a Tab order, and a
context menu from the keyboard.

A plot (a pyqtgraph view, frameless) shows no sign of having the keyboard focus, and a custom-painted widget
none at all; a keyboard user then cannot tell where Tab went.  Screen readers (Orca reads Qt's accessibility
tree) learn what such a view shows from its accessible name and description, which each view sets itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QStyle,
    QStyleOptionFocusRect,
    QStylePainter,
    QWidget,
)

FOCUS_FRAME_STYLE = (
    "QAbstractScrollArea { border: 2px solid transparent; }"
    " QAbstractScrollArea:focus { border: 2px solid palette(highlight); }"
)
"""A frame in the highlight colour around a focused view; transparent otherwise, so that focus moves nothing."""


def frame_focus(view: QAbstractScrollArea) -> None:
    """Draw a frame around ``view`` (a plot) while it has the keyboard focus."""
    view.setStyleSheet(FOCUS_FRAME_STYLE)


def paint_focus(widget: QWidget) -> None:
    """Draw the style's focus rectangle around a custom-painted ``widget`` that has the focus (from its paintEvent)."""
    if not widget.hasFocus():
        return
    option = QStyleOptionFocusRect()
    option.initFrom(widget)
    option.backgroundColor = widget.palette().color(widget.backgroundRole())
    QStylePainter(widget).drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option)


def set_tab_order(widgets: Iterable[QWidget]) -> None:
    """Tab moves through ``widgets`` in this order (Shift+Tab back); hidden or disabled ones are skipped as usual."""
    for before, after in pairwise(widgets):
        QWidget.setTabOrder(before, after)


def menu_on_shift_f10(view: QAbstractItemView) -> None:
    """Shift+F10 on ``view`` (whose menu is its ``customContextMenuRequested``) opens that menu at the current row, as
    the Menu key does: the desktops' key for a context menu where a keyboard has no Menu key (a laptop's), which Qt
    does not bind, so that the menu's actions and the columns it shows were out of a keyboard's reach there."""
    shortcut = QShortcut(QKeySequence("Shift+F10"), view, context=Qt.ShortcutContext.WidgetShortcut)

    def open_menu() -> None:
        row = view.visualRect(view.currentIndex())
        view.customContextMenuRequested.emit(row.center() if row.isValid() else view.viewport().rect().center())

    shortcut.activated.connect(open_menu)

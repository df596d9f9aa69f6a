"""Keyboard and screen-reader helpers shared by the window's views: where the focus is, seen, and a Tab order.

A plot (a pyqtgraph view, frameless) shows no sign of having the keyboard focus, and a custom-painted widget
none at all; a keyboard user then cannot tell where Tab went.  Screen readers (Orca reads Qt's accessibility
tree) learn what such a view shows from its accessible name and description, which each view sets itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from PySide6.QtWidgets import QAbstractScrollArea, QStyle, QStyleOptionFocusRect, QStylePainter, QWidget

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

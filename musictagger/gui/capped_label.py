"""Wrapped text of at most a few lines: what does not fit ends in an ellipsis, and the whole text is the tooltip.

A message above a table (the Nearest matches') wrapped over as many lines as its text needed, and in a short
dock it pushed the buttons below the table out of view.  Capped, it keeps its first lines, which say the
point, and the rest is a hover away; :meth:`QLabel.text` and what a screen reader reads stay the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel


class CappedLabel(QLabel):
    """A word-wrapped label showing at most ``lines`` lines, the last one elided when the text goes on."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._update_tooltip()

    def _wrap(self, width: int) -> tuple[list[str], bool]:
        """The lines shown at ``width`` pixels (the text wrapped at word boundaries, the last line elided if the text
        goes on) and whether the text was cut short."""
        text = self.text()
        layout = QTextLayout(text.replace("\n", "\u2028"), self.font())  # a line separator: QTextLayout breaks there
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        shown: list[str] = []
        cut = False
        while text and len(shown) < self.lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start = line.textStart()
            if len(shown) == self.lines - 1:  # the last line shown takes the rest of the text
                rest = " ".join(text[start:].split())
                shown.append(self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width))
                cut = shown[-1] != rest
            else:
                shown.append(text[start : start + line.textLength()].strip())
        layout.endLayout()
        return shown, cut

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        return len(self._wrap(inner)[0]) * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(hint.width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(hint.width(), min(hint.height(), self.heightForWidth(hint.width())))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        area = self.contentsRect()
        spacing = self.fontMetrics().lineSpacing()
        for number, line in enumerate(self._wrap(area.width())[0]):
            row = QRect(area.left(), area.top() + number * spacing, area.width(), spacing)
            self.style().drawItemText(
                painter, row, int(self.alignment()), self.palette(), self.isEnabled(), line, self.foregroundRole()
            )
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        """The whole text as the tooltip while it is cut short; none while it is shown whole."""
        _, cut = self._wrap(self.contentsRect().width())
        self.setToolTip(self.text() if cut else "")

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
        return self._wrapped(width, self.lines)

    def _wrapped(self, width: int, lines: int, text: str | None = None) -> tuple[list[str], bool]:
        """``text`` (by default the label's) wrapped at ``width`` pixels in at most ``lines`` lines, the last elided if
        the text goes on, and whether it was cut short."""
        text = self.text() if text is None else text
        layout = QTextLayout(text.replace("\n", "\u2028"), self.font())  # a line separator: QTextLayout breaks there
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        shown: list[str] = []
        cut = False
        while text and len(shown) < lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start = line.textStart()
            if len(shown) == lines - 1:  # the last line shown takes the rest of the text
                rest = " ".join(text[start:].split())
                shown.append(self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width))
                cut = shown[-1] != rest
            else:
                shown.append(text[start : start + line.textLength()].strip())
        layout.endLayout()
        return shown, cut

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        margins = self.contentsMargins()
        return self._lines_height(len(self._wrap(width - margins.left() - margins.right())[0]))

    def _lines_height(self, lines: int) -> int:
        """The label's height holding ``lines`` lines."""
        margins = self.contentsMargins()
        return lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()

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


class NotesLabel(CappedLabel):
    """A result's notes, one a line of its text (``clipped: …``, ``narrow band: …``), or the reason it has no genre:
    wrapped whole where the label is given the height, else in the lines it is given but never less than a line a
    note, a note cut short elided, the whole text the tooltip.  Wrapped whole, two notes took six lines of a Result
    dock 292 pixels high at 1024×640, and its code went out of view."""

    def __init__(self) -> None:
        super().__init__(lines=1)

    def _wrap(self, width: int) -> tuple[list[str], bool]:
        """The notes wrapped at ``width`` in the lines the label's height holds: each note as many of its lines as
        leave the notes after it a line each, its last elided where it goes on."""
        notes = self.text().split("\n") if self.text() else []
        room = max(len(notes), self.contentsRect().height() // self.fontMetrics().lineSpacing())
        shown: list[str] = []
        cut = False
        for number, note in enumerate(notes):
            lines, note_cut = self._wrapped(width, room - len(shown) - (len(notes) - number - 1), note)
            shown += lines
            cut = cut or note_cut
        return shown, cut

    def _whole(self, width: int) -> list[str]:
        """The text wrapped at ``width``, every line of it."""
        return self._wrapped(width, len(self.text()) + 1)[0]  # no more lines than characters

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        """False: its least height (a line a note) and its height wrapped whole are both in its hints, which follow its
        width, and the panel's layout gives it what it can between them."""
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The height of the text wrapped whole at its width."""
        hint = super().sizeHint()
        width = self.contentsRect().width() if self.width() > 0 else hint.width()
        return QSize(hint.width(), self._lines_height(len(self._whole(width))))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """A line a note."""
        notes = self.text().count("\n") + 1 if self.text() else 0
        return QSize(super().minimumSizeHint().width(), self._lines_height(notes))

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # its hints follow its width

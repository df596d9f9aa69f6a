"""The track's hash code: an 8-wide grid of its bits and its hex, ready to copy.

Bits are drawn in code order (bit 0 top left, rows of eight), set bits filled; the hex is
:attr:`Analysis.code_hex`, the form the CLI prints and the tagger stores.  A screen reader reads the
grid's accessible description: the hex, then the bits in rows of eight as the grid draws them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from musictagger.model.runtime import Analysis

ROW = 8
CELL = 16
"""A cell's side where there is room; the grid shrinks to :data:`MIN_CELL` where there is not (a short dock)."""
MIN_CELL = 6
LINE_EDIT_MARGINS = 2 * 2
"""The room QLineEdit keeps each side of its text inside its frame (its private horizontalMargin, 2 pixels)."""


class BitGrid(QWidget):
    """Rows of eight square cells, one per bit, filled where the bit is 1."""

    def __init__(self, *, grows: bool = False) -> None:
        """``grows``: its cells grow in the height left once the panel's text and bars have theirs, never before (it
        wishes for no more than its least height, and takes what it is given, its cells drawn from its top): a layout
        short of room takes as much from each of its widgets, and a grid that wished for large cells left a short
        Result dock's notes cut to a line each, or out of view."""
        super().__init__()
        self.grows = grows
        self.setAccessibleName("Hash code bits")
        if grows:
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.set_bits(np.zeros(0, dtype=np.uint8))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Cells of :data:`CELL`, or of :data:`MIN_CELL` down where it :attr:`grows`."""
        return QSize(self._size(CELL).width(), self._size(MIN_CELL if self.grows else CELL).height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._size(MIN_CELL)

    def _size(self, cell: int) -> QSize:
        """The grid's size with cells of side ``cell``: eight columns, at least eight rows."""
        rows = max(1, -(-len(self.bits) // ROW))
        return QSize(ROW * cell + 1, max(rows, ROW) * cell + 1)

    def set_bits(self, bits: np.ndarray, code_hex: str = "") -> None:
        """Show ``bits`` (0/1 array; their hex ``code_hex`` says them in words), or nothing for an empty array."""
        self.bits = np.asarray(bits, dtype=np.uint8)
        self.setToolTip("".join(str(int(b)) for b in self.bits))
        rows = " ".join(
            "".join(str(int(b)) for b in self.bits[start : start + ROW]) for start in range(0, len(self.bits), ROW)
        )
        self.setAccessibleDescription(
            f"{code_hex}: {len(self.bits)} bits, {rows}" if len(self.bits) else "no hash code"
        )
        self.updateGeometry()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        palette = self.palette()
        side = min(self.width() // ROW, self.height() // max(1, -(-len(self.bits) // ROW)), CELL * 2)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        for index, bit in enumerate(self.bits):
            row, column = divmod(index, ROW)
            cell = QRectF(column * side + 0.5, row * side + 0.5, side - 2, side - 2)
            painter.setBrush(
                palette.color(QPalette.ColorRole.Highlight) if bit else palette.color(QPalette.ColorRole.Base)
            )
            painter.drawRect(cell)
        painter.end()


class CodeView(QWidget):
    """Bit grid, read-only hex field and a Copy button (the window's Edit ▸ Copy, Ctrl+C, copies the code while the
    view has the focus); ``under``: the hex and its button under the grid rather than beside it (the Live panel, wide
    and short, puts the code beside the verdict)."""

    def __init__(self, *, under: bool = False) -> None:
        super().__init__()
        self.grid = BitGrid(grows=not under)
        self.hex = QLineEdit()
        self.hex.setReadOnly(True)
        self.hex.setPlaceholderText("hash code")
        self.hex.setAccessibleName("Hash code (hex)")
        self._fit_hex_font()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the hash code (hex) to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.copy_action = QAction(self)
        """The window's Edit ▸ Copy hash code: enabled with the button, while there is a code to copy."""
        self.copy_action.triggered.connect(self.copy)
        # The hex and its button beside the grid, on one line, unless asked: in the Result dock of a 1024×640 screen
        # the code then shows whole, without scrolling (in a 14-point font the button under the hex was cut).
        text = QVBoxLayout()
        line = QHBoxLayout() if not under else text
        line.addWidget(self.hex)
        line.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)
        if line is not text:
            text.addLayout(line)
        text.addStretch(1)
        layout = QVBoxLayout(self) if under else QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # the panel holding it has the margins
        layout.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignTop if under else Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(text, 1)
        self.clear()

    def clear(self) -> None:
        """Show no code: the view hides, since a blank grid beside an empty field says nothing (and its height
        pushed the empty Result panel's last lines out of view on a 700-pixel-high screen)."""
        self.grid.set_bits(np.zeros(0, dtype=np.uint8))
        self.hex.clear()
        self._enable_copy(False)
        self.hide()

    def show_analysis(self, analysis: Analysis) -> None:
        """Show the bits and hex of ``analysis``."""
        self.grid.set_bits(analysis.bits, analysis.code_hex)
        self.hex.setText(analysis.code_hex)
        self.hex.setMinimumWidth(self._width_showing(analysis.code_hex))
        self._enable_copy(True)
        self.show()

    def _fit_hex_font(self) -> None:
        """The hex in the desktop's fixed-width font at the size of the view's own: that font is 9 points whatever
        the interface's, and in a 14-point desktop the code was a third smaller than the text around it."""
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSizeF(self.font().pointSizeF())
        self.hex.setFont(fixed)
        self.hex.setMinimumWidth(self._width_showing(self.hex.text()) if self.hex.text() else 0)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Another font: the hex follows it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_hex_font()

    def _width_showing(self, text: str) -> int:
        """The hex field's width showing ``text`` whole, in its font and its style's frame and margins: beside its
        button the field shrank and cut the code."""
        option = QStyleOptionFrame()
        self.hex.initStyleOption(option)
        margins = self.hex.textMargins()
        inner = QSize(
            self.hex.fontMetrics().horizontalAdvance(text) + LINE_EDIT_MARGINS + margins.left() + margins.right(),
            self.hex.fontMetrics().height(),
        )
        return self.hex.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, inner, self.hex).width()

    def _enable_copy(self, enabled: bool) -> None:
        self.copy_button.setEnabled(enabled)
        self.copy_action.setEnabled(enabled)

    def copy(self) -> None:
        """Put the hex code on the clipboard."""
        if self.hex.text():
            QGuiApplication.clipboard().setText(self.hex.text())

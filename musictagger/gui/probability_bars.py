"""A probability bar per label in the height a panel has: every bar when they all fit, else the most probable.

The Result dock and the Live panel are a few hundred pixels high on a laptop (with an 11-point font, 356 and 333
pixels on a 1366×768 screen), and a personal model may have twenty labels: a bar each took 600 pixels and both
panels scrolled, the verdict's code and matches out of view.  As a music tool ranks candidates, the bars then
show the top of the ranking: when every bar fits they stand in the model's order, as the shipped model's four
always do; when not, the most probable come first, as many as fit but never fewer than :data:`LEAST_BARS`, and a
line under them says how many more there are ("+16 more"), its tooltip naming each with its probability.  A larger
window shows more of them, up to all; a screen reader hears every probability in the verdict's description.

Where even the fewest bars do not fit, they are squeezed, down to a line of text each (the bar's least height): at
1024×700 in an 11-point font the Result panel needed 24 pixels more than its dock for the shipped model's four.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

BAR_STEPS = 1000
LEAST_BARS = 3
"""The fewest bars shown when not all fit: the verdict's label and the two nearest after it."""
MORE_STYLE = "color: #808080;"


class ProbabilityBars(QWidget):
    """A row per label (its name, and a bar of its probability with the value written on it), and the line saying how
    many rows the height left out; :attr:`bars` holds the bar showing each label."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        super().__init__()
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.more = QLabel()
        self.more.setStyleSheet(MORE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.more)
        layout.addStretch(1)  # room beyond the rows shown stays below them
        self.bars: dict[str, QProgressBar] = {}
        self._values: dict[str, float] | None = None
        self._enabled = True
        self.set_labels(labels)

    def set_labels(self, labels: tuple[str, ...]) -> None:
        """A row per label, in the order given (another model, e.g. a personal one, has other labels)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.labels = labels
        self._rows: list[tuple[QLabel, QProgressBar]] = []
        for label in labels:
            bar = QProgressBar()
            bar.setRange(0, BAR_STEPS)
            policy = bar.sizePolicy()
            policy.setVerticalPolicy(QSizePolicy.Policy.Maximum)  # squeezed to its least height where there is no room
            bar.setSizePolicy(policy)
            bar.setTextVisible(True)
            name = QLabel(label.replace("&", "&&"))  # a label's & is text, not a shortcut mark
            name.setBuddy(bar)  # a screen reader names the bar by it
            self.form.addRow(name, bar)
            self._rows.append((name, bar))
        # The names' column as wide as the longest of them, whichever rows are shown: the bars keep their width.
        widest = max((name.sizeHint().width() for name, _ in self._rows), default=0)
        for name, _ in self._rows:
            name.setMinimumWidth(widest)
        self._values = None
        self._shown = self._rows_fitting(self.height())
        self._fill()
        self.updateGeometry()

    def show_values(self, values: dict[str, float] | None, *, enabled: bool) -> None:
        """Each label's probability in ``values`` (None: empty bars); ``enabled`` False greys the bars out."""
        self._values, self._enabled = values, enabled
        self._fill()

    def _fill(self) -> None:
        """Put the labels in the rows (the most probable first when some are left out) and say what is left out."""
        ranked = self._values is not None and self._shown < len(self.labels)
        values = self._values or {}
        order = sorted(self.labels, key=lambda label: -values[label]) if ranked else list(self.labels)
        self.setUpdatesEnabled(False)  # QProgressBar.setValue repaints at once: paint the rows together, later
        for position, (label, (name, bar)) in enumerate(zip(order, self._rows, strict=True)):
            name.setText(label.replace("&", "&&"))
            value = values.get(label)
            bar.setValue(0 if value is None else round(value * BAR_STEPS))
            bar.setFormat("" if value is None else f"{value:.2f}")
            bar.setEnabled(self._enabled)
            name.setVisible(position < self._shown)
            bar.setVisible(position < self._shown)
        self.bars = {label: bar for label, (_, bar) in zip(order, self._rows, strict=True)}
        left_out = order[self._shown :]
        self.more.setText(f"+{len(left_out)} more")
        self.more.setToolTip(
            "\n".join(label if label not in values else f"{label} {values[label]:.2f}" for label in left_out)
        )
        self.more.setVisible(bool(left_out))
        self.setUpdatesEnabled(True)

    def _least_rows(self) -> int:
        """The fewest rows shown: all of them when leaving out fewer than two would not save a line."""
        count = len(self.labels)
        return count if count <= LEAST_BARS + 1 else LEAST_BARS

    def _height(self, rows: int, *, squeezed: bool = False) -> int:
        """The height of ``rows`` rows (each at its least height if ``squeezed``), with the line saying how many more
        when they are not all."""
        if not self._rows or rows == 0:
            return 0
        name, bar = self._rows[0]
        hints = (name.minimumSizeHint(), bar.minimumSizeHint()) if squeezed else (name.sizeHint(), bar.sizeHint())
        row = max(hint.height() for hint in hints)
        height = rows * row + (rows - 1) * self.form.verticalSpacing()
        if rows < len(self.labels):
            height += self.layout().spacing() + self.more.fontMetrics().height()
        return height

    def _rows_fitting(self, height: int) -> int:
        """How many rows to show in ``height`` pixels: all that fit, never fewer than the least, never all but one."""
        count = len(self.labels)
        if self._height(count) <= height:
            return count
        fitting = [rows for rows in range(self._least_rows(), count - 1) if self._height(rows) <= height]
        return max(fitting, default=self._least_rows())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Every row: what the panel gives when it has the room."""
        return QSize(super().sizeHint().width(), self._height(len(self.labels)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The least rows, squeezed, and the line saying how many more."""
        return QSize(super().minimumSizeHint().width(), self._height(self._least_rows(), squeezed=True))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        shown = self._rows_fitting(event.size().height())
        if shown != self._shown:
            self._shown = shown
            self._fill()

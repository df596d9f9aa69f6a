"""The Analysis tab's split: the file's spectrogram over the conv layers' activations, the layers folded away where
the tab is too short for both.

The Live dock spans the window's width at the bottom, and on a short screen it leaves the centre little height: at
1024×640 in an 11-point font about 200 pixels, which the split shared in its first proportions, so the spectrogram
was a strip of 40 pixels (no frequency scale to read) over a strip of layer panels, neither of use.  A good desktop
program gives up the secondary view first: here, below :data:`READABLE_LINES` lines of the font for the spectrogram
plus the layers' least height, the layers fold away, and they come back in the sizes they had once the tab is tall
enough again (the Live panel closed, the window made taller).  Folded, they are hidden, not a split's child of no
height: Tab would stop on their channel picker and panels, out of sight.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget

READABLE_LINES = 12
"""The spectrogram's least height, in lines of its font, for the layers to be shown under it: its frequency scale
labels three or four bands, its time scale a line of ticks and one of the axis' name."""


class AnalysisSplit(QSplitter):
    """``upper`` (the spectrogram) over ``lower`` (the layers), first in ``sizes``; see the module's docstring."""

    def __init__(self, upper: QWidget, lower: QWidget, sizes: tuple[int, int]) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.addWidget(upper)
        self.addWidget(lower)
        self.setSizes(list(sizes))
        self.folded = False
        """Whether the layers are folded away (hidden) for want of height."""
        self._unfolded = list(sizes)
        """The sizes to unfold to, in proportion: the split's before the resize that folded it."""

    def room_for_both(self) -> bool:
        """Whether the split's height holds the spectrogram's readable height and the layers' least."""
        readable = READABLE_LINES * self.widget(0).fontMetrics().lineSpacing()
        return self.height() >= readable + self.handleWidth() + self.widget(1).minimumSizeHint().height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        """Fold the layers away where the height is short for both, bring them back where it no longer is."""
        before = self.sizes()  # the shares the user sees, before this resize squeezes the layers to their least
        super().resizeEvent(event)
        both = self.room_for_both()
        if not both and not self.folded:
            self._unfolded = before
            self.folded = True
            self.widget(1).hide()
        elif both and self.folded:
            self.folded = False
            self.widget(1).show()
            self.setSizes(self._unfolded)

"""A dock's scroll area that scrolls only when its panel cannot shrink further.

The window's docks hold their panels in scroll areas so that a dock may be smaller than its panel wants and
showing one never grows the window past the screen.  A plain :class:`QScrollArea` gives a panel with wrapped
text its *preferred* height for the width, so a table or a grid that could have shrunk made the dock scroll:
on a 700-pixel-high screen the Result's code grid and the Nearest matches' buttons went out of view.  Here a
panel gets the viewport's height as long as that holds its least height for the width (wrapped text whole,
every other widget at its minimum, a table at the height left); only below that does the dock scroll.

A panel narrower than its minimum still scrolls sideways (a large desktop font on a small screen leaves the
docks less than their panels need, and the window must stay on the screen); :meth:`DockScroll.fitting_width`
is the width at which it does not, for the window's first layout.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QStyle, QVBoxLayout, QWidget


class _Holder(QWidget):
    """Holds a dock's panel and tells the scroll area the least height the panel needs at a width."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.panel = panel
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(panel)

    def _wraps(self) -> bool:
        """Whether the panel's height depends on its width (it holds wrapped text)."""
        inner = self.panel.layout()
        return inner is not None and inner.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        """The panel's least height at ``width``: what QScrollArea sizes it to at least (it asks for the preferred)."""
        if not self._wraps():
            return super().heightForWidth(width)
        return self.panel.layout().minimumHeightForWidth(width)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The panel's least width; its least height comes from :meth:`heightForWidth` when it holds wrapped text
        (the minimum Qt estimates for wrapped text, at some width of its own, would make the dock scroll)."""
        hint = super().minimumSizeHint()
        if self._wraps():
            hint.setHeight(0)
        return hint


class DockScroll(QScrollArea):
    """The scroll area of a dock holding ``panel``: see the module's docstring."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.setWidget(_Holder(panel))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop that shows and says nothing; its panel takes focus

    def least_height(self) -> int:
        """The height the panel needs at the viewport's width to show whole, without scrolling down."""
        holder, width = self.widget(), self.viewport().width()
        return max(holder.heightForWidth(width), holder.minimumSizeHint().height())

    def fits_height(self) -> bool:
        """Whether the panel shows whole in the viewport's height, without scrolling down."""
        return self.viewport().height() >= self.least_height()

    def fitting_width(self) -> int:
        """The least width at which the panel shows whole, without a sideways scroll bar even when it scrolls."""
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        return self.widget().minimumSizeHint().width() + bar + 2 * self.frameWidth()


class TallEnough(QObject):
    """Makes ``dock`` of ``window`` as tall as its panel needs to show whole, from the centre's height as far as the
    centre keeps its own least: when the dock is shown, and whenever its panel needs more height than at the last
    look (a verdict with notes, a longer status); a user's drag of its edge stays until then.

    Qt gives a dock shown at the window's foot a share of the height, not what its panel needs: the Live panel at
    1024×640 in a 14-point font needed 317 pixels while recognising and had 286 (its vertical and then its sideways
    scroll bar in view), while the Analysis tab above it kept 31 pixels more than its least."""

    def __init__(self, window: QMainWindow, dock: QDockWidget) -> None:
        super().__init__(window)
        self.window, self.dock = window, dock
        self._least = 0
        """The panel's least height at the last look: the dock is made taller only when it grows past that."""
        self._fitting = QTimer(self)
        self._fitting.setSingleShot(True)  # once for a change's many layout requests, when they are done
        self._fitting.setInterval(0)
        self._fitting.timeout.connect(self.fit)
        dock.widget().widget().installEventFilter(self)  # a layout request there: the panel's contents changed
        dock.toggleViewAction().toggled.connect(self._toggled)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.LayoutRequest:
            self._fitting.start()
        return False

    def _toggled(self, shown: bool) -> None:
        """Shown: looked at afresh, once it has claimed its share."""
        if shown:
            self._least = 0
            self._fitting.start()

    def fit(self) -> None:
        """Make the dock taller by what its panel lacks, if that grew since the last look."""
        scroll = self.dock.widget()
        if not isinstance(scroll, DockScroll) or not self.dock.isVisible() or self.dock.isFloating():
            return
        least = scroll.least_height()
        grown, self._least = least > self._least, least
        short = least - scroll.maximumViewportSize().height()  # the room without scroll bars
        if grown and short > 0:
            self.window.resizeDocks([self.dock], [self.dock.height() + short], Qt.Orientation.Vertical)

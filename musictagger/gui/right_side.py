"""The window's right side: the Result dock over the Nearest matches, or the two as tabs while the Live panel is shown
on a short screen.

The Live dock spans the window's width at the bottom (its panel lays the spectrogram, the verdict and the nearest
tracks out across), and on a short screen the right side then keeps too little height for two docks: at 1024×700 in
an 11-point font 263 pixels, which left the Result dock 121 of the 314 its panel needs (the verdict's bars out of
view) and Nearest matches 96 of 110.  No share of that height shows both, so while the Live panel is shown and the
Result panel does not fit, the two docks are tabs, the Result in front, each with the right side's whole height (the
verdict and every bar in view, the matches whole a click away), as an IDE tabs its tool windows on a small screen.
When the Live panel is closed they are split again, in the first start's shares, and the window saves its layout
with them split (the next start tabs them again if the Live panel is shown): tabs the user made stay as they are, as
do the docks where the Result fits beside the Live panel, or where the user has moved either dock elsewhere.

Split, the two keep their shares only while both show whole: when either panel's contents change and it would
scroll, the edge between them moves by what it lacks, as far as the other keeps what its own panel needs
(:meth:`RightSide.balance`).
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

from musictagger.gui.dock_scroll import DockScroll

HEIGHT_SHARES = (0.55, 0.45)
"""The first shares of the right side's height: the verdict and code above, the nearest matches below."""


class RightSide(QObject):
    """Keeps ``upper`` (the Result) and ``lower`` (Nearest matches) of ``window`` split or tabbed as the ``live``
    dock comes and goes (see the module's docstring); ``rearranged`` is called once the docks' tabs change."""

    def __init__(
        self,
        window: QMainWindow,
        upper: QDockWidget,
        lower: QDockWidget,
        live: QDockWidget,
        rearranged: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window, self.upper, self.lower, self.live = window, upper, lower, live
        self.rearranged = rearranged
        self.tabbed_for_live = False
        """Whether the two docks are tabs because the Live panel left the Result too short (not the user's choice)."""
        live.toggleViewAction().toggled.connect(self._live_toggled)
        window.installEventFilter(self)
        self._balancing = QTimer(self)
        self._balancing.setSingleShot(True)  # once for a change's many layout requests, when they are done
        self._balancing.setInterval(0)
        self._balancing.timeout.connect(self.balance)
        for dock in (upper, lower):
            dock.widget().widget().installEventFilter(self)  # a layout request there: the panel's contents changed

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Split the docks before the window saves its layout as it closes: the tabs were this session's room.  A
        panel laid out again (its contents changed) has the docks' edge moved to suit it (:meth:`balance`)."""
        if watched is self.window and event.type() == QEvent.Type.Close and self.tabbed_for_live:
            self._split()
        elif watched is not self.window and event.type() == QEvent.Type.LayoutRequest:
            self._balancing.start()
        return False

    def share_height(self) -> None:
        """Split the right side's height between the two docks in :data:`HEIGHT_SHARES` of the window's: the matches
        table asks for no height (so that its buttons stay in view in a short dock), and without a share of its own
        the Result dock took nearly all of it, leaving two rows."""
        heights = [round(self.window.height() * share) for share in HEIGHT_SHARES]
        self.window.resizeDocks([self.upper, self.lower], heights, Qt.Orientation.Vertical)

    def balance(self) -> None:
        """Move the edge between the two docks, split, so that the panel that would scroll shows whole, as far as
        the other keeps the height its own panel needs: in their first shares at 1024×640 in a 14-point font the
        Result panel needed 378 pixels in its 276 before any file (the genres the model knows, a paragraph) while
        the matches had 148 to spare.  Asked when either panel's contents change (not as the user drags the edge)."""
        upper, lower = self.upper.widget(), self.lower.widget()
        if (
            self._tabbed()
            or not self._on_the_right()
            or not (isinstance(upper, DockScroll) and isinstance(lower, DockScroll))
        ):
            return
        upper_short = upper.least_height() - upper.viewport().height()
        lower_short = lower.least_height() - lower.viewport().height()
        if upper_short > 0 > lower_short:
            down = min(upper_short, -lower_short)
        elif lower_short > 0 > upper_short:
            down = -min(lower_short, -upper_short)
        else:
            return
        heights = [self.upper.height() + down, self.lower.height() - down]
        self.window.resizeDocks([self.upper, self.lower], heights, Qt.Orientation.Vertical)

    def _on_the_right(self) -> bool:
        """Whether the two docks are both shown in the right dock area, neither floating (as the first start has
        them)."""
        return all(
            self.window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
            and dock.isVisible()
            and not dock.isFloating()
            for dock in (self.upper, self.lower)
        )

    def _live_toggled(self, shown: bool) -> None:
        """Make room for the Live panel shown, or split the docks again once it is closed; nothing while the window
        is being deleted (its docks hide then: a script that ended without closing the window raised "MainWindow
        already deleted" here, as the runners' outcomes did before :class:`~musictagger.gui.tasks.TaskRunner`
        checked their owner)."""
        if not shiboken6.isValid(self.window):
            return
        if shown:
            QTimer.singleShot(0, self._make_room)  # once the Live dock has claimed its height
        elif self.tabbed_for_live:
            self._split()

    def _tabbed(self) -> bool:
        return self.lower in self.window.tabifiedDockWidgets(self.upper)

    def _make_room(self) -> None:
        """With the Live panel shown: the two docks as tabs if the Result panel does not fit its dock."""
        if not self.live.isVisible() or self._tabbed():
            return
        scroll = self.upper.widget()
        if not self._on_the_right() or not isinstance(scroll, DockScroll) or scroll.fits_height():
            return
        self.window.tabifyDockWidget(self.upper, self.lower)
        self.upper.raise_()
        self.tabbed_for_live = True
        QTimer.singleShot(0, self.rearranged)

    def _split(self) -> None:
        """The two docks one over the other again, as at the first start (unless the user has moved them meanwhile)."""
        self.tabbed_for_live = False
        if not self._tabbed():
            return
        # Out of the tabs to the foot of the right side: splitDockWidget would only add it to the tabs again.
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lower, Qt.Orientation.Vertical)
        self.share_height()
        QTimer.singleShot(0, self.rearranged)

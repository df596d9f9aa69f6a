"""A table's columns sharing its width, without a horizontal scroll bar where they fit.

The Library tab's table, the Nearest matches and the Files list are narrower than their columns would like on a
laptop's screen.  Left to Qt, each column is as wide as its contents or a hundred pixels, and the table scrolls
sideways (even when empty) or one column takes the room the one read first needs.  Here some columns are *whole*:
as wide as their widest value (known in advance: a model's labels, a confidence) and their heading, never cut; the
others *wish* for a number of average characters, in an order of priority: the first (the title, the file name)
is served first, the rest shrink alike and are cut with an ellipsis, each keeping its *least*; beyond that the
table scrolls sideways.  A whole column given a least too is whole where there is room, and cut down to its least
where there is not, as the others are.  A column may keep its heading whole too (a number's: its values are
narrower than it).
The columns are fitted again whenever the table's width changes; a column the user sized by dragging its edge
keeps that width (for the session).  At the first fit, the columns given as *narrow hides* are hidden, in order,
while the columns shown cannot all be as wide as they wish; the header's menu (:meth:`ColumnFit.columns_menu`)
shows them again, and :meth:`ColumnFit.state` and :meth:`ColumnFit.restore` keep the user's choice across starts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

LEAST_CHARS = 6
"""What a column keeps, in average characters, however narrow the table (unless told otherwise)."""


def share_width(
    room: int, whole: dict[Hashable, int], wanted: dict[Hashable, int], least: dict[Hashable, int]
) -> dict[Hashable, int]:
    """Widths of the shown columns that fill ``room`` pixels: the ``whole`` ones as they are; the others (in
    ``wanted``'s order of priority) as ``wanted``, in proportion when there is more room; when there is less, the
    first as wanted while the rest keep their ``least``, and the rest their least and what is left, in proportion
    to what they lack."""
    if not wanted:
        return dict(whole)
    left, total = room - sum(whole.values()), sum(wanted.values())
    first, *rest = wanted
    if left >= total:
        shares = {column: wish * left // total for column, wish in wanted.items()}
    else:
        shares = {first: max(least[first], min(wanted[first], left - sum(least[column] for column in rest)))}
        spare = max(0, left - shares[first] - sum(least[column] for column in rest))
        short = sum(wanted[column] - least[column] for column in rest) or 1
        shares |= {column: least[column] + spare * (wanted[column] - least[column]) // short for column in rest}
    shares[first] += max(0, room - sum(whole.values()) - sum(shares.values()))  # what rounding left over
    return whole | shares


class ColumnFit(QObject):
    """Fits ``view``'s ``columns`` (keys in the model's order, each named by its ``str``) to its width, as the
    module's docstring says: ``whole`` gives each whole column's values known in advance (read at each fit: the
    labels of the model in use); ``wanted`` the others' wishes in average characters, in order of priority (the
    first always shown); ``least`` what they keep (:data:`LEAST_CHARS` where not given; a whole column given one is
    served last, wishing for its whole width, where the table is too narrow for it whole); ``whole_headings`` those
    of them that keep their heading's width at least, and wish for it; ``narrow_hides`` the columns the first fit
    hides while the table is too narrow for all it shows."""

    def __init__(
        self,
        view: QAbstractItemView,
        columns: Sequence[Hashable],
        whole: dict[Hashable, Callable[[], Iterable[str]]],
        wanted: dict[Hashable, int],
        least: dict[Hashable, int] | None = None,
        narrow_hides: Sequence[Hashable] = (),
        whole_headings: Sequence[Hashable] = (),
    ) -> None:
        super().__init__(view)
        self.view, self.columns = view, tuple(columns)
        self.whole, self.wanted, self.least, self.narrow_hides = whole, wanted, least or {}, tuple(narrow_hides)
        self.whole_headings = tuple(whole_headings)
        self.header: QHeaderView = view.horizontalHeader() if isinstance(view, QTableView) else view.header()
        self.header.setStretchLastSection(False)  # the widths fill the table
        self.user_widths: dict[Hashable, int] = {}
        """Columns the user sized by dragging their edge: the fitting leaves them so (for this session)."""
        self.first_fit = True
        """Whether the next fit with the view shown is its first (which may hide :attr:`narrow_hides`)."""
        self.chosen = False
        """Whether the user chose the columns shown: in the header's menu, or at a start before (:meth:`restore`)."""
        self._dragging = False
        # Kept, not asked of the view in the filter: the viewport's last events come while the view is being deleted.
        self._viewport, self._header_viewport = view.viewport(), self.header.viewport()
        self._header_viewport.installEventFilter(self)
        self.header.sectionResized.connect(self._section_resized)
        self._viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """The view's width changed: fit the columns to it; the header pressed: the user may drag an edge."""
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            if event.size().width() != event.oldSize().width():
                self.fit()
        elif watched is self._header_viewport and event.type() == QEvent.Type.MouseButtonPress:
            self._dragging = True  # a press in the rows is no drag of an edge
        elif event.type() == QEvent.Type.MouseButtonRelease:
            self._dragging = False
        return False

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        if self._dragging and new > 0:
            self.user_widths[self.columns[index]] = new

    def cell_width(self, text: str) -> int:
        """How wide a cell must be to show ``text`` whole, as the view measures its cells (a grid line included)."""
        view = self.view
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.features = QStyleOptionViewItem.ViewItemFeature.HasDisplay
        option.text, option.font = text, view.font()
        size = view.style().sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, option, QSize(), view)
        return size.width() + (1 if isinstance(view, QTableView) and view.showGrid() else 0)

    def heading_width(self, column: Hashable) -> int:
        """How wide ``column`` must be to show its heading whole: in bold, as headings are drawn while a row is
        selected, and the sorted column's with its sort arrow (the header's own measure)."""
        header, index = self.header, self.columns.index(column)
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == index:
            return header.sectionSizeFromContents(index).width()
        bold = QFont(header.font())
        bold.setBold(True)
        option = QStyleOptionHeader()
        option.initFrom(header)
        option.fontMetrics, option.text, option.section = QFontMetrics(bold), str(column), index
        return header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize(), header).width()

    def whole_width(self, column: Hashable) -> int:
        """How wide a whole ``column`` must be for its widest value and its heading."""
        return max([self.heading_width(column), *(self.cell_width(value) for value in self.whole[column]())])

    def shown_columns(self) -> list[Hashable]:
        """The columns not hidden, in the model's order."""
        return [column for index, column in enumerate(self.columns) if not self.header.isSectionHidden(index)]

    def _wishes(
        self, shown: list[Hashable], room: int
    ) -> tuple[dict[Hashable, int], dict[Hashable, int], dict[Hashable, int]]:
        """For :func:`share_width`: the whole columns' and those the user sized, the others' wishes and least (a
        whole column's, one with a least, among them while the whole ones and the others' least leave ``room``
        pixels short)."""
        char, margin = self.view.fontMetrics().averageCharWidth(), self.cell_width("")
        whole = {column: self.whole_width(column) for column in shown if column in self.whole}
        whole |= {column: width for column, width in self.user_widths.items() if column in shown}
        wanted = {c: chars * char + margin for c, chars in self.wanted.items() if c in shown and c not in whole}
        least = {c: self.least.get(c, LEAST_CHARS) * char + margin for c in wanted}
        for column in [c for c in whole if c in self.least and c not in self.user_widths]:
            if sum(whole.values()) + sum(least.values()) > room:
                wanted[column], least[column] = whole.pop(column), self.least[column] * char + margin
        for column in set(self.whole_headings) & wanted.keys():
            least[column] = max(least[column], self.heading_width(column))
            wanted[column] = max(wanted[column], least[column])
        return whole, wanted, least

    def fit(self) -> None:
        """Share the view's width among the columns shown (see the module's docstring)."""
        self.header.setStretchLastSection(False)  # a restored state may have set it
        room = self.view.viewport().width()
        if self.first_fit and self.view.isVisible():  # its width is known once it shows
            self.first_fit = False
            for column in self.narrow_hides:
                whole, wanted, _least = self._wishes(self.shown_columns(), room)
                if sum(whole.values()) + sum(wanted.values()) > room:
                    self.view.setColumnHidden(self.columns.index(column), True)
        for column, width in share_width(room, *self._wishes(self.shown_columns(), room)).items():
            self.header.resizeSection(self.columns.index(column), width)

    def least_width(self) -> int:
        """The least width of the view's viewport that shows its shown columns without a sideways scroll bar: each
        at its least (a whole one without a least, whole); before the first fit, without the narrow hides, which it
        hides in a view that narrow."""
        shown = [c for c in self.shown_columns() if not (self.first_fit and c in self.narrow_hides)]
        whole, _wanted, least = self._wishes(shown, 0)
        return sum(whole.values()) + sum(least.values())

    def columns_menu(self, parent: QWidget) -> QMenu:
        """The header's menu: a check per column to show or hide it (the first wanted, the title, always stays)."""
        menu = QMenu(parent)
        kept = next(iter(self.wanted), None)
        for index, column in enumerate(self.columns):
            action = menu.addAction(str(column))
            action.setCheckable(True)
            action.setChecked(not self.header.isSectionHidden(index))
            action.setEnabled(column != kept)
            action.toggled.connect(lambda shown, index=index: self.show_column(index, shown))
        return menu

    def show_column(self, index: int, shown: bool) -> None:
        """Show or hide the column at ``index`` (the user's choice); the columns shown share the width again."""
        self.chosen = True
        self.view.setColumnHidden(index, not shown)
        self.fit()

    def state(self) -> QByteArray:
        """The header's columns: their order, visibility and sort, for :meth:`restore` at the next start (the widths
        saved with them give way to :meth:`fit`, which shares the view's width at every start)."""
        return self.header.saveState()

    def restore(self, state: QByteArray | None) -> None:
        """Put back what :meth:`state` saved, as the user's choice (nothing saved, or an unreadable state: the first
        fit's defaults), and fit."""
        if state is not None and self.header.restoreState(state):
            self.first_fit, self.chosen = False, True
        self.fit()

"""The library as a table: every indexed track with its tags, the model's verdict and whether they agree.

The table is a Qt model over the SQLite index that never holds the library: a query (text,
quick filter, sort column) is answered by :meth:`~musictagger.library.Library.track_ids` on a
worker — SQLite filters and sorts, the model keeps only the ids in order (8 bytes a track) —
and the rows on screen are read by id, a page at a time, on the UI thread (a primary-key
lookup of a page takes about a millisecond), keeping the last :data:`PAGES_KEPT` pages.  So
100,000 tracks open at once and scroll without a stall (``bench/library_view.py``).

With a personal model in use, the verdict, confidence and agreement columns (and the filters and
sorting on them) are that model's: the worker has the index judge the tracks analysed since the
last query (:func:`musictagger.personal.active.judge_active`; all of them once, when the model
becomes active) and each connection reads the stored verdicts
(:meth:`~musictagger.library.Library.use_judged`), in the model's words ("not one of my moods").

The view announces what the user does with tracks (select, tag, find similar, re-analyse, save as a playlist);
the main window wires those to the analysis, the tag dialog, the matches and the indexer.  Without a track to
show, it says why in the table's place and offers what to do: add a music folder to an empty library, index
folders that have no tracks yet, or clear a find text or quick filter that leaves none.  The selected tracks are
dragged out or copied as files (:mod:`musictagger.gui.tracks_out`), their paths read on a worker.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from musictagger.gui.accessible import menu_on_shift_f10
from musictagger.gui.capped_label import CappedLabel
from musictagger.gui.column_fit import LEAST_CHARS, ColumnFit
from musictagger.gui.empty_state import EmptyState
from musictagger.gui.errors import describe, open_folder_of
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.gui.theme import failed_colour, unsure_colour
from musictagger.gui.tracks_out import (
    DragOut,
    TrackTransfer,
    copy_to_clipboard,
    playlist_entries,
    save_playlist,
    transfer_of,
)
from musictagger.library import Agreement, Column, Library, QuickFilter, TrackQuery, TrackRow
from musictagger.model.head import PersonalHead
from musictagger.model.manifest import ModelManifest
from musictagger.model.runtime import confidence_text
from musictagger.model.verdict import NOT_MUSIC, not_one_of_mine
from musictagger.personal.active import judge_active
from musictagger.timefmt import clock

PAGE_ROWS = 100
PAGES_KEPT = 128
FILTER_DELAY_MS = 250
FIND_LEAST_CHARS = 15
"""The find box keeps this many average characters however narrow the tab: the quick filter gives up its room
first (:class:`QuickFilterBox`).  With 16, the find box, the quick filter and its label made the centre's least width
at 1024×640 in a 14-point font 3 pixels too wide for the side docks: Music folders and Nearest matches scrolled
sideways."""
FILTER_LEAST_CHARS = 10
"""The quick filter's least width, in average characters of its text ("All tracks" whole), its choice cut beyond."""
SELECT_DELAY_MS = 300
"""A track is analysed once the selection rests on it this long (arrowing through rows queues nothing)."""
COLUMNS = tuple(Column)
WHOLE_COLUMNS = (Column.VERDICT, Column.CONFIDENCE, Column.AGREEMENT, Column.DURATION)
"""Columns whose every value is known in advance (the model's labels, the agreements, a confidence, a duration):
always as wide as the widest, never cut (:class:`~musictagger.gui.column_fit.ColumnFit`)."""
WANTED_CHARS = {Column.TITLE: 24, Column.TAG_GENRE: 12, Column.ARTIST: 13, Column.ALBUM: 16, Column.PATH: 40}
"""The other columns' wishes, in average characters, in the order they are served when the table is narrow: the
title first (typical titles whole), the rest shrink alike and are cut with an ellipsis (the path in its middle)."""
LEAST = {Column.TITLE: 2 * LEAST_CHARS}
"""The title keeps twice what the other columns keep however narrow the table (a horizontal scroll bar beyond)."""
NARROW_HIDES = (Column.PATH, Column.ARTIST, Column.TAG_GENRE)
"""Columns a first start also hides, in this order, while the table is too narrow for all it shows to be as wide
as they wish (the path in a 1280-pixel window; in a 1024-pixel one all three, leaving the title room): the path
is every row's tooltip, and the header's menu shows them again."""
HIDDEN_AT_FIRST = (Column.ALBUM, Column.DURATION)
"""Columns a first start hides, so that the ones that compare tag and model fit a 1280-pixel window without
scrolling; right-clicking the header shows them, and the window keeps the choice (:meth:`LibraryView.column_state`)."""
NUMERIC = (Column.CONFIDENCE, Column.DURATION)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
    }
)


class NoTracks(Enum):
    """Why a query found no track."""

    NO_FOLDERS = "the library has no music folder"
    NOT_INDEXED = "its music folders have no indexed track"
    NONE_MATCH = "the find text or quick filter leaves out every track"


def find_ids(
    query: TrackQuery, manifest: ModelManifest | None, _task: Task
) -> tuple[np.ndarray, PersonalHead | None, NoTracks | None]:
    """Worker: the ids of the tracks matching ``query``, in order, the active personal head whose
    verdicts they were filtered and sorted by (None: the stored ones), over analyses by ``manifest``'s model,
    and, when there are none, why."""
    with Library() as library:
        head = judge_active(library, manifest) if manifest is not None else None
        read_verdicts_of(library, head)
        ids = library.track_ids(query)
        return ids, head, None if len(ids) else why_no_tracks(library)


def paths_of(ids: np.ndarray, _task: Task) -> list[Path]:
    """Worker: the paths of the tracks ``ids``, in that order (tracks gone from the index since are left out)."""
    with Library() as library:
        return [Path(path) for path in library.track_paths(ids)]


def why_no_tracks(library: Library) -> NoTracks:
    """Why a query of ``library`` found no track: it has tracks (the query left them all out), or none yet."""
    if library.counts().total:
        return NoTracks.NONE_MATCH
    return NoTracks.NOT_INDEXED if library.roots() else NoTracks.NO_FOLDERS


NO_FOLDERS_TEXT = (
    "Your library is empty.\n\nAdd the folders that hold your music: their tracks are indexed in the background and "
    "listed here. The Music folders panel (Library \u25b8 Show music folders, Ctrl+L) lists the folders, adds those "
    "dropped on it from your file manager, and shows the progress."
)
NOT_INDEXED_TEXT = (
    "Your music folders have no indexed track yet.\n\nIndex them (Library \u25b8 Index music folders, Ctrl+I): their "
    "tracks are listed here, and the Music folders panel shows the progress."
)
NO_TRACKS_ACTIONS = {NoTracks.NO_FOLDERS: "Add a music folder\u2026", NoTracks.NOT_INDEXED: "Index now"}
SHOW_ALL = "Show all tracks"
NO_CODE_TEXT = "This track could not be analysed, so it has no code to find similar tracks by"
"""The row's menu's Find similar, disabled on a track that failed: its tooltip, before the error."""
COUNTS_LINES = 2
Read = TypeVar("Read")


def no_match_text(text: str, quick: QuickFilter, field: str) -> str:
    """What the table says when the find ``text`` or the ``quick`` filter (of a model of ``field``) leaves no track."""
    name = f"\u201c{quick_filter_text(quick, field)}\u201d"
    if not text:
        return f"No track to show with the filter {name}."
    found = f"No track matches \u201c{text}\u201d"
    return f"{found}." if quick is QuickFilter.ALL else f"{found} with the filter {name}."


def quick_filter_text(quick: QuickFilter, field: str) -> str:
    """A quick filter as the combo box names it, in the words of a model of ``field``."""
    text = not_one_of_mine(field) if quick is QuickFilter.NOT_MY_GENRES else str(quick)
    return text[:1].upper() + text[1:]


def cell_text(row: TrackRow, column: Column, field: str = "genre") -> str:
    """What the table shows of ``row`` in ``column``, the verdict in the words of a model of ``field``."""
    if column is Column.TITLE:
        return row.title or Path(row.path).name
    if column is Column.CONFIDENCE:
        if row.confidence is None or row.genre is None:  # no genre: its nearest one's probability is not a confidence
            return ""
        return confidence_text(row.confidence, row.uncertain)
    if column is Column.DURATION:
        if row.duration_s is None:
            return ""
        return clock(row.duration_s)
    return {
        Column.ARTIST: row.artist or "",
        Column.ALBUM: row.album or "",
        Column.TAG_GENRE: row.tag_genre_text,
        Column.VERDICT: row.verdict(field),
        Column.AGREEMENT: str(row.agreement),
        Column.PATH: row.path,
    }[column]


class MiddleElided(QStyledItemDelegate):
    """Cells cut in the middle, so a long path keeps its start (the folder) and its end (the file name)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def identity(head: PersonalHead | None) -> str | None:
    return head.identity if head is not None else None


def read_verdicts_of(library: Library, head: PersonalHead | None) -> None:
    """Have ``library``'s table rows read ``head``'s verdicts (None: the stored ones), compared with the files' genre
    tags when they are genres: a mood model's moods 'differed' from every genre tag."""
    library.use_judged(identity(head), head.field if head is not None else "genre")


class TrackTableModel(QAbstractTableModel):
    """The tracks matching :attr:`query`, in its order; rows are read from the index as they are shown."""

    loaded = Signal()
    """A query's ids arrived (the row count may have changed)."""
    failed = Signal(str)
    asked = Signal(str)
    """The user changed the query (a sort, the find text, a quick filter), whose tracks are on their way: what is
    being done, for the line below the table (``Sorting by Title…``)."""

    def __init__(self, runner: TaskRunner, manifest: ModelManifest | None = None) -> None:
        """``manifest``: the base model whose analyses the active personal model reads (None: stored verdicts)."""
        super().__init__()
        self.runner = runner
        self.manifest = manifest
        self.head: PersonalHead | None = None
        """The personal head whose verdicts are shown (None: the stored ones)."""
        self.query = TrackQuery()
        self.ids = np.zeros(0, dtype=np.int64)
        self.no_tracks: NoTracks | None = None
        """Why the last query found no track (None when it found some)."""
        self.loading = False
        self._pages: OrderedDict[int, dict[int, tuple[TrackRow, tuple[str, ...]]]] = OrderedDict()
        self._library: Library | None = None
        self._generation = 0

    def set_query(self, query: TrackQuery) -> None:
        """Find the tracks of ``query`` in the background; the table changes when they arrive.  Asked again for the
        query on its way (``QTableView.sortByColumn`` sorts, and so does its header's signal), it asks nothing more."""
        if query == self.query and self.loading:
            return
        sorting = (query.sort, query.descending) != (self.query.sort, self.query.descending)
        self.query = query
        self.reload()
        self.asked.emit(f"Sorting by {query.sort.value}\u2026" if sorting else "Finding the tracks\u2026")

    def reload(self) -> None:
        """Ask the index again (it changed, or the query did)."""
        self._generation += 1
        generation, query, manifest = self._generation, self.query, self.manifest
        self.loading = True
        self.runner.run(
            lambda task: find_ids(query, manifest, task),
            owner=self,
            on_done=lambda ids: self._arrived(generation, ids),
            on_error=lambda error: self._failed(generation, error),
        )

    @property
    def field(self) -> str:
        """The tag field the verdicts shown are values of."""
        return self.head.field if self.head is not None else "genre"

    def _arrived(self, generation: int, found: tuple[np.ndarray, PersonalHead | None, NoTracks | None]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        self.beginResetModel()
        self.ids, head, self.no_tracks = found
        if self._library is not None and identity(head) != identity(self.head):
            read_verdicts_of(self._library, head)  # the rows on screen are read with the ids' verdicts
        self.head = head
        self._pages.clear()
        self.loading = False
        self.endResetModel()
        self.loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.loading = False
            self.failed.emit(f"The library cannot be read: {describe(error)}")

    def close(self) -> None:
        """Close the UI thread's connection to the index."""
        if self._library is not None:
            self._library.close()
            self._library = None

    # Rows, read a page at a time.

    def row(self, index: int) -> tuple[TrackRow, tuple[str, ...]] | None:
        """The track at row ``index`` and its cells' text (None if it left the index since the query)."""
        page = index // PAGE_ROWS
        rows = self._pages.get(page)
        if rows is None:
            rows = self._read_page(page)
        else:
            self._pages.move_to_end(page)
        return rows.get(int(self.ids[index]))

    def _read_page(self, page: int) -> dict[int, tuple[TrackRow, tuple[str, ...]]]:
        if self._library is None:
            self._library = Library()
            read_verdicts_of(self._library, self.head)
        ids = self.ids[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
        rows = {
            row.id: (row, tuple(cell_text(row, column, self.field) for column in COLUMNS))
            for row in self._library.track_rows(ids)
        }
        self._pages[page] = rows
        while len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return rows

    def paths(self, rows: list[int]) -> list[Path]:
        """The paths of these rows, in order."""
        found = (self.row(index) for index in sorted(rows))
        return [Path(shown[0].path) for shown in found if shown is not None]

    # QAbstractTableModel.

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return str(COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cells: a view asks for a dozen roles per cell per paint, so unused roles return at once."""
        if role not in ROLES or not index.isValid():
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column in NUMERIC else None
        shown = self.row(index.row())
        if shown is None:
            return None
        row, texts = shown
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.error if column is Column.VERDICT and row.error else row.path
        if column in (Column.VERDICT, Column.AGREEMENT):  # the foreground
            if row.error is not None:
                return QBrush(failed_colour(QApplication.palette()))  # the theme's, whenever it changes
            if row.agreement is Agreement.DIFFERS:
                return QBrush(unsure_colour(QApplication.palette()))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (done by SQLite, in the background)."""
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(dataclasses.replace(self.query, sort=COLUMNS[column], descending=descending))


class QuickFilterBox(QComboBox):
    """The quick filters: as wide as their longest choice where the tab has room, down to :data:`FILTER_LEAST_CHARS`
    in a narrow one (the choice shown cut), so that the find box beside it keeps its room.  A combo box that fits its
    contents will not shrink below them: in a 380-pixel tab the find box had 40 pixels ("Fi…")."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        whole = super().minimumSizeHint()
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        least = whole.width() - widest + FILTER_LEAST_CHARS * metrics.averageCharWidth()  # its frame and arrow kept
        return QSize(min(whole.width(), least), whole.height())


class LibraryView(QWidget):
    """Find box, quick filters, the track table with its counts, and the actions on a selection."""

    trackSelected = Signal(object)  # noqa: N815 (Qt signal naming) — Path of the track to show
    addFolderRequested = Signal()  # noqa: N815 — the empty library's button
    indexRequested = Signal()  # noqa: N815 — the button of music folders without indexed tracks
    tagRequested = Signal(list)  # noqa: N815 — [Path] of the selected tracks
    similarRequested = Signal(object)  # noqa: N815 — Path
    reanalyseRequested = Signal(list)  # noqa: N815 — [Path]
    playRequested = Signal(object)  # noqa: N815 — Path
    playlistRequested = Signal()  # noqa: N815 — the selection, to save as a playlist (the window asks where)
    told = Signal(str)  # a sentence for the status bar: tracks copied, a playlist saved

    def __init__(self, runner: TaskRunner, manifest: ModelManifest | None = None) -> None:
        super().__init__()
        self.model = TrackTableModel(runner, manifest)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find by title, artist, album, genre tag or path")
        self.find.setToolTip(self.find.placeholderText())  # a narrow window cuts it short ("…genre tag or…" at 1024 px)
        self.find.setClearButtonEnabled(True)
        self.find.setAccessibleName("Find in the library")
        for key, slot in ((Qt.Key.Key_Down, self._into_tracks), (Qt.Key.Key_Escape, self.find.clear)):
            QShortcut(QKeySequence(key), self.find, context=Qt.ShortcutContext.WidgetShortcut).activated.connect(slot)
        self.find.setMinimumWidth(FIND_LEAST_CHARS * self.find.fontMetrics().averageCharWidth())
        self.filter = QuickFilterBox()
        self.filter.setToolTip("Quick filters: the tracks worth a look")
        for quick in QuickFilter:
            self.filter.addItem(quick_filter_text(quick, self.model.field), quick)
        self.table = QTableView()
        self.table.setAccessibleName("Library tracks")
        self.table.setTabKeyNavigation(False)  # rows are chosen, not cells: Tab leaves the table, arrows move in it
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setAcceptDrops(False)
        self.drag_out = DragOut(self.table, lambda: self.with_selected(transfer_of, self._drag))
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no row is measured: 100,000 rows cost nothing
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.path_delegate = MiddleElided(self.table)
        self.table.setItemDelegateForColumn(COLUMNS.index(Column.PATH), self.path_delegate)
        header = self.table.horizontalHeader()
        # The header follows a selection of its own, always empty: following the table's, each of its paints asked,
        # for every column, whether each row was selected (a whole column is shown selected), so that with 100,000
        # rows selected every paint of it (select all, a column widened, the mouse over it) held the window 0.7 s.
        header.setSelectionModel(QItemSelectionModel(self.model, header))
        header.setSortIndicator(COLUMNS.index(Column.PATH), Qt.SortOrder.AscendingOrder)
        for column in HIDDEN_AT_FIRST:
            self.table.setColumnHidden(COLUMNS.index(column), True)
        self.column_fit = ColumnFit(
            self.table,
            COLUMNS,
            {column: partial(self.whole_values, column) for column in WHOLE_COLUMNS},
            WANTED_CHARS,
            LEAST,
            NARROW_HIDES,
        )
        """The columns share the table's width: the verdict, agreement, confidence and duration whole, then the
        title, then the rest, cut as needed; at a first start the columns of :data:`NARROW_HIDES` are hidden, as
        :data:`HIDDEN_AT_FIRST` are, while the columns shown cannot all be as wide as they wish."""
        header.sortIndicatorChanged.connect(lambda *_: self.fit_columns())  # the sorted heading's arrow
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._columns_menu)
        self.table.setSortingEnabled(True)  # asks the model to sort: the first query
        # At most two lines, cut anywhere, the rest in its tooltip, and no least width of its own: the library's
        # error names its file, and on one line it made the window wider than a 1024-pixel screen (the side docks
        # squeezed to 54 pixels, scrolling sideways) when a first start found the new index busy.
        self.counts = CappedLabel(COUNTS_LINES)
        policy = self.counts.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.counts.setSizePolicy(policy)
        self.counts.setText("Reading the library…")
        self.stack = EmptyState(self.table, "")
        self.stack.show_content()  # until the first query says whether there is a track to show
        self.stack.button.clicked.connect(self._no_tracks_action)

        self._find_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._find_timer.timeout.connect(self._apply_filters)
        self._select_timer = QTimer(self, singleShot=True, interval=SELECT_DELAY_MS)
        self._select_timer.timeout.connect(self._announce_current)
        self.find.textChanged.connect(lambda _text: self._find_timer.start())
        self.filter.currentIndexChanged.connect(lambda _index: self._apply_filters())
        self.model.loaded.connect(self._name_filters_for_the_field)  # the model's field changes only as it loads
        self.model.loaded.connect(self._update_counts)
        self.model.loaded.connect(self._show_tracks_or_why_none)
        self.model.loaded.connect(self.fit_columns)  # the verdicts' labels may be another model's
        self.model.failed.connect(self.counts.setText)
        self.model.asked.connect(self._show_busy)
        self.model.loaded.connect(lambda: self.table.viewport().unsetCursor())  # not the bound method: the viewport
        self.model.failed.connect(lambda _message: self.table.viewport().unsetCursor())  # has no Python wrapper
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_counts())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._select_timer.start())
        self.table.customContextMenuRequested.connect(self._context_menu)
        menu_on_shift_f10(self.table)
        self.table.doubleClicked.connect(lambda _index: self._announce_current())

        filters = QHBoxLayout()
        filters.addWidget(self.find, 1)
        show = QLabel("Show")
        show.setBuddy(self.filter)  # names the quick filters for a screen reader
        filters.addWidget(show)
        filters.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.counts)

    def shutdown(self) -> None:
        """The window is closing: announce nothing more, stop the queries, close the index."""
        self._select_timer.stop()
        self._find_timer.stop()
        self.model.runner.shutdown()
        self.model.close()

    def quick_filter(self) -> QuickFilter:
        """The quick filter chosen."""
        return QuickFilter(self.filter.currentData())  # Qt hands the enum back as its plain string

    def set_quick_filter(self, quick: QuickFilter) -> None:
        """Choose a quick filter (as picking it in the combo box does)."""
        self.filter.setCurrentIndex(self.filter.findData(quick))

    def _into_tracks(self) -> None:
        """Down in the find box: to the tracks found, the current one selected (the first, if none was), as a file
        manager's search goes; they were two Tabs away, past the quick filter."""
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)  # which makes the first row current if none was
            if not self.selected_count():
                self.table.selectRow(max(self.table.currentIndex().row(), 0))

    def _apply_filters(self) -> None:
        query = dataclasses.replace(self.model.query, text=self.find.text().strip(), quick=self.quick_filter())
        if query != self.model.query:
            self.model.set_query(query)

    def _name_filters_for_the_field(self) -> None:
        """The quick filters in the words of the model's field (``Not one of my moods``), and "Differs from the model"
        only where the model gives genres: another field's verdicts (a mood model's) are not compared with the files'
        genre tags, all the index keeps, so the filter found nothing, always."""
        index = self.filter.findData(QuickFilter.NOT_MY_GENRES)
        self.filter.setItemText(index, quick_filter_text(QuickFilter.NOT_MY_GENRES, self.model.field))
        genres = self.model.field == "genre"
        differs = self.filter.model().item(self.filter.findData(QuickFilter.DIFFERS))
        differs.setEnabled(genres)
        differs.setToolTip(
            "" if genres else f"The model in use gives {self.model.field}s, not compared with genre tags"
        )
        if not genres and self.quick_filter() is QuickFilter.DIFFERS:
            self.set_quick_filter(QuickFilter.ALL)

    def refresh(self) -> None:
        """Read the index again (after indexing or tagging)."""
        self.model.reload()

    def _show_busy(self, doing: str) -> None:
        """A sort, find or filter of the tracks shown runs on the worker (0.2-1 s at 100,000 tracks,
        ``bench/sort_order.py``), the rows shown still usable: the line below the table says what is being done and
        the table shows a busy cursor until the tracks arrive (before, the heading's arrow turned and nothing else
        happened for that long)."""
        if self.model.rowCount():
            self.counts.setText(doing)
            self.table.viewport().setCursor(Qt.CursorShape.BusyCursor)

    def _update_counts(self) -> None:
        shown = len(self.model.ids)
        selected = self.selected_count()
        text = f"{shown:,} track{'' if shown == 1 else 's'}"
        if self.model.query.quick is not QuickFilter.ALL or self.model.query.text:
            text += " match"
        if selected:
            text += f" · {selected:,} selected"
        self.counts.setText(text)

    def _show_tracks_or_why_none(self) -> None:
        """The table, or in its place why it has no track and what to do about it."""
        no_tracks, query = self.model.no_tracks, self.model.query
        if no_tracks is None:
            self.stack.show_content()
        elif no_tracks is NoTracks.NONE_MATCH:
            self.stack.show_message(no_match_text(query.text, query.quick, self.model.field), action=SHOW_ALL)
        else:
            text = NO_FOLDERS_TEXT if no_tracks is NoTracks.NO_FOLDERS else NOT_INDEXED_TEXT
            self.stack.show_message(text, action=NO_TRACKS_ACTIONS[no_tracks])

    def _no_tracks_action(self) -> None:
        """The button in the table's place: add a folder, index, or show every track (find box and filter cleared)."""
        no_tracks = self.model.no_tracks
        if no_tracks is NoTracks.NO_FOLDERS:
            self.addFolderRequested.emit()
        elif no_tracks is NoTracks.NOT_INDEXED:
            self.indexRequested.emit()
        else:
            self.find.clear()
            self.set_quick_filter(QuickFilter.ALL)
            self._apply_filters()  # at once, not after the find box's typing delay
            self.find.setFocus()

    def selected_ids(self) -> np.ndarray:
        """The selected tracks' ids, in table order (from the selection's ranges: no row is read)."""
        chosen = np.zeros(len(self.model.ids), dtype=bool)
        for selected in self.table.selectionModel().selection():
            chosen[selected.top() : selected.bottom() + 1] = True
        return self.model.ids[chosen]

    def selected_count(self) -> int:
        """How many rows are selected (counted from the ranges: cheap even for 100,000)."""
        return sum(r.bottom() - r.top() + 1 for r in self.table.selectionModel().selection())

    def with_selected_paths(self, then: Callable[[list[Path]], None]) -> None:
        """Read the selected tracks' paths, in table order, on a worker, then hand them to ``then`` (if any is left).

        Read here a page of rows at a time, the paths of 100,000 tracks selected held the window 2.5 s of its own
        time (7 s on a busy machine) before the Tag dialog opened.
        """
        self.with_selected(paths_of, then)

    def with_selected(self, read: Callable[[np.ndarray, Task], Read], then: Callable[[Read], None]) -> None:
        """Have ``read`` read what it needs of the selected tracks (their ids, in table order) on a worker, then hand
        what it read to ``then`` (if any track is left): their paths, what a drag of them carries."""
        ids = self.selected_ids()
        self.counts.setText(f"Reading the {len(ids):,} tracks selected\u2026")
        self.model.runner.run(
            partial(read, ids),
            owner=self,
            on_done=partial(self._selected_read, then),
            on_error=lambda error: self.counts.setText(f"The library cannot be read: {describe(error)}"),
        )

    def _selected_read(self, then: Callable[[Read], None], found: Read) -> None:
        self._update_counts()
        if found:
            then(found)

    def copy_selection(self) -> None:
        """Edit ▸ Copy: the selected tracks' files on the clipboard (once their paths are read)."""
        copied = partial(transfer_of, for_clipboard=True)
        self.with_selected(copied, lambda tracks: self.told.emit(copy_to_clipboard(tracks)))

    def _drag(self, tracks: TrackTransfer) -> None:
        """Drag ``tracks`` out, or say why not (the button was let go while they were read)."""
        told = self.drag_out.drag(tracks)
        if told is not None:
            self.told.emit(told)

    def found_by(self) -> str:
        """What the tracks shown were found by (``bjork - Differs from the model``); empty when they are all."""
        query = self.model.query
        words = [query.text] if query.text else []
        if query.quick is not QuickFilter.ALL:
            words.append(quick_filter_text(query.quick, self.model.field))
        return " - ".join(words)

    def save_playlist(self, path: Path) -> None:
        """Save the selected tracks, in table order, as the playlist ``path`` (their rows read on a worker)."""
        save_playlist(self, self.model.runner, path, partial(playlist_entries, self.selected_ids()), self.told.emit)

    def tag_selection(self) -> None:
        """Ask the window to tag the selected tracks (:attr:`tagRequested`, once their paths are read)."""
        self.with_selected_paths(self.tagRequested.emit)

    def current_path(self) -> Path | None:
        """The track of the current row, if any."""
        index = self.table.currentIndex()
        paths = self.model.paths([index.row()]) if index.isValid() else []
        return paths[0] if paths else None

    def current_error(self) -> str | None:
        """Why the current row's track could not be analysed, if it could not (None: it has an analysis)."""
        index = self.table.currentIndex()
        shown = self.model.row(index.row()) if index.isValid() else None
        return shown[0].error if shown is not None else None

    def _announce_current(self) -> None:
        """Open the current row's track, if the user chose it: the table taking focus makes its first row
        current without selecting it, and that opens nothing."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return
        path = self.current_path()
        if path is not None:
            self.trackSelected.emit(path)

    # The columns' widths.

    def whole_values(self, column: Column) -> tuple[str, ...]:
        """Every value ``column`` (one of :data:`WHOLE_COLUMNS`) may show: the verdicts of the model in use."""
        if column is Column.VERDICT:
            head, manifest = self.model.head, self.model.manifest
            labels = head.labels if head is not None else manifest.labels if manifest is not None else ()
            return (*labels, not_one_of_mine(self.model.field), NOT_MUSIC)
        if column is Column.CONFIDENCE:
            return (confidence_text(0.0, uncertain=True),)
        if column is Column.AGREEMENT:
            return tuple(str(agreement) for agreement in Agreement)
        return (clock(59 * 60 + 59),)

    def fit_columns(self) -> None:
        """Share the table's width among the columns shown (:class:`~musictagger.gui.column_fit.ColumnFit`)."""
        self.column_fit.fit()

    def column_state(self) -> QByteArray:
        """The columns' order, visibility and sort, for :meth:`restore_column_state` at the next start."""
        return self.column_fit.state()

    def restore_column_state(self, state: QByteArray | None) -> None:
        """Put back what :meth:`column_state` saved (nothing saved yet, or an unreadable state: the defaults)."""
        self.column_fit.restore(state)

    def _columns_menu(self, position: QPoint) -> None:
        self.columns_menu().popup(self.table.horizontalHeader().mapToGlobal(position))

    def columns_menu(self) -> QMenu:
        """The header's menu: a check per column to show or hide it (the title always stays)."""
        return self.column_fit.columns_menu(self)

    def _context_menu(self, position: QPoint) -> None:
        """The actions on the selection, and the columns shown; the selection's paths are read (on a worker) only when
        an action is chosen.  The Menu key or Shift+F10 opens it at the current row."""
        current = self.current_path()
        if current is None:
            return
        if not self.selected_count():  # the keyboard's current row, unselected (moved to with Ctrl+arrows, or first)
            rows = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(self.table.currentIndex(), rows)  # not selectRow: Shift (F10) extends
        count = self.selected_count()
        menu = QMenu(self)
        menu.setToolTipsVisible(True)  # a disabled action says why
        similar = menu.addAction("Find &similar", lambda: self.similarRequested.emit(current))
        failed = self.current_error()
        if failed is not None:  # no code to search from: choosing it did nothing, silently
            similar.setEnabled(False)
            similar.setToolTip(f"{NO_CODE_TEXT} ({failed})")
        tracks = f"{count:,} track{'s' if count > 1 else ''}"
        menu.addAction(f"&Tag {self.model.field}s of {tracks}…", self.tag_selection)
        menu.addAction("&Play / pause", lambda: self.playRequested.emit(current))
        menu.addAction("Show in &folder", lambda: open_folder_of(self, current))
        menu.addAction(f"&Re-analyse {tracks}", lambda: self.with_selected_paths(self.reanalyseRequested.emit))
        menu.addSeparator()
        menu.addAction(f"Cop&y {tracks}", self.copy_selection).setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        menu.addAction(f"Save {tracks} as a play&list\u2026", self.playlistRequested.emit)
        menu.addSeparator()
        menu.addMenu(self.column_fit.columns_menu(menu)).setText("Show &columns")  # the header's, which no key opens
        menu.popup(self.table.viewport().mapToGlobal(position))

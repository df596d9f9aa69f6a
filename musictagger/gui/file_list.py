"""The list of files the user opened, each with its state: queued, analysing, done or failed (and why)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QKeySequence, QPainter, QPaintEvent, QPalette, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from musictagger.audio.files import AUDIO_EXTENSIONS
from musictagger.gui.column_fit import LEAST_CHARS, ColumnFit
from musictagger.gui.readable import readable
from musictagger.gui.theme import failed_colour
from musictagger.library.scan import scan
from musictagger.library.store import FileStamp
from musictagger.model.runtime import Analysis, confidence_text
from musictagger.model.verdict import reason_sentence

COLUMNS = ("File", "Status")
WANTED_CHARS = {"File": 32, "Status": 20}
"""The columns' wishes in average characters, the name served first: in a narrow dock (205 pixels at 1280×800) the
status keeps :data:`LEAST` and the name the rest, up to a typical file name whole."""
LEAST = {"File": 2 * LEAST_CHARS, "Status": 10}
"""What the status keeps: short words whole (``rock 0.86 ?``, ``analysing…``, ``not music``); a longer verdict is
cut with an ellipsis, whole in the cell's tooltip."""
PLACEHOLDER = "Drop audio files or folders here"
"""What the empty list says in its place, as a file manager's empty view does."""
log = logging.getLogger(__name__)


class State(Enum):
    """Where a file is in the analysis."""

    QUEUED = "queued"
    ANALYSING = "analysing…"
    DONE = "done"
    FAILED = "failed"


@dataclass
class FileEntry:
    """One opened file and what is known about it so far."""

    path: Path
    state: State = State.QUEUED
    analysis: Analysis | None = None
    spectrogram_db: np.ndarray | None = None
    error: str = ""
    stamp: FileStamp | None = None
    """The file's size and modification time when it was listed: opened again with another, it is analysed again."""

    @property
    def status(self) -> str:
        """The state in a few words, so that the list's file names keep the room: ``rock 0.86``, and
        ``pop 0.51 ?`` when unsure, as the Library tab writes them; a verdict without a genre as
        everywhere in the window (``not one of my genres`` or ``not music``); ``failed``.  The
        runner-up, the nearest genre and the reason of a failure are in :attr:`details`."""
        if self.state is State.DONE and self.analysis is not None:
            analysis = self.analysis
            if analysis.unknown:
                return analysis.verdict.words(analysis.field)
            return f"{analysis.nearest_genre} {confidence_text(analysis.confidence, analysis.uncertain)}"
        return self.state.value

    @property
    def details(self) -> str:
        """The status in full, for a tooltip: the whole verdict in words (and, without a genre, why, as the result
        panel says it under the verdict), or why the file failed."""
        if self.state is State.DONE and self.analysis is not None:
            if self.analysis.unknown:
                return f"{self.analysis.summary()}\n{reason_sentence(self.analysis.verdict.reason)}"
            return self.analysis.summary()
        if self.state is State.FAILED:
            return f"failed: {self.error}"
        return self.status


@dataclass(frozen=True)
class Expanded:
    """What :func:`expand_paths` found to analyse, each file with its :func:`file_stamp`, and the files named directly
    it left out."""

    files: list[tuple[Path, FileStamp | None]]
    left_out: list[Path]
    """Files named beside audio files whose names say they are not audio (a file manager's selection of a whole
    album folder: its cover, cue sheet, rip log and playlist); each would have been a failure in the list."""


def expand_paths(paths: Iterable[Path]) -> Expanded:
    """Worker: files named directly, plus the audio files in folders named (the library's walk, :func:`scan`, whose
    stamps are kept: a network folder's files are slow to stat), in order, each with its :func:`file_stamp`.

    A file named directly is kept whatever its extension, so that a file that is not audio (or not there) gets a
    clear error in the list instead of silently vanishing; but named beside audio files (or folders), a file whose
    extension is no audio format's is left out, and said to be (:attr:`Expanded.left_out`).
    """
    found: list[tuple[Path, FileStamp | None, bool]] = []  # each file, its stamp, and whether it was named directly
    for path in paths:
        if path.is_dir():
            walked = scan([path])
            found += [(Path(f.path), f.stamp, False) for f in walked.files]
            for problem, reason in walked.problems:
                log.warning("%s: %s", problem, reason)
        else:
            found.append((path, file_stamp(path), True))
    beside_audio = any(not named or _named_as_audio(path) for path, _stamp, named in found)
    left_out = [path for path, _stamp, named in found if named and beside_audio and not _named_as_audio(path)]
    kept = [(path, stamp) for path, stamp, named in found if not (named and path in left_out)]
    return Expanded(kept, left_out)


def _named_as_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_EXTENSIONS


def file_stamp(path: Path) -> FileStamp | None:
    """``path``'s size and modification time, or None if it cannot be read (it is not there)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return FileStamp(status.st_size, status.st_mtime_ns)


class FileList(QTreeWidget):
    """Two columns, file and status; selecting a row announces its entry (``entrySelected``)."""

    entrySelected = Signal(object)  # noqa: N815 (Qt signal naming)
    removeRequested = Signal(list)  # noqa: N815

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setAccessibleName("Files")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAcceptDrops(False)  # drops go to the main window
        # The name first: sized to its contents, a verdict without a genre ("not one of my genres") left the name
        # 7 of its characters in a 205-pixel dock.
        self.column_fit = ColumnFit(self, COLUMNS, {}, WANTED_CHARS, LEAST)
        self.entries: dict[Path, FileEntry] = {}
        self._items: dict[Path, QTreeWidgetItem] = {}
        self.currentItemChanged.connect(self._on_current_changed)
        # Delete removes files only while the list has the focus: window-wide, Delete pressed in the Library
        # tab took files out of this list unseen.
        remove = QShortcut(
            QKeySequence(QKeySequence.StandardKey.Delete), self, context=Qt.ShortcutContext.WidgetShortcut
        )
        remove.activated.connect(lambda: self.removeRequested.emit(self.selected_paths()))
        self.remove_action = QAction(self)
        """The window's Edit ▸ Remove from list: enabled while files are selected."""
        self.remove_action.setEnabled(False)
        self.remove_action.triggered.connect(lambda: self.removeRequested.emit(self.selected_paths()))
        self.itemSelectionChanged.connect(lambda: self.remove_action.setEnabled(bool(self.selectedItems())))

    def add(self, files: Iterable[tuple[Path, FileStamp | None]]) -> list[FileEntry]:
        """List the files (with their :func:`file_stamp`) not listed yet, and afresh those listed whose stamp has
        changed since (changed on disk); return their new entries (queued), the first of them made the current
        row (or, with none, the first file named: opening a listed file shows it)."""
        added = []
        first_named = None
        for path, stamp in files:
            path = path.absolute()
            first_named = first_named or path
            listed = self.entries.get(path)
            if listed is not None and listed.stamp == stamp:
                continue
            entry = FileEntry(path, stamp=stamp)  # a new entry: the old one's analysis, if still running, is dropped
            self.entries[path] = entry
            if listed is None:
                item = QTreeWidgetItem([readable(path.name), entry.status])
                item.setToolTip(0, readable(path))
                item.setData(0, Qt.ItemDataRole.UserRole, path)
                self.addTopLevelItem(item)
                self._items[path] = item
            added.append(entry)
        if added or first_named is not None:
            self.select(added[0].path if added else first_named)
        return added

    def remove(self, paths: Iterable[Path]) -> None:
        """Take files off the list, then announce the row current after, once, if it is another.

        Taken off one by one with the list's signals on, each removal of the current row made the next one current
        and announced it, a file itself about to go: the window showed it, analysing it again when its details had
        been dropped, so that clearing a long list queued a hundred removed files ahead of the next ones dropped.
        """
        before = self.currentItem()
        items = [item for path in paths if (item := self._items.pop(path, None)) is not None]
        for item in items:
            self.entries.pop(item.data(0, Qt.ItemDataRole.UserRole), None)
        with QSignalBlocker(self):
            for item in items:
                self.takeTopLevelItem(self.indexOfTopLevelItem(item))
        self.remove_action.setEnabled(bool(self.selectedItems()))
        if self.currentItem() is not before:
            self.entrySelected.emit(self.current_entry())

    def refresh(self, entry: FileEntry) -> None:
        """Redraw the row of ``entry`` after its state changed."""
        item = self._items.get(entry.path)
        if item is None:
            return
        item.setText(1, entry.status)
        item.setToolTip(1, entry.details)
        self._colour(item, entry)
        if item is self.currentItem():
            self.entrySelected.emit(entry)

    def _colour(self, item: QTreeWidgetItem, entry: FileEntry) -> None:
        """A failed file's status in the failure colour of the palette in use."""
        item.setForeground(1, QBrush(failed_colour(self.palette())) if entry.state is State.FAILED else QBrush())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Another theme: the failed rows take its failure colour."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for path, item in self._items.items():
                self._colour(item, self.entries[path])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """The rows, or with none :data:`PLACEHOLDER`, in the placeholder text's colour, centred."""
        super().paintEvent(event)
        if self.topLevelItemCount():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        margin = self.fontMetrics().averageCharWidth()
        area = self.viewport().rect().adjusted(margin, margin, -margin, -margin)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, PLACEHOLDER)

    def current_entry(self) -> FileEntry | None:
        """The entry of the selected row, if any."""
        item = self.currentItem()
        return self.entries.get(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def selected_paths(self) -> list[Path]:
        """Paths of the selected rows, in list order."""
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self.selectedItems()]

    def select(self, path: Path) -> None:
        """Make ``path``'s row the current one."""
        item = self._items.get(path)
        if item is not None:
            self.setCurrentItem(item)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        entry = self.entries.get(current.data(0, Qt.ItemDataRole.UserRole)) if current is not None else None
        self.entrySelected.emit(entry)

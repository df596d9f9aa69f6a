"""Tracks out of the window: their files dragged or copied to a file manager, player or DJ app, or saved as a playlist.

A drag or a copy carries the files as ``text/uri-list`` (``file://`` URLs: what file managers, players and DJ apps
take, and GNOME's ``x-special/gnome-copied-files``, which its file manager pastes) and as text, a path a line (what a
text editor or terminal takes).  It also carries :data:`OWN_FORMAT`, by which the window knows its own tracks dropped
back on it and leaves them alone: dropped files are analysed, and a library's tracks dragged out and let go over the
window would have been analysed all again.

The Library tab's selection may be 100,000 tracks: their paths are read and made into URLs on a worker
(:func:`transfer_of`: 6 MB of URLs, which Qt parses as they are set), and the drag starts once they are there if the
mouse button is still held (:class:`DragOut`).  Playlists are :mod:`musictagger.library.playlist`'s, written on a worker too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_from_bytes

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QDrag, QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QWidget

from musictagger.disk import REFUSED_IN_NAMES
from musictagger.gui.errors import show_error
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.library import Library
from musictagger.library.playlist import SUFFIX, PlaylistEntry, playlist_path, write_playlist

OWN_FORMAT = "application/x-musictagger-tracks"
"""What marks a drag or copy as the window's own tracks (its data: how many)."""
URI_LIST = "text/uri-list"
GNOME_COPIED = "x-special/gnome-copied-files"
NOT_IN_NAMES = str.maketrans(dict.fromkeys("/" + REFUSED_IN_NAMES + "".join(map(chr, range(32))), " "))
"""Characters a name offered for a playlist leaves out: separators, and what Windows, FAT and exFAT refuse."""
DROPPED_BACK_TEXT = (
    "Tracks dragged from musictagger are not analysed again here: drop them on a file manager, player or DJ app"
)
"""What the status bar says while the window's own tracks are dragged over it, which refuses them."""


@dataclass(frozen=True)
class TrackTransfer:
    """What a drag or a copy of tracks carries, made ready (off the UI thread for a large selection)."""

    count: int
    mime: QMimeData
    """The data, living on the UI thread, for one drag or one copy (which takes it)."""

    def __len__(self) -> int:
        return self.count

    def tracks(self) -> str:
        """``12 tracks``, ``1 track``."""
        return f"{self.count:,} track{'s' * (self.count != 1)}"


def transfer(paths: Sequence[str | Path], *, for_clipboard: bool = False) -> TrackTransfer:
    """What a drag, or a copy (with GNOME's format, which its file manager pastes), of ``paths`` (absolute) carries;
    a file name that is not UTF-8 keeps its bytes in its URL.  Made on a worker, the data is handed to the UI thread
    ready: Qt parses the URLs as they are set, and 100,000 held the window 68-425 ms as a drag began."""
    uris = b"".join(b"file://" + quote_from_bytes(os.fsencode(path)).encode("ascii") + b"\r\n" for path in paths)
    mime = QMimeData()
    mime.setData(URI_LIST, uris)  # RFC 2483: a URL a line, each ending CR LF
    mime.setText("\n".join(map(str, paths)))
    mime.setData(OWN_FORMAT, str(len(paths)).encode())
    if for_clipboard:
        mime.setData(GNOME_COPIED, b"copy\n" + uris.replace(b"\r\n", b"\n").rstrip(b"\n"))
    mime.moveToThread(QCoreApplication.instance().thread())
    return TrackTransfer(len(paths), mime)


def transfer_of(ids: np.ndarray, _task: Task, *, for_clipboard: bool = False) -> TrackTransfer:
    """Worker: what a drag or copy of the library's tracks ``ids`` carries (tracks gone from the index left out)."""
    with Library() as library:
        return transfer(library.track_paths(ids), for_clipboard=for_clipboard)


def playlist_entries(ids: np.ndarray, _task: Task) -> list[PlaylistEntry]:
    """Worker: the library's tracks ``ids``, in that order, as a playlist holds them (tracks gone left out)."""
    with Library() as library:
        return [PlaylistEntry(row.path, row.duration_s, row.artist, row.title) for row in library.track_rows(ids)]


def is_own(mime: QMimeData) -> bool:
    """Whether ``mime`` is the window's own tracks (dragged from it, or copied)."""
    return mime.hasFormat(OWN_FORMAT)


def copy_to_clipboard(tracks: TrackTransfer) -> str:
    """Put ``tracks`` on the clipboard (a file manager pastes the files, a text editor their paths); what was done,
    for the status bar."""
    QGuiApplication.clipboard().setMimeData(tracks.mime)
    return f"Copied {tracks.tracks()}: paste them in a file manager, player or DJ app, or as paths in a text editor"


def release_clipboard() -> None:
    """The window is closing: take its tracks off the clipboard where that clipboard is the process's alone (a
    platform without a system clipboard: offscreen, as the tests and scripted runs use).  Qt deletes such a
    clipboard's data after Python has finished, and data made in Python then crashed the process as it ended (status
    139, after Ctrl+C in the Library tab).  A system clipboard (X11, Wayland, Windows, macOS) keeps them, for the desktop
    to paste after the window has gone, as it keeps any other application's copy."""
    clipboard = QGuiApplication.clipboard()
    held = clipboard.mimeData()
    if held is not None and is_own(held) and not clipboard.ownsClipboard():
        clipboard.clear()


class DragOut(QObject):
    """Drags an item view's selected rows out as files: a press on a selected row, then a move of the drag distance
    with the left button held, calls ``start``.

    ``start`` may prepare the data on a worker and call :meth:`drag` once it is there: the drag starts if the button
    is still held; if it was let go meanwhile, :meth:`drag` says so.  The view's own drag stays off: its start asks
    every selected cell whether it may be dragged, a stall with 100,000 rows selected.  So the view sees none of the
    moves of a press on a selected row (each would have made the row under the mouse the whole selection), nor the
    release that ends a drag; a press released without a drag is a click, as before.
    """

    def __init__(self, view: QAbstractItemView, start: Callable[[], None]) -> None:
        super().__init__(view)
        self.view = view
        self.start = start
        self.pressed_at: QPoint | None = None
        """Where the left button was pressed on a selected row, while it is held."""
        self.held = False
        """Whether the left button is held."""
        self.started = False
        """Whether a drag began with this press (its data may still be on its way)."""
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(event, QMouseEvent):
            return False
        kind, where = event.type(), event.position().toPoint()
        if kind == QEvent.Type.MouseButtonPress:
            self.held, self.started = event.button() == Qt.MouseButton.LeftButton, False
            index = self.view.indexAt(where)
            on_selected = index.isValid() and self.view.selectionModel().isRowSelected(index.row(), index.parent())
            plain = event.modifiers() == Qt.KeyboardModifier.NoModifier
            self.pressed_at = where if self.held and on_selected and plain else None
        elif kind == QEvent.Type.MouseMove and (self.started or self.pressed_at is not None):
            held = bool(event.buttons() & Qt.MouseButton.LeftButton)
            if (
                not self.started
                and held
                and (where - self.pressed_at).manhattanLength() >= QApplication.startDragDistance()
            ):
                self.started = True
                self.start()
            return True
        elif kind == QEvent.Type.MouseButtonRelease:
            started = self.started
            self.pressed_at, self.held, self.started = None, False, False
            return started
        return False

    def drag(self, tracks: TrackTransfer) -> str | None:
        """Drag ``tracks`` out (as files, copied) if the button is still held; None, or what to tell the user."""
        if not self.held:
            return f"The {tracks.tracks()} were let go before they were ready: drag them again"
        drag = QDrag(self.view)
        drag.setMimeData(tracks.mime)
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)
        self.pressed_at, self.held, self.started = None, False, False  # the drag took the button's release
        return None


def choose_playlist(parent: QWidget, settings: Settings, what: str, name: str) -> Path | None:
    """Ask where to save a playlist of ``what`` (``12 tracks``), offering the name ``name`` (what the tracks are:
    ``Differs from the model``, ``Nearest to Song``) in the folder the last one went to (the Music folder the first
    time); None when cancelled.  A name without ``.m3u8`` or ``.m3u`` gets ``.m3u8`` before the dialog asks whether
    to replace a file of that name."""
    dialog = QFileDialog(parent, f"Save {what} as a playlist", str(settings.playlist_folder))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(f"M3U8 playlists (*{SUFFIX} *.m3u)")
    dialog.setDefaultSuffix(SUFFIX.lstrip("."))
    dialog.selectFile(name.translate(NOT_IN_NAMES).strip() + SUFFIX)
    if not dialog.exec() or not dialog.selectedFiles():
        return None
    path = playlist_path(Path(dialog.selectedFiles()[0]))
    settings.playlist_folder = path.parent
    return path


def save_playlist(
    parent: QWidget,
    runner: TaskRunner,
    path: Path,
    entries: Callable[[Task], list[PlaylistEntry]],
    told: Callable[[str], None],
) -> None:
    """Write the playlist of ``entries`` (read on the worker) to ``path`` on ``runner``; ``told`` what was done, or
    an error box says why it was not (no file is left of it)."""

    def work(task: Task) -> tuple[Path, int]:
        found = entries(task)
        return write_playlist(path, found), len(found)

    runner.run(
        work,
        owner=parent,
        on_done=lambda saved: told(f"Saved {saved[1]:,} track{'s' * (saved[1] != 1)} as the playlist {saved[0]}"),
        on_error=lambda error: show_error(parent, "Save as a playlist", error),
    )

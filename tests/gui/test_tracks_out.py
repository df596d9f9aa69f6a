"""Tracks out of the window, offscreen on a real index: dragged out and copied as files, saved as playlists.

The drags start as a user starts them (a press on a selected row, a move), through the views' own code; what a drag
carries is read where Qt hands it to the platform (QDrag.exec, recorded and then run: offscreen it drops nowhere).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDrag, QDragEnterEvent, QGuiApplication, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from musictagger.gui.library_view import COLUMNS
from musictagger.gui.tracks_out import DROPPED_BACK_TEXT, GNOME_COPIED, OWN_FORMAT, choose_playlist
from musictagger.library import Column, index_folders
from tests.gui.conftest import drop, wait_until_settled, write_song
from tests.library.test_playlist import read_playlist
from tests.tagging.media import pretag


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """Three tracks, indexed: two tagged (one with a name that is not ASCII), one not."""
    folder = tmp_path / "Music"
    pretag(write_song(folder / "Sigur Rós" / "Hoppípolla.flac", seconds=3.0), title="Hoppípolla", artist="Sigur Rós")
    pretag(write_song(folder / "b.flac", seconds=4.0, seed=1), title="Beta", artist="Band")
    write_song(folder / "c.flac", seconds=3.0, seed=2)
    index_folders([folder], workers=1)
    return folder


@pytest.fixture
def drags(monkeypatch: pytest.MonkeyPatch) -> list:
    """The data of every drag started, as Qt receives it (the drag itself then runs as it would)."""
    started: list = []
    real_exec = QDrag.exec

    def recorded(drag: QDrag, *args: object) -> Qt.DropAction:
        mime, kept = drag.mimeData(), QMimeData()  # the drag's own data goes with it
        for name in mime.formats():
            kept.setData(name, mime.data(name))
        started.append((mime.urls(), mime.text(), mime.hasFormat(OWN_FORMAT), kept))
        return real_exec(drag, *args)

    monkeypatch.setattr(QDrag, "exec", recorded)
    return started


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box the window opens, warnings included (the suite's own recorder fails a test on a warning)."""
    from PySide6.QtWidgets import QMessageBox

    opened: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: opened.append(f"{box.windowTitle()}: {box.text()}"))
    return opened


def library_tab(qtbot, window) -> None:
    view = window.library_view
    window.show_library_tracks()
    view.refresh()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 3, timeout=10_000)
    view.table.sortByColumn(COLUMNS.index(Column.PATH), Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not view.model.loading, timeout=10_000)


def select_rows(table, rows: list[int]) -> None:
    table.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        table.selectionModel().select(table.model().index(row, 0), flags)


def mouse(widget: QWidget, kind: QEvent.Type, at: QPoint, held: bool) -> None:
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
    event = QMouseEvent(
        kind,
        QPointF(at),
        QPointF(widget.mapToGlobal(at)),
        button,
        left if held else Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def drag_from(table, row: int) -> None:
    """Press the left button on ``row`` and move it a little, then further than the drag distance, as a hand does."""
    viewport = table.viewport()
    at = table.visualRect(table.model().index(row, 0)).center()
    mouse(viewport, QEvent.Type.MouseButtonPress, at, held=True)
    mouse(viewport, QEvent.Type.MouseMove, at + QPoint(0, 1), held=True)
    mouse(viewport, QEvent.Type.MouseMove, at + QPoint(0, 3 * QApplication.startDragDistance()), held=True)


def test_library_tracks_drag_out_as_files_and_dropped_back_are_not_analysed(
    qtbot, window, music: Path, drags: list
) -> None:
    """Nothing left the window but a path at a time (Show in folder): no drag out to a player or DJ app."""
    library_tab(qtbot, window)
    view = window.library_view
    select_rows(view.table, [0, 2])  # b.flac, Sigur Rós/Hoppípolla.flac (c.flac between them: paths without case)
    drag_from(view.table, 2)
    qtbot.waitUntil(lambda: len(drags) == 1, timeout=10_000)  # the paths read on a worker first
    urls, text, own, mime = drags[0]
    chosen = [music / "b.flac", music / "Sigur Rós" / "Hoppípolla.flac"]
    assert urls == [QUrl.fromLocalFile(str(path)) for path in chosen] and all(url.isLocalFile() for url in urls)
    assert text == "\n".join(map(str, chosen)) and own
    assert view.selected_count() == 2  # the press and the moves did not make one row the selection

    # Let go over the window (or the Music folders panel): not taken, so nothing is queued to be analysed.
    for target in (window, window.library):
        enter = QDragEnterEvent(
            QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(target, enter)
        assert not enter.isAccepted()
    assert window.statusBar().currentMessage() == DROPPED_BACK_TEXT
    assert not window.files.entries


def test_a_drag_let_go_before_its_paths_are_read_keeps_the_selection_and_says_so(
    qtbot, window, music: Path, drags: list
) -> None:
    library_tab(qtbot, window)
    view = window.library_view
    select_rows(view.table, [0, 1, 2])
    drag_from(view.table, 1)
    mouse(view.table.viewport(), QEvent.Type.MouseButtonRelease, QPoint(5, 5), held=False)  # before the worker ends
    qtbot.waitUntil(lambda: "let go" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.statusBar().currentMessage() == "The 3 tracks were let go before they were ready: drag them again"
    assert not drags and view.selected_count() == 3


def test_ctrl_c_copies_the_selected_tracks_as_files_and_paths(qtbot, window, music: Path) -> None:
    """Ctrl+C did nothing in the Library tab (Ctrl+Shift+C copies the hash code, as it still does)."""
    library_tab(qtbot, window)
    view = window.library_view
    select_rows(view.table, [0, 1])  # b.flac, c.flac (paths without case: Sigur Rós/ after them)
    window.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow() and view.table.hasFocus(), timeout=5000)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)  # as the window's Edit ▸ Copy
    qtbot.waitUntil(lambda: clipboard.mimeData() is not None and clipboard.mimeData().hasUrls(), timeout=10_000)
    chosen = [music / "b.flac", music / "c.flac"]
    assert clipboard.mimeData().urls() == [QUrl.fromLocalFile(str(path)) for path in chosen]
    assert clipboard.text() == f"{chosen[0]}\n{chosen[1]}"  # a text editor gets a path a line
    gnome = bytes(clipboard.mimeData().data(GNOME_COPIED)).decode()
    assert gnome.split("\n") == ["copy", *(QUrl.fromLocalFile(str(path)).toString() for path in chosen)]
    assert window.statusBar().currentMessage().startswith("Copied 2 tracks")
    edit = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Edit")
    shortcuts = {action.text(): action.shortcut() for action in edit.actions()}
    assert shortcuts["&Copy"] == QKeySequence(QKeySequence.StandardKey.Copy)
    assert shortcuts["Copy &hash code"] == QKeySequence("Ctrl+Shift+C")

    # Offscreen the clipboard is the process's own, which Qt deletes after Python has ended: data made in Python
    # then crashed the test process as it ended (status 139). Closing the window takes the tracks off it.
    window.close()
    assert not clipboard.ownsClipboard() and clipboard.mimeData() is None  # emptied


def test_the_files_lists_selected_files_copy_and_drag_out(qtbot, window, tmp_path: Path, drags: list) -> None:
    """The files dropped or opened, listed on the left: Ctrl+C there did nothing, nor did a drag."""
    songs = [write_song(tmp_path / "in" / name, seconds=3.0, seed=i) for i, name in enumerate(["é.flac", "b.flac"])]
    drop(window, songs)
    qtbot.waitUntil(lambda: len(window.files.entries) == 2, timeout=10_000)  # listed once the drop is expanded
    window.activateWindow()
    window.files.setFocus()
    window.files.selectAll()
    qtbot.waitUntil(lambda: window.isActiveWindow() and window.files.hasFocus(), timeout=5000)
    qtbot.keyClick(window.files, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().mimeData().urls() == [QUrl.fromLocalFile(str(song)) for song in songs]
    assert window.statusBar().currentMessage().startswith("Copied 2 tracks")
    drag_from(window.files, 1)  # and dragged out, as the Library tab's tracks are
    assert [urls for urls, *_ in drags] == [[QUrl.fromLocalFile(str(song)) for song in songs]]
    wait_until_settled(qtbot, window, 2)


def test_the_selection_saved_as_a_playlist_from_a_dialog_that_remembers_its_folder(
    qtbot, window, music: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_tab(qtbot, window)
    view = window.library_view
    view.find.setText("flac")  # every track: the playlist is offered the name they were found by
    qtbot.waitUntil(lambda: view.model.query.text == "flac" and not view.model.loading, timeout=10_000)
    select_rows(view.table, [0, 1, 2])
    opened_in: list[str] = []
    offered: list[str] = []

    def answer(dialog: QFileDialog) -> int:  # the user types a name without its extension, and saves
        opened_in.append(dialog.directory().absolutePath())
        offered.append(Path(dialog.selectedFiles()[0]).name)
        dialog.selectFile(str(music / "for the set"))
        return QFileDialog.DialogCode.Accepted

    monkeypatch.setattr(QFileDialog, "exec", answer)
    next(a for a in window._menus["&File"].actions() if "selected tracks" in a.text()).trigger()
    playlist = music / "for the set.m3u8"
    qtbot.waitUntil(lambda: "Saved 3 tracks" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.statusBar().currentMessage() == f"Saved 3 tracks as the playlist {playlist}"
    assert read_playlist(playlist) == [
        ("#EXTINF:4,Band - Beta", music / "b.flac"),
        ("#EXTINF:3,c", music / "c.flac"),
        ("#EXTINF:3,Sigur Rós - Hoppípolla", music / "Sigur Rós" / "Hoppípolla.flac"),
    ]
    assert "\nSigur Rós/Hoppípolla.flac\n" in playlist.read_text(encoding="utf-8")  # relative: below the playlist
    assert choose_playlist(window, window.settings, "3 tracks", "set") == playlist
    assert opened_in[-1] == str(music)  # where the last playlist went
    assert offered == ["flac.m3u8", "set.m3u8"]


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_playlist_that_cannot_be_saved_says_why_and_leaves_no_file(
    qtbot, window, music: Path, tmp_path: Path, boxes: list[str]
) -> None:
    library_tab(qtbot, window)
    select_rows(window.library_view.table, [0])
    missing = tmp_path / "gone" / "set.m3u8"
    window.library_view.save_playlist(missing)
    qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
    assert boxes == [f"Save as a playlist: {missing}: the playlist cannot be saved: its folder does not exist"]
    assert not missing.parent.exists()


def test_matches_drag_out_copy_and_save_nearest_first(
    qtbot, window, music: Path, tmp_path: Path, drags: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DJ's ten nearest tracks: the matches list let one be played or shown in its folder, no more."""
    library_tab(qtbot, window)
    view, matches = window.library_view, window.matches
    select_rows(view.table, [0])
    view.similarRequested.emit(music / "Sigur Rós" / "Hoppípolla.flac")
    qtbot.waitUntil(lambda: matches.table.topLevelItemCount() == 2, timeout=10_000)
    nearest = [Path(matches.table.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole)) for row in range(2)]
    assert set(nearest) == {music / "b.flac", music / "c.flac"}

    matches.table.selectAll()
    drag_from(matches.table, 1)
    assert [urls for urls, *_ in drags] == [[QUrl.fromLocalFile(str(path)) for path in nearest]]

    matches.table.setFocus()
    qtbot.waitUntil(matches.table.hasFocus, timeout=2000)
    window.copy_tracks()
    assert QGuiApplication.clipboard().text() == "\n".join(map(str, nearest))

    offered: list[str] = []

    def answer(dialog: QFileDialog) -> int:
        offered.append(Path(dialog.selectedFiles()[0]).name)
        dialog.selectFile(str(tmp_path / "nearest"))
        return QFileDialog.DialogCode.Accepted

    monkeypatch.setattr(QFileDialog, "exec", answer)
    next(a for a in window._menus["&File"].actions() if "nearest" in a.text()).trigger()
    qtbot.waitUntil(lambda: (tmp_path / "nearest.m3u8").exists(), timeout=10_000)
    assert offered == ["Nearest to Hoppípolla.m3u8"]
    assert [path for _, path in read_playlist(tmp_path / "nearest.m3u8")] == nearest  # absolute: not below it

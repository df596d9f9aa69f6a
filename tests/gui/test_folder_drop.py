"""Folders dropped on the Music folders panel join the library (as Add folder… adds them); anywhere else on the
window a drop is analysed, as before.  Real window offscreen, real folders with generated WAVs, the real index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QPalette
from PySide6.QtWidgets import QApplication

from musictagger.gui.library_panel import DROP_HINT
from musictagger.library import Library, index_folders
from musictagger.library.indexing_lock import lock_path
from musictagger.userdirs import library_db_path
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, drop, wait_until_settled, write_song

FILES_NOT_ADDED = (
    "Not added: \u201ca.wav\u201d is a file, and only folders can be added to the library here. "
    "To analyse files, drop them anywhere else on the window."
)


def library_folders() -> list[Path]:
    """The library's folders as the index holds them."""
    with Library() as library:
        return library.roots()


def drag_over(widget, urls: list[QUrl]) -> QDragEnterEvent:
    """A drag carrying ``urls`` enters ``widget`` (and stays over it): the event, accepted or not."""
    mime = QMimeData()
    mime.setUrls(urls)
    event = QDragEnterEvent(
        QPoint(widget.width() // 2, widget.height() // 2),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    return event


def test_a_folder_dropped_on_the_panel_is_added_to_the_library_and_indexed(qtbot, window, tmp_path: Path) -> None:
    """It was analysed file by file in the Files list, and the library stayed without it."""
    music = tmp_path / "Music"
    song = write_song(music / "a.wav", kind="wav-pcm16", seconds=2.0)
    panel = window.library
    window.show_library_panel()
    with qtbot.waitSignal(panel.indexingStarted, timeout=10_000):
        drop(panel.folders, [music])
    assert library_folders() == [music]
    assert panel.notice.text() == "Added \u201cMusic\u201d to the library's folders."
    assert panel.folder_paths() == [music]
    qtbot.waitUntil(lambda: panel.indexing is None, timeout=ANALYSIS_TIMEOUT_MS)
    with Library() as library:
        assert library.record(song) is not None  # indexed, as Add folder… does
    assert window.files.entries == {}  # and not analysed in the Files list


def test_a_file_dropped_on_the_panel_adds_nothing_and_says_where_files_go(qtbot, window, tmp_path: Path) -> None:
    song = write_song(tmp_path / "a.wav", kind="wav-pcm16", seconds=2.0)
    panel = window.library
    window.show_library_panel()
    drop(panel.folders, [song])
    qtbot.waitUntil(lambda: panel.notice.text() != "", timeout=10_000)
    assert panel.notice.text() == FILES_NOT_ADDED
    assert panel.notice.isVisible()
    assert library_folders() == [] and panel.indexing is None
    assert window.files.entries == {}  # nor analysed


def test_folders_the_library_has_or_that_are_gone_are_not_added_each_saying_why(qtbot, window, tmp_path: Path) -> None:
    music = tmp_path / "Music"
    (music / "Jazz").mkdir(parents=True)
    (tmp_path / "Link").symlink_to(music / "Jazz")
    with Library() as library:
        library.add_roots([music])
    panel = window.library
    panel.refresh()
    qtbot.waitUntil(lambda: panel.folder_paths() == [music], timeout=10_000)

    drop(panel, [music, music / "Jazz", tmp_path / "Gone"])
    qtbot.waitUntil(lambda: panel.notice.text() != "", timeout=10_000)
    assert panel.notice.text() == (
        "Not added: \u201cMusic\u201d is one of the library's folders already.\n"
        "Not added: \u201cJazz\u201d is inside \u201cMusic\u201d, one of the library's folders: "
        "its tracks are indexed with it.\n"
        "Not added: \u201cGone\u201d no longer exists."
    )
    drop(panel.failures, [tmp_path / "Link"])  # anywhere on the panel
    qtbot.waitUntil(lambda: "Link" in panel.notice.text(), timeout=10_000)
    assert panel.notice.text() == (
        "Not added: \u201cLink\u201d leads through a link into \u201cMusic\u201d, one of the library's folders: "
        "its tracks are indexed with it."
    )
    assert library_folders() == [music] and panel.indexing is None


def test_a_library_folder_that_is_gone_is_marked_and_still_removable(qtbot, window, tmp_path: Path) -> None:
    """A library restored into another home folder, or a drive not mounted: the panel listed the old folder as if it
    were there, its tracks in the Library tab, with no sign of it."""
    music, renamed = tmp_path / "Music", tmp_path / "Music, renamed"
    write_song(music / "a.wav", kind="wav-pcm16", seconds=2.0)
    index_folders([music], workers=1)
    music.rename(renamed)
    panel = window.library

    panel.refresh()
    qtbot.waitUntil(
        lambda: panel.folders.count() == 1 and "(not found)" in panel.folders.item(0).text(), timeout=10_000
    )

    assert panel.folders.item(0).toolTip().startswith("This folder is not there")
    assert panel.folder_paths() == [music]
    panel.folders.setCurrentRow(0)
    panel.remove_selected()
    qtbot.waitUntil(lambda: panel.folders.count() == 0, timeout=10_000)
    assert library_folders() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_not_added(qtbot, window, tmp_path: Path) -> None:
    locked = tmp_path / "Locked"
    locked.mkdir(mode=0)
    try:
        drop(window.library, [locked])
        qtbot.waitUntil(lambda: window.library.notice.text() != "", timeout=10_000)
        assert window.library.notice.text() == "Not added: \u201cLocked\u201d cannot be read (Permission denied)."
        assert library_folders() == []
    finally:
        locked.chmod(0o700)


def test_a_drag_over_the_panel_is_highlighted_and_one_of_web_links_is_refused(qtbot, window, tmp_path: Path) -> None:
    panel = window.library
    window.show_library_panel()
    qtbot.waitUntil(lambda: not panel.visibleRegion().isEmpty(), timeout=5000)
    edge = QPoint(0, panel.height() // 2)  # in the layout's margin, where no child paints
    highlight = panel.palette().color(QPalette.ColorRole.Highlight)
    assert panel.grab().toImage().pixelColor(edge) != highlight

    entered = drag_over(panel.folders, [QUrl.fromLocalFile(str(tmp_path))])
    assert entered.isAccepted() and panel.dropping
    assert panel.notice.text() == DROP_HINT and panel.notice.isVisible()
    assert panel.grab().toImage().pixelColor(edge) == highlight
    QApplication.sendEvent(panel.folders, QDragLeaveEvent())
    assert not panel.dropping and not panel.notice.isVisible()
    assert panel.grab().toImage().pixelColor(edge) != highlight

    refused = drag_over(panel.folders, [QUrl("https://example.com/album.zip")])
    assert not refused.isAccepted() and not panel.dropping  # by the panel and by the window behind it


def test_files_dropped_on_the_file_list_are_still_analysed(qtbot, window, tmp_path: Path) -> None:
    song = write_song(tmp_path / "in" / "a.wav", kind="wav-pcm16", seconds=2.0)
    drop(window.files, [song.parent])
    wait_until_settled(qtbot, window, 1)
    assert list(window.files.entries) == [song]
    assert library_folders() == [] and window.library.notice.text() == ""


def test_a_whole_album_folders_files_dropped_leave_out_what_is_not_audio_saying_so(
    qtbot, window, tmp_path: Path
) -> None:
    """A file manager's selection of an album folder's files: its cover, cue sheet, rip log and playlist each became
    a failure in the list (16 of 20 in the odd-containers walk).  They are left out, and the status bar says so; a
    file that is not audio dropped alone is still listed, with why it cannot be analysed."""
    album = tmp_path / "Album"
    songs = [write_song(album / f"0{i}.wav", kind="wav-pcm16", seconds=2.0, seed=i) for i in (1, 2)]
    others = [album / name for name in ("cover.jpg", "Album.cue", "rip.log", "Album.m3u")]
    for path in others:
        path.write_bytes(b"not audio")

    drop(window.files, [*songs, *others])
    wait_until_settled(qtbot, window, 2)

    assert list(window.files.entries) == songs
    assert window.statusBar().currentMessage() == (
        "2 files: 2 done; left out 4 not audio: cover.jpg, Album.cue, rip.log, …"
    )
    drop(window.files, [others[1]])
    wait_until_settled(qtbot, window, 3)
    assert list(window.files.entries) == [*songs, others[1]]


def test_a_name_that_is_not_utf8_is_shown_with_its_bytes_escaped_in_the_list_and_the_result(
    qtbot, window, tmp_path: Path
) -> None:
    """A name in Latin-1 (an archive copied from an older system) was listed as “caf.wav”: Qt drops the bytes
    Python holds as lone surrogates, so the list, its tooltip and the error named a file that is not there."""
    folder = tmp_path / "in"
    song = write_song(folder / "plain.wav", kind="wav-pcm16", seconds=2.0)
    latin1 = Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9.wav"))
    latin1.write_bytes(b"not audio at all")
    drop(window.files, [folder])
    wait_until_settled(qtbot, window, 2)
    shown = {window.files.topLevelItem(i).text(0) for i in range(window.files.topLevelItemCount())}
    assert shown == {"caf\\xe9.wav", song.name}
    window.files.select(latin1)
    assert window.files.currentItem().toolTip(0) == f"{folder}/caf\\xe9.wav"
    assert window.genre.verdict.text().startswith("caf\\xe9.wav could not be analysed: not an audio file")


def test_a_folder_dropped_while_indexing_runs_is_indexed_once_the_run_ends(qtbot, window, tmp_path: Path) -> None:
    """The run under way indexes the folders it started with; a folder dropped meanwhile was listed and then waited
    for the user to press Index now again (the notice said so).  It is indexed when the run ends."""
    first, second = tmp_path / "Music", tmp_path / "More music"
    write_song(first / "a.wav", kind="wav-pcm16", seconds=2.0)
    later = write_song(second / "b.wav", kind="wav-pcm16", seconds=2.0)
    panel = window.library
    window.show_library_panel()
    with qtbot.waitSignal(panel.indexingStarted, timeout=10_000):
        drop(panel.folders, [first])
    drop(panel.folders, [second])  # the run has only started its workers: it takes seconds yet
    qtbot.waitUntil(lambda: "More music" in panel.notice.text(), timeout=10_000)
    assert panel.notice.text().endswith("Indexing is under way already: it will be indexed once it ends.")

    def indexed() -> bool:
        with Library() as library:
            return panel.indexing is None and library.record(later) is not None

    qtbot.waitUntil(indexed, timeout=2 * ANALYSIS_TIMEOUT_MS)
    assert library_folders() == sorted([first, second])


def test_a_folder_is_not_removed_while_another_run_indexes_the_library(qtbot, window, tmp_path: Path) -> None:
    """`musictagger index` running in a terminal: Remove forgot the folder and its tracks at once, and the run went on
    storing them, under a folder the library no longer had (``index --forget`` waits its turn since c03c90d)."""
    music = tmp_path / "Music"
    song = write_song(music / "a.wav", kind="wav-pcm16", seconds=2.0)
    index_folders([music], workers=1)
    panel = window.library
    panel.refresh()
    qtbot.waitUntil(lambda: panel.folder_paths() == [music], timeout=10_000)
    run = subprocess.Popen(  # a run indexing the library: it holds the indexing lock as `musictagger index` does
        [sys.executable, "-c", HOLD_THE_INDEXING_LOCK, str(library_db_path())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout.readline() == "held\n"
        panel.folders.setCurrentRow(0)
        panel.remove_selected()
        qtbot.waitUntil(lambda: panel.notice.text().startswith("Not removed"), timeout=10_000)
        assert panel.notice.text() == (
            f"Not removed: \u201cMusic\u201d: the library is being indexed by process {run.pid}, which would go on "
            "storing its tracks. Remove it again once that run has ended (or stop it: what it has analysed is kept)."
        )
        assert panel.folder_paths() == [music] and library_folders() == [music]
        with Library() as library:
            assert library.record(song) is not None
        panel.index_now()  # said in the window's words, not the command line's "run this command again"
        qtbot.waitUntil(lambda: panel.indexing is None, timeout=10_000)
        assert panel.progress_text.text() == (
            f"Not indexed: the library is being indexed by process {run.pid}. Press Index now once that run has "
            "ended (or stop it: what it has analysed is kept)."
        )
    finally:
        run.communicate("")  # the run ends
    panel.folders.setCurrentRow(0)  # once it has ended, Remove does
    panel.remove_selected()
    qtbot.waitUntil(lambda: panel.folder_paths() == [], timeout=10_000)
    assert panel.notice.text() == ""
    with Library() as library:
        assert library.roots() == [] and library.record(song) is None


HOLD_THE_INDEXING_LOCK = """
import sys
from pathlib import Path
from musictagger.library.indexing_lock import indexing_lock
with indexing_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_folder_the_index_cannot_forget_is_said_not_removed_and_the_counts_stay(
    qtbot, window, tmp_path: Path
) -> None:
    """An index that cannot be written (its disk full or read-only; here a folder where the indexing lock's file
    should be): Remove put 'The library cannot be read: …' in place of the counts, and said nothing of the folder."""
    music = tmp_path / "Music"
    write_song(music / "a.wav", kind="wav-pcm16", seconds=2.0)
    index_folders([music], workers=1)
    panel = window.library
    panel.refresh()
    qtbot.waitUntil(lambda: panel.folder_paths() == [music], timeout=10_000)
    lock_path(library_db_path()).unlink()
    lock_path(library_db_path()).mkdir()

    panel.folders.setCurrentRow(0)
    panel.remove_selected()

    qtbot.waitUntil(lambda: panel.notice.text().startswith("Not removed"), timeout=10_000)
    assert panel.notice.text() == (
        f"Not removed: \u201cMusic\u201d: {library_db_path()}: cannot open the database ([Errno 21] Is a directory: "
        f"'{lock_path(library_db_path())}')"
    )
    qtbot.waitUntil(lambda: panel.counts.text() == "In the library: 1 track, 1 analysed, 0 failed", timeout=10_000)
    assert panel.folder_paths() == [music] and library_folders() == [music]

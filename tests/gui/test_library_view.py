"""The library tab and the reviewed tag dialog, on a real index of generated files tagged with mutagen.

The files are indexed through the real pipeline (the first model); what the table shows is
compared with the files' own tags and the index's rows, and what the dialog writes is read back
with mutagen itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

from musictagger.gui.library_view import (
    COLUMNS,
    FIND_LEAST_CHARS,
    NO_CODE_TEXT,
    NO_FOLDERS_TEXT,
    NOT_INDEXED_TEXT,
    SELECT_DELAY_MS,
    LibraryView,
    cell_text,
)
from musictagger.gui.main_window import library_scope
from musictagger.gui.matches_view import NO_OTHER_TRACK_TEXT, NO_TRACK_TEXT, PATH
from musictagger.gui.tag_dialog import FILE, PROPOSED, TagDialog, TagScope
from musictagger.gui.tasks import TaskRunner
from musictagger.library import Agreement, Column, Library, QuickFilter, TrackRow, index_folders
from musictagger.library.store import AnalysisKey, FileStamp
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.index_sync import update_index
from musictagger.tagging.journal import EntrySource, Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, wait_until_settled, write_song
from tests.gui.tag_rows import heading
from tests.gui.tag_rows import rows as tag_rows
from tests.library.test_folded_names import store_names
from tests.tagging.media import native_genres, pretag

ALL_FOUR = ["Classical", "Electronic", "Pop", "Rock"]


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """Three short songs with different tags and a broken file, indexed."""
    folder = tmp_path / "Music"
    pretag(write_song(folder / "a.flac", seconds=3.0), genres=ALL_FOUR, title="Zulu", artist="First")
    pretag(write_song(folder / "b.flac", seconds=3.0, seed=1), genres=["Jazz"], title="Alpha", artist="Second")
    write_song(folder / "c.flac", seconds=3.0, seed=2)
    (folder / "d.mp3").write_bytes(b"not an mp3" * 100)
    index_folders([folder], workers=1)
    return folder


def settle(qtbot, view: LibraryView) -> None:
    qtbot.waitUntil(lambda: not view.model.loading, timeout=10_000)


def shown(view: LibraryView, column: Column) -> list[str]:
    model = view.model
    return [model.index(row, COLUMNS.index(column)).data() for row in range(model.rowCount())]


def names(view: LibraryView) -> list[str]:
    return [Path(path).name for path in shown(view, Column.PATH)]


def test_the_table_shows_the_files_tags_and_the_stored_verdicts_sorted_and_filtered_and_the_scopes_count(
    qtbot, window, music: Path
) -> None:
    view = window.library_view
    view.refresh()
    settle(qtbot, view)
    assert names(view) == ["a.flac", "b.flac", "c.flac", "d.mp3"]
    with Library() as library:
        genres = {Path(r.path).name: r.genre for r in library.tracks()}
    assert shown(view, Column.TITLE) == ["Zulu", "Alpha", "c.flac", "d.mp3"]  # the file name without a title
    assert shown(view, Column.ARTIST) == ["First", "Second", "", ""]
    assert shown(view, Column.TAG_GENRE) == ["Classical; Electronic; Pop; Rock", "Jazz", "", ""]
    assert shown(view, Column.VERDICT)[:3] == [genres["a.flac"], genres["b.flac"], genres["c.flac"]]
    assert shown(view, Column.VERDICT)[3].startswith("failed: ")
    assert shown(view, Column.AGREEMENT) == ["agrees", "differs", "tag missing", "failed"]
    assert view.counts.text() == "4 tracks"
    # The table taking focus makes a row current without selecting it: that opens no track; choosing one does.
    with qtbot.assertNotEmitted(view.trackSelected, wait=SELECT_DELAY_MS + 300):
        view.table.selectionModel().setCurrentIndex(view.model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    with qtbot.waitSignal(view.trackSelected, timeout=5_000) as chosen:
        view.table.selectRow(1)
    assert chosen.args == [music / "b.flac"]
    view.table.clearSelection()

    view.table.sortByColumn(COLUMNS.index(Column.TITLE), Qt.SortOrder.AscendingOrder)
    settle(qtbot, view)
    assert names(view) == ["b.flac", "a.flac", "c.flac", "d.mp3"]  # Alpha, Zulu, then no title
    view.table.sortByColumn(COLUMNS.index(Column.TITLE), Qt.SortOrder.DescendingOrder)
    settle(qtbot, view)
    assert names(view)[:2] == ["a.flac", "b.flac"]

    expected = {
        QuickFilter.NO_GENRE_TAG: ["c.flac"],
        QuickFilter.DIFFERS: ["b.flac"],
        QuickFilter.NOT_MY_GENRES: [],  # the first model always names a genre
        QuickFilter.FAILED: ["d.mp3"],
    }
    for quick, files in expected.items():
        view.set_quick_filter(quick)
        settle(qtbot, view)
        assert names(view) == files, quick
        assert view.counts.text() == f"{len(files)} track{'' if len(files) == 1 else 's'} match"
    view.set_quick_filter(QuickFilter.ALL)
    view.find.setText("jazz")
    qtbot.waitUntil(lambda: names(view) == ["b.flac"], timeout=10_000)
    view.find.clear()
    qtbot.waitUntil(lambda: len(names(view)) == 4, timeout=10_000)
    view.table.selectAll()
    assert view.counts.text() == "4 tracks · 4 selected"

    scope = library_scope(None)  # Tools ▸ Tag genres of the whole library…
    assert scope.describe() == f"all 4 tracks of {music}"
    dialog = TagDialog(scope, window.settings, window.background_runner, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.plan is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert dialog.scope_label.text() == f"Works on all 4 tracks of {music}"
    assert dialog.rows.rowCount() == 4  # what it says is what it will touch
    folder = TagScope.folder(music)
    assert (folder.describe(), folder.describe(37)) == (f"the audio files in {music}", f"all 37 audio files in {music}")
    assert TagScope.selection([music / "a.flac"]).describe() == "1 selected track"


def test_a_reviewed_run_writes_the_correction_leaves_unticked_rows_alone_and_undo_says_what_it_restored(
    qtbot, window, music: Path
) -> None:
    view = window.library_view
    view.refresh()
    settle(qtbot, view)
    selection = view.table.selectionModel()
    for row in range(3):  # a, b, c: the three songs
        selection.select(
            view.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        )
    read: list[list[Path]] = []
    view.with_selected_paths(read.append)
    qtbot.waitUntil(lambda: bool(read), timeout=10_000)
    paths = read[0]
    assert [path.name for path in paths] == ["a.flac", "b.flac", "c.flac"]
    dialog = window.open_tag_dialog(TagScope.selection(paths))
    qtbot.addWidget(dialog)
    assert dialog.scope_label.text() == "Works on 3 selected tracks"
    dialog.mode.setCurrentIndex(dialog.mode.findData(Mode.REPLACE))
    dialog.threshold.setValue(0)
    qtbot.waitUntil(
        lambda: dialog.task is None and dialog.plan is not None and dialog.plan.min_confidence == 0.0,
        timeout=ANALYSIS_TIMEOUT_MS,
    )
    assert dialog.rows.rowCount() == 3  # what the scope says is what it will touch
    assert dialog.progress.isHidden()  # nothing running: no bar (a full one read as "done")
    rows = {Path(row.text(FILE)).name: row for row in tag_rows(dialog)}
    untouched = (music / "c.flac").read_bytes()
    rows["c.flac"].set_check_state(Qt.CheckState.Unchecked)
    rows["b.flac"].set_text(PROPOSED, "Bossa Nova; Jazz")  # the user's correction
    model_genre = rows["a.flac"].text(PROPOSED)
    assert rows["b.flac"].check_state() == Qt.CheckState.Checked
    assert {name: row.text(4) for name, row in rows.items()} == {  # each row says what Apply will do with it
        "a.flac": "write",
        "b.flac": "write: your choice",  # its Jazz stays
        "c.flac": "skip: left out",
    }

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert native_genres(music / "b.flac") == ["Bossa Nova", "Jazz"]
    assert native_genres(music / "a.flac") == [model_genre]
    assert (music / "c.flac").read_bytes() == untouched
    assert heading(dialog, 4) == "Result"
    assert dialog.status.text() == "2 written, 0 unchanged, 1 skipped, 0 failed"  # every file of the plan
    assert {name: row.text(4) for name, row in rows.items()} == {
        "a.flac": "written",
        "b.flac": "written",
        "c.flac": "skipped: left out",
    }
    with Journal() as journal:
        entries = {entry.path.name: entry for entry in journal.entries(dialog.last_report.run_id)}
    assert set(entries) == {"a.flac", "b.flac"}
    assert (entries["b.flac"].source, entries["b.flac"].new_genres) == (EntrySource.USER, ("Bossa Nova", "Jazz"))
    assert entries["a.flac"].source is EntrySource.MODEL

    dialog.last_report = None
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert dialog.status.text().startswith("Undo: 2 restored")
    assert {name: row.text(4) for name, row in rows.items()} == {
        "a.flac": "restored",
        "b.flac": "restored",
        "c.flac": "skipped: left out",
    }
    assert native_genres(music / "b.flac") == ["Jazz"]
    dialog.replan()  # a new preview, then Undo with nothing left to undo: the preview stands
    qtbot.waitUntil(lambda: dialog.task is None and dialog.plan is not None, timeout=ANALYSIS_TIMEOUT_MS)
    dialog.last_report = None
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert dialog.status.text().startswith("Undo: Nothing to undo.")
    assert dialog.plan is not None and dialog.apply_button.isEnabled()
    assert heading(dialog, 4) == "Action"
    dialog.close()
    settle(qtbot, view)  # closing the dialog refreshes the table: it shows the tags on disk again
    before = shown(view, Column.TAG_GENRE)
    assert before[:2] == ["Classical; Electronic; Pop; Rock", "Jazz"]

    with Journal() as journal, Library() as library:  # a run of `musictagger tag`, then Tools ▸ Undo last tagging run
        rock = Prediction("rock", 0.9, uncertain=False)
        report = apply_plan(make_plan({music / "c.flac": rock}, mode=Mode.REPLACE, min_confidence=0.5), journal)
        update_index(journal, report.run_id, library)
    view.refresh()
    settle(qtbot, view)
    assert shown(view, Column.TAG_GENRE) != before
    window.undo_tagging()
    qtbot.waitUntil(lambda: not window.background_runner.busy, timeout=ANALYSIS_TIMEOUT_MS)
    settle(qtbot, view)
    assert shown(view, Column.TAG_GENRE) == before  # the table read the restored tags


def test_a_saved_geometry_larger_than_the_screen_is_clamped_and_live_does_not_grow_the_window(qtbot, window) -> None:
    available = window.screen().availableGeometry()
    window.setGeometry(QRect(-300, 900, available.width() + 480, available.height() + 437))  # the 1280×1237
    window.settings.window_state = (window.saveGeometry(), window.saveState())
    window.restore_layout()  # as the next start does
    qtbot.waitUntil(lambda: available.contains(window.frameGeometry()), timeout=5_000)
    window.show_live()
    qtbot.wait(200)
    assert window.live_dock.isVisible()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)


def test_a_saved_layout_whose_side_docks_cut_their_panels_is_widened_at_the_next_start(qtbot, window) -> None:
    """A layout saved with the Result and Nearest matches docks at 54 pixels (a larger font's, or Qt's first layout
    on a small screen) showed their panels cut, with sideways scroll bars; the next start widens them."""
    dock = window.result_dock
    needed = dock.widget().fitting_width()
    window.resizeDocks([dock], [54], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: dock.width() < needed, timeout=5_000)
    window.settings.window_state = (window.saveGeometry(), window.saveState())
    window.restore_layout()  # as the next start does
    qtbot.waitUntil(lambda: dock.width() >= needed, timeout=5_000)


def test_matches_refresh_after_indexing_and_a_selected_track_shows_its_analysis(qtbot, window, tmp_path: Path) -> None:
    assert window.spectrogram.stack.empty and window.layers.stack.empty  # a message, not empty axes
    folder = tmp_path / "Music"
    songs = [write_song(folder / f"{seed}.flac", seconds=3.0, seed=seed) for seed in range(3)]
    window.open_paths([songs[0]])
    wait_until_settled(qtbot, window, 1)
    assert not window.spectrogram.stack.empty and not window.layers.stack.empty
    qtbot.waitUntil(lambda: window.matches.message.text() == NO_TRACK_TEXT, timeout=10_000)

    window.library.add_folders([folder])  # no reselection after this
    qtbot.waitUntil(lambda: window.matches.table.topLevelItemCount() == 2, timeout=ANALYSIS_TIMEOUT_MS)
    assert {window.matches.table.topLevelItem(i).text(PATH) for i in range(2)} == {str(songs[1]), str(songs[2])}

    view = window.library_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=10_000)  # the table followed the index too
    window.show_library_tracks()
    view.table.selectRow(2)
    qtbot.waitUntil(lambda: songs[2] in window.files.entries, timeout=10_000)
    wait_until_settled(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.files.current_entry().path == songs[2], timeout=10_000)
    assert window.genre.verdict.text() == window.files.current_entry().analysis.summary()


def test_the_matches_say_what_to_do_whole_and_which_case_it_is(qtbot, window, tmp_path: Path) -> None:
    """At a first start the empty library's message was cut ('… tracks another …', the rest in a tooltip) by a clause
    about tracks of another model, which an empty library has none of; and a library holding only the file shown
    was said to hold no track at all."""
    song = write_song(tmp_path / "Music" / "song.flac", seconds=3.0)
    window.open_paths([song])
    wait_until_settled(qtbot, window, 1)
    message = window.matches.message
    qtbot.waitUntil(lambda: message.text() == NO_TRACK_TEXT, timeout=10_000)
    assert message.toolTip() == ""  # shown whole

    window.library.add_folders([song.parent])  # the library now holds the file shown, and nothing else
    qtbot.waitUntil(lambda: message.text() == NO_OTHER_TRACK_TEXT, timeout=ANALYSIS_TIMEOUT_MS)


@pytest.mark.parametrize(("genre", "reason", "shown_confidence"), [("rock", None, "0.94"), (None, "not music", "")])
def test_a_track_without_a_genre_shows_no_confidence(
    genre: str | None, reason: str | None, shown_confidence: str
) -> None:
    """The probability of the nearest genre of a track that is none of them would read as certainty."""
    row = TrackRow(1, "/m/a.flac", "A", None, None, ("Rock",), genre, reason, 0.94, False, 60.0, None, Agreement.AGREES)

    assert cell_text(row, Column.CONFIDENCE) == shown_confidence


def test_an_empty_library_tab_says_to_add_a_music_folder_and_its_button_adds_one(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The empty Library tab said only "0 tracks"."""
    view = window.library_view
    window.show_library_tracks()
    settle(qtbot, view)
    assert view.stack.empty and view.stack.message.text() == NO_FOLDERS_TEXT
    assert view.stack.button.isVisible() and view.stack.button.text() == "Add a music folder…"

    folder = tmp_path / "Music"
    write_song(folder / "a.flac", seconds=3.0)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_args: str(folder))  # the user's choice
    view.stack.button.click()
    qtbot.waitUntil(lambda: not window.library_dock.visibleRegion().isEmpty(), timeout=5000)  # where it is indexed
    qtbot.waitUntil(lambda: not view.stack.empty and view.model.rowCount() == 1, timeout=ANALYSIS_TIMEOUT_MS)
    assert window.library.folder_paths() == [folder]


def test_the_library_tab_says_why_it_shows_no_track_and_offers_to_show_them_all(qtbot, window, tmp_path: Path) -> None:
    view = window.library_view
    window.show_library_tracks()
    folder = tmp_path / "Music"
    folder.mkdir()
    with Library() as library:  # a folder added, never indexed (as `musictagger index` cut short leaves it)
        library.add_roots([folder])
    window.library.refresh()
    qtbot.waitUntil(lambda: window.library.folder_paths() == [folder], timeout=10_000)
    view.refresh()
    settle(qtbot, view)
    assert view.stack.empty and view.stack.message.text() == NOT_INDEXED_TEXT
    assert view.stack.button.text() == "Index now"
    view.stack.button.click()
    assert window.library.indexing is not None  # the Music folders panel indexes, in front
    qtbot.waitUntil(lambda: window.library.indexing is None, timeout=ANALYSIS_TIMEOUT_MS)
    settle(qtbot, view)
    assert view.stack.message.text() == NOT_INDEXED_TEXT  # no audio there

    with Library() as library:  # a track of the folder, failed (as an unreadable file is indexed)
        library.store_error(str(folder / "broken.mp3"), FileStamp(10, 1), AnalysisKey("model", 1), "not audio")
    view.refresh()
    settle(qtbot, view)
    assert not view.stack.empty and view.model.rowCount() == 1

    view.find.setText("bjork")
    qtbot.waitUntil(lambda: view.stack.empty, timeout=10_000)
    assert view.stack.message.text() == "No track matches \u201cbjork\u201d."
    view.set_quick_filter(QuickFilter.DIFFERS)
    qtbot.waitUntil(lambda: "with the filter" in view.stack.message.text(), timeout=10_000)
    assert (
        view.stack.message.text()
        == "No track matches \u201cbjork\u201d with the filter \u201cDiffers from the model\u201d."
    )
    view.find.clear()
    qtbot.waitUntil(lambda: "bjork" not in view.stack.message.text(), timeout=10_000)
    assert view.stack.message.text() == "No track to show with the filter \u201cDiffers from the model\u201d."

    assert view.stack.button.text() == "Show all tracks"
    view.find.setText("bjork")
    view.stack.button.click()
    settle(qtbot, view)
    assert not view.stack.empty and view.model.rowCount() == 1
    assert view.find.text() == "" and view.quick_filter() is QuickFilter.ALL


def test_a_rows_context_menu_names_its_actions_for_the_selection_and_find_similar_searches_from_it(
    qtbot, window, music: Path
) -> None:
    """Right-click on selected rows: the menu's actions count the selection, and Find similar searches the library from
    the track's stored code (the menu raised AttributeError instead: it asked the view for the model's field)."""
    view = window.library_view
    window.show_library_tracks()
    view.refresh()
    settle(qtbot, view)
    view.table.selectRow(0)
    view.table.selectionModel().select(
        view.model.index(1, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    viewport = view.table.viewport()
    where = view.table.visualRect(view.model.index(0, 0)).center()
    QApplication.sendEvent(
        viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, viewport.mapToGlobal(where))
    )
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    menu = QApplication.activePopupWidget()
    actions = {action.text(): action for action in menu.actions() if not action.isSeparator()}
    assert list(actions) == [
        "Find &similar",
        "&Tag genres of 2 tracks…",
        "&Play / pause",
        "Show in &folder",
        "&Re-analyse 2 tracks",
        "Cop&y 2 tracks",
        "Save 2 tracks as a play&list…",
        "Show &columns",
    ]

    actions["Find &similar"].trigger()
    menu.close()
    qtbot.waitUntil(lambda: window.matches.table.topLevelItemCount() == 2, timeout=10_000)  # the other two tracks
    assert window.matches.query == music / "a.flac"
    assert {window.matches.table.topLevelItem(i).text(PATH) for i in range(2)} == {
        str(music / "b.flac"),
        str(music / "c.flac"),
    }


def test_find_similar_is_disabled_on_a_track_that_failed_and_says_why(qtbot, window, music: Path) -> None:
    """A file that could not be analysed has no code: its menu's Find similar did nothing when chosen, silently."""
    view = window.library_view
    window.show_library_tracks()
    view.refresh()
    settle(qtbot, view)
    paths = view.model.paths(list(range(view.model.rowCount())))
    broken = paths.index(music / "d.mp3")
    view.table.selectRow(broken)
    viewport = view.table.viewport()
    where = view.table.visualRect(view.model.index(broken, 0)).center()
    QApplication.sendEvent(
        viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, viewport.mapToGlobal(where))
    )
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
    menu = QApplication.activePopupWidget()
    actions = {action.text(): action for action in menu.actions()}
    similar = actions["Find &similar"]
    assert not similar.isEnabled() and menu.toolTipsVisible()
    error = view.model.row(broken)[0].error
    assert similar.toolTip() == f"{NO_CODE_TEXT} ({error})"
    assert actions["&Re-analyse 1 track"].isEnabled()  # what can be done about it
    menu.close()


def test_a_sort_or_a_filter_says_it_is_running_until_its_tracks_arrive(qtbot, qtlog) -> None:
    """A click on a heading turned its arrow, and nothing else happened while the worker sorted (0.2-1 s at 100,000
    tracks, bench/sort_order.py): the old rows stayed as they were, as if the click had done nothing.  Until the
    tracks arrive, the line below the table says what is being done and the table shows a busy cursor."""
    with Library() as library:
        store_names(library, {f"/music/{i}.flac": (f"Track {i}", None, None, ()) for i in (1, 2, 10)})
    view = LibraryView(TaskRunner("library view"))
    assert not [r.message for r in qtlog.records if "dynamic method" in r.message]  # the viewport's, connected once
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, view)
    viewport = view.table.viewport()
    assert view.counts.text() == "3 tracks" and viewport.cursor().shape() == Qt.CursorShape.ArrowCursor

    view.table.sortByColumn(COLUMNS.index(Column.TITLE), Qt.SortOrder.DescendingOrder)
    assert view.counts.text() == "Sorting by Title\u2026"  # before: "3 tracks", and an arrow
    assert viewport.cursor().shape() == Qt.CursorShape.BusyCursor
    settle(qtbot, view)
    assert shown(view, Column.TITLE) == ["Track 10", "Track 2", "Track 1"]
    assert view.counts.text() == "3 tracks" and viewport.cursor().shape() == Qt.CursorShape.ArrowCursor

    view.set_quick_filter(QuickFilter.FAILED)
    assert view.counts.text() == "Finding the tracks\u2026"
    assert viewport.cursor().shape() == Qt.CursorShape.BusyCursor
    settle(qtbot, view)
    assert view.model.rowCount() == 0 and viewport.cursor().shape() == Qt.CursorShape.ArrowCursor
    view.shutdown()


def test_a_narrow_library_tab_keeps_its_find_box_wide_enough_to_read(qtbot) -> None:
    """In a narrow Library tab (270 pixels in an 800-pixel window; as narrow in a 1024-pixel one in a 14-point font)
    the quick filter kept the width of its longest choice, "Differs from the model", and the find box got what was
    left: "Fin…", the text typed in it out of sight.  The quick filter now gives up its room first, its choice cut."""
    view = LibraryView(TaskRunner("library view"))
    qtbot.addWidget(view)
    view.resize(270, 400)
    view.show()
    settle(qtbot, view)
    least = FIND_LEAST_CHARS * view.find.fontMetrics().averageCharWidth()
    assert view.find.width() >= least
    assert view.filter.width() < view.filter.sizeHint().width()  # it gave up its room, its text cut
    view.resize(900, 400)  # a wide tab: the quick filter whole again
    qtbot.waitUntil(lambda: view.filter.width() >= view.filter.sizeHint().width(), timeout=5000)
    view.shutdown()

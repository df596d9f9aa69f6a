"""What a user meets after an hour with the window open: lists cleared and filled again, dialogs opened and closed
many times, thousands of library rows selected.  Counted, not timed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from musictagger.gui import plan_table
from musictagger.gui.file_list import FileEntry, FileList
from musictagger.gui.library_view import LibraryView
from musictagger.gui.plan_table import FILE, preview_table, text_order
from musictagger.gui.settings import Settings
from musictagger.gui.tag_dialog import TagDialog, TagScope
from musictagger.gui.tasks import TaskRunner
from musictagger.library import Library
from musictagger.library.store import AnalysisKey, FileStamp
from musictagger.tagging.plan import Prediction, make_plan
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, write_song

TRACKS = 2000


def test_clearing_the_file_list_announces_none_of_the_files_removed(qtbot, tmp_path: Path) -> None:
    """Each removal of the current row made the next one current and announced it, a file about to go too: the
    window showed it and analysed it again when its details had been dropped (a hundred removed files analysed
    ahead of the next ones dropped, after clearing a list of 450)."""
    files = FileList()
    qtbot.addWidget(files)
    paths = [tmp_path / f"{i}.wav" for i in range(6)]
    files.add([(path, None) for path in paths])  # the first is made current
    announced: list[FileEntry | None] = []
    files.entrySelected.connect(announced.append)

    files.remove(paths[:2])
    shown = [entry.path if entry else None for entry in announced]
    assert not set(shown) & set(paths[:2]), f"files removed were announced: {shown}"
    assert shown == [paths[2]]  # the row current now, once

    announced.clear()
    files.remove(paths[3:5])  # not the current one: nothing to announce
    assert announced == []

    files.selectAll()
    files.remove(files.selected_paths())
    assert announced == [None]
    assert not files.entries and files.topLevelItemCount() == 0
    assert not files.remove_action.isEnabled()


def test_a_dialog_closed_is_deleted_once_its_work_has_ended(qtbot, window, tmp_path: Path) -> None:
    """Tag genres, Learn from my tags and Personal models stayed the window's children once closed, each with all it
    had read, until the window quit: 50 openings of each over a 100,000-track library took it from 191 MB to 933 MB."""

    def close_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, close_when_shown)
        else:
            dialog.reject()  # at once: the Tag dialog's analysis and the models' listing still run

    for _ in range(3):
        for open_it in (
            lambda: window.tag_scope(TagScope.selection([tmp_path / "gone.flac"])),
            window.learn_from_tags,
            window.choose_model,
        ):
            QTimer.singleShot(0, close_when_shown)
            open_it()
    qtbot.waitUntil(lambda: not window.findChildren(QDialog), timeout=10_000)


def test_a_tag_dialog_closed_while_it_writes_says_what_it_wrote_before_it_goes(
    qtbot, window, tmp_path: Path, message_boxes: list[str]
) -> None:
    """Closed while Apply writes, the dialog stays until the run has stopped, so that what it wrote is said."""
    songs = [write_song(tmp_path / "to-tag" / f"{seed}.flac", seconds=3.0, seed=seed) for seed in range(3)]
    closed_while_writing: list[bool] = []

    def apply_then_close() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.task is not None or dialog.proposals is None:
            QTimer.singleShot(20, apply_then_close)
            return
        dialog.apply_button.click()
        closed_while_writing.append(dialog.task is not None)
        dialog.reject()  # Esc

    QTimer.singleShot(0, apply_then_close)
    window.tag_scope(TagScope.selection(songs))
    assert closed_while_writing == [True]
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=ANALYSIS_TIMEOUT_MS)
    assert message_boxes[0].startswith("Tag genres: ")  # said, as before the dialog went at all
    qtbot.waitUntil(lambda: not window.findChildren(TagDialog), timeout=10_000)  # the box, recorded, stays


@pytest.fixture
def many_tracks() -> None:
    """:data:`TRACKS` indexed tracks, stored as failed (the cheapest rows to write)."""
    with Library() as library:
        for i in range(TRACKS):
            library.store_error(f"/music/{i:05}.flac", FileStamp(i, i), AnalysisKey("model", 1), "not audio")


@pytest.fixture
def library_view(qtbot, many_tracks: None) -> LibraryView:
    """The Library tab over :data:`TRACKS` indexed tracks, shown."""
    view = LibraryView(TaskRunner("library view"))
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == TRACKS, timeout=10_000)
    yield view
    view.shutdown()


def test_painting_the_header_over_a_large_selection_asks_about_no_row(qtbot, library_view: LibraryView) -> None:
    """Each paint of the header asked, for every column, whether each row was selected: with 100,000 tracks
    selected, select all, widening a column or the mouse over the header held the window 0.7 s each time."""
    model, header = library_view.model, library_view.table.horizontalHeader()
    asked = []
    row_count = model.rowCount
    model.rowCount = lambda *parent: asked.append(1) or row_count(*parent)
    library_view.table.selectAll()
    assert library_view.selected_count() == TRACKS
    asked.clear()
    header.repaint()
    assert len(asked) < TRACKS  # before: a question per row and column


def test_tagging_a_large_selection_reads_no_row_on_the_ui_thread(qtbot, window, many_tracks: None) -> None:
    """Ctrl+T on the Library tab read the selected tracks' paths on the UI thread, a page of rows at a time: with
    100,000 selected, the window froze 2.5 s of its own time (7 s on a busy machine) before the Tag dialog opened."""
    view = window.library_view
    window.show_library_tracks()
    view.refresh()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == TRACKS, timeout=10_000)
    read_here: set[int] = set()
    row = view.model.row
    view.model.row = lambda index: read_here.add(index) or row(index)
    view.table.selectAll()
    scopes: list[str] = []

    def close_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, close_when_shown)
        else:
            scopes.append(dialog.scope_label.text())
            dialog.reject()

    QTimer.singleShot(0, close_when_shown)
    qtbot.keyClick(view.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(scopes), timeout=10_000)
    assert scopes == [f"Works on {TRACKS:,} selected tracks"]
    assert len(read_here) < TRACKS // 10  # the rows painted, not every row selected


def test_a_large_plan_is_sorted_by_name_with_one_key_a_file(qtbot, monkeypatch, tmp_path: Path) -> None:
    """The Tag dialog's table made both sort keys at each comparison of its sort, some 2·log2(n) a file: a
    plan of 20,000 files held the window 1.7-1.9 s of its own CPU time (5-14 s on a busy machine) at each new plan,
    a move of the threshold included."""
    names = [f"{i} track.flac" for i in range(300)]
    plan = make_plan({tmp_path / name: Prediction("jazz", 0.8, False) for name in reversed(names)})
    dialog = TagDialog(TagScope.selection([]), Settings(), TaskRunner("tag"))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=10_000)
    made: list[str] = []
    monkeypatch.setattr(plan_table, "text_order", lambda text: made.append(text) or text_order(text))
    dialog._planned(preview_table(plan))  # as when the plan arrives from its worker
    assert [dialog.rows.index(i, FILE).data() for i in range(len(names))] == names  # 2 before 10, as before
    assert len(made) == len(names)  # before: two a comparison, thousands

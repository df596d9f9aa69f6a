"""What a user meets after an hour with the window open: lists cleared and filled again, dialogs opened and closed
many times, thousands of library rows selected.  Counted, not timed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from musictagger.gui.file_list import FileEntry, FileList
from musictagger.gui.tag_dialog import TagScope


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

"""Closing the window, or a panel going away, while background work is under way: what was on its way to a
widget is dropped, not delivered to a closed window or a deleted widget."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from musictagger.gui.library_panel import LibraryPanel
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import TaskRunner


def test_a_library_reading_that_arrives_after_its_panel_was_deleted_is_dropped(qtbot) -> None:
    """The library's state read for the Music folders panel reached it after the window had been deleted:
    "QListWidget already deleted" (a teardown error in one of four runs of the window's tests)."""
    io, background = TaskRunner("io"), TaskRunner("background")
    panel = LibraryPanel(background, io, Settings())
    qtbot.waitUntil(lambda: not io.busy)  # its first reading is shown
    panel.refresh()  # starts at once on the idle runner
    panel.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # deleted before the reading comes back
    qtbot.waitUntil(lambda: not io.busy)  # the reading's outcome arrives: shown nowhere
    assert io.shutdown() and background.shutdown()


def test_what_was_on_its_way_to_a_closed_window_is_dropped(qtbot, window, tmp_path: Path) -> None:
    """A closed window is deleted next: a result reaching it then would start more work, or pop up a message,
    after the window has gone."""
    qtbot.waitUntil(lambda: not window.io_runner.busy)
    window.library.refresh(add=[tmp_path])  # starts at once on the idle runner: adds the folder, reads the library
    window.close()  # waits for the worker: the folders it read are on their way to the panel
    qtbot.waitUntil(lambda: not window.io_runner.busy)
    assert window.library.folder_paths() == []

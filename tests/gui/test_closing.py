"""Closing the window: by Ctrl-C, SIGTERM or SIGHUP as by Quit, and while background work is under way (what was on its
way to a widget is dropped, not delivered to a closed window or a deleted widget)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from musictagger.gui.library_panel import LibraryPanel
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from tests.gui.conftest import write_song


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


def test_work_that_outlives_the_windows_wait_for_it_ends_without_a_traceback(qtbot, capfd) -> None:
    """Closing, the window waits 5 s for its runners' work; work that takes longer (a learning fold over a large
    library, the write of a long recording) goes on, and as it reported progress or ended, it met the objects PySide
    deletes as the program ends: 'Error calling Python override of QRunnable::run()' and two tracebacks on the
    terminal.  What it reports then goes nowhere."""
    runner, owner, release = TaskRunner("slow"), QObject(), threading.Event()

    def work(task: Task) -> int:
        release.wait(timeout=30)
        task.progress(1, milestone=True)
        return 1

    runner.run(work, owner=owner, on_done=lambda _result: None, on_error=lambda _error: None, on_progress=print)
    assert not runner.shutdown(timeout_ms=0)  # still at work: the window closes all the same
    for relay in list(runner._active.values()):  # as PySide deletes every object when the program ends
        shiboken6.delete(relay)
    release.set()
    qtbot.waitUntil(lambda: runner.shutdown(timeout_ms=0), timeout=30_000)

    assert "Error" not in capfd.readouterr().err


SHOWN = "the window is shown"
START_WINDOW = f"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from musictagger.cli.entry import musictagger_gui

app = QApplication(sys.argv)  # the program's own, which it takes as it finds it
QTimer.singleShot(0, lambda: print({SHOWN!r}, flush=True))  # once the event loop runs: the window is shown
sys.exit(musictagger_gui())
"""
"""``musictagger-gui FILE`` through its entry point, saying on stdout when its window is shown."""


def as_from_a_terminal() -> None:
    """In the child: Ctrl-C, SIGTERM and SIGHUP at their defaults, as a program a terminal starts has them (a test run
    under ``nohup`` ignores SIGHUP, started in the background SIGINT, and a child inherits what is ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_ctrl_c_or_sigterm_closes_the_window_as_quit_does(tmp_path: Path, number: signal.Signals) -> None:
    """Ctrl-C in the terminal did nothing to a running window: Python's handler never ran while Qt's event loop
    waited, and at the next Python callback it printed a KeyboardInterrupt's traceback, the window still open.
    SIGHUP (the terminal the window was started from closed) ended it on the spot, its layout not saved."""
    song = write_song(tmp_path / "band.flac")  # being analysed when the signal comes
    window = subprocess.Popen(
        [sys.executable, "-c", START_WINDOW, str(song)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal gives a program
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        preexec_fn=as_from_a_terminal,  # the tests run under nohup too, whose ignored SIGHUP the window would keep
    )
    try:
        assert window.stdout.readline().strip() == SHOWN
        os.killpg(window.pid, number)  # as a terminal's Ctrl-C: to the analysis process too
        _output, errors = window.communicate(timeout=60)
    finally:
        if window.poll() is None:
            os.killpg(window.pid, signal.SIGKILL)
            window.communicate()
    assert window.returncode == 128 + number, errors  # as a shell gives a program the signal ends: 130, 143, 129
    assert "interrupted" in errors.splitlines() and "Traceback" not in errors and "Fatal" not in errors, errors
    geometry, layout = Settings().window_state  # saved at close, as Quit saves them
    assert geometry is not None and layout is not None


def test_a_window_deleted_unclosed_with_the_live_panel_beside_tabbed_docks_raises_nothing(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script that ended without closing the window: as the window was deleted, its Live dock hid and the right
    side went to split the Result and Nearest matches tabs again, on the deleted window ("Internal C++ object
    (MainWindow) already deleted" at the interpreter's exit)."""
    from musictagger.gui.app import create_window

    window = create_window([])
    window.show_live()
    qtbot.waitUntil(window.live_dock.isVisible)
    window.tabifyDockWidget(window.result_dock, window.matches_dock)  # as on a short screen (RightSide._make_room)
    window.right_side.tabbed_for_live = True
    for part in (window.live, window.library, window.analyser, window.library_view):
        part.shutdown()  # its workers and process stopped, as closing would; the window itself is not closed
    for runner in (window.analysis_runner, window.io_runner, window.background_runner, window.learn_runner):
        runner.shutdown()
    raised: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda _kind, error, _traceback: raised.append(error))
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert raised == []

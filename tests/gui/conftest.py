"""The real window, offscreen, with real generated audio: fixtures for the GUI tests.

Every window is built by :func:`musictagger.gui.app.create_window`, the app's own way in,
under the isolated user dirs of the root conftest (settings, library and journal included).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import PySide6.QtMultimedia  # noqa: F401 — loaded here, before any test's threads: see below
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.audio.signals import chirp, music, write

# The platform is chosen once per process, before the QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# QtMultimedia is loaded before any test starts a thread.  The window loads it at its first Play, holding the dynamic
# loader's lock while the library logs a line through Qt, which pytest-qt's Python message handler takes: it waited for
# the GIL, held by the Live panel's device scan (sounddevice's cffi calls keep the GIL) waiting in dlsym for the
# loader's lock, and the test hung until pytest-timeout (a CI run, 2026-12-06; py-spy showed both threads).  The app
# installs no Python message handler, so it does not meet this; loading the library at the window's start would print
# the library's notes on every start.

SR = 22050
ANALYSIS_TIMEOUT_MS = 120_000


def write_song(path: Path, *, kind: str = "flac", seconds: float = 6.0, seed: int = 0) -> Path:
    """A short real audio file: chord and drums for even seeds, a rising sweep for odd ones."""
    path.parent.mkdir(parents=True, exist_ok=True)
    y = music(sr=SR, seconds=seconds, seed=seed) if seed % 2 == 0 else chirp(80.0, 6000.0, sr=SR, seconds=seconds)
    return write(path, y, SR, kind)


def drop(widget: QWidget, paths: list[Path]) -> None:
    """Drag ``paths`` over ``widget`` and drop them, as a file manager would: file URLs in QMimeData.

    Qt passes drag events a child does not take up to its parents, so any widget of the
    window is a drop target.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (
        QDragEnterEvent(centre.toPoint(), Qt.DropAction.CopyAction, mime, buttons, modifiers),
        QDropEvent(centre, Qt.DropAction.CopyAction, mime, buttons, modifiers),
    ):
        QApplication.sendEvent(widget, event)
        assert event.isAccepted(), f"{widget} refused the {event.type().name}"


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record the window's message boxes instead of showing them.

    A modal box would wait forever for a click in an offscreen test; recorded, an error box
    the test did not expect fails the test instead (at teardown, with its text).
    """
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    warnings: list[str] = []

    def record(box: QMessageBox) -> None:
        is_warning = box.icon() == QMessageBox.Icon.Warning
        (warnings if is_warning else shown).append(f"{box.windowTitle()}: {box.text()}")

    monkeypatch.setattr(QMessageBox, "open", record)
    yield shown
    assert not warnings, f"the window showed error messages: {warnings}"


def give_sound_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the window play as to a sound card where Qt finds none (offscreen, no sound server: its player then plays
    silently, which is all a test of where playback starts or pauses needs); the window itself refuses to play then,
    saying why (test_play_says_why_a_file_cannot_be_played)."""
    from PySide6.QtMultimedia import QAudioDevice, QMediaDevices

    if not QMediaDevices.audioOutputs():
        monkeypatch.setattr(QMediaDevices, "audioOutputs", staticmethod(lambda: [QAudioDevice()]))


@pytest.fixture
def sound_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window plays, sound card or not (:func:`give_sound_output`)."""
    give_sound_output(monkeypatch)


@pytest.fixture
def window_model() -> Path | None:
    """The model the ``window`` fixture's window uses: None for the shipped one; a test module
    overrides this fixture to open the window on another (e.g. one that says "unknown")."""
    return None


@pytest.fixture
def window(qtbot, window_model: Path | None, monkeypatch: pytest.MonkeyPatch):
    """The main window, shown, with nothing queued; closed (workers stopped) afterwards."""
    from musictagger.gui.app import create_window
    from musictagger.model.runtime import MODEL_ENV_VAR

    if window_model is not None:
        monkeypatch.setenv(MODEL_ENV_VAR, str(window_model))  # the window, its tag dialog and workers
    created = create_window([])
    qtbot.addWidget(created)
    yield created
    created.close()


def wait_until_settled(qtbot, window, count: int) -> None:
    """Wait until ``count`` files are listed, none is queued or analysing, and every spectrogram is drawn."""
    from musictagger.gui.file_list import State

    def settled() -> None:
        entries = list(window.files.entries.values())
        assert len(entries) == count
        assert all(e.state in (State.DONE, State.FAILED) for e in entries), [e.status for e in entries]
        assert not window.analysis_runner.busy

    qtbot.waitUntil(settled, timeout=ANALYSIS_TIMEOUT_MS)


@pytest.fixture
def songs(tmp_path: Path) -> Iterator[list[Path]]:
    """Two real files of different sound and format."""
    yield [
        write_song(tmp_path / "in" / "band.flac", seed=0),
        write_song(tmp_path / "in" / "sweep.mp3", kind="mp3", seed=1),
    ]


@pytest.fixture(autouse=True)
def machinery_on_the_first_model(first_model_as_default: Path) -> None:
    """The window's tests drive it with generated audio, which the shipped model calls "not music"."""

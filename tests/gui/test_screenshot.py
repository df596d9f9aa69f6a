"""A screenshot of the main window with a result, on a real X server (Xvfb), saved for people to look at.

It runs in its own process under ``xvfb-run``: a process picks its Qt platform once, and the
other GUI tests use ``offscreen``; this one exercises the ``xcb`` platform (and its system
libraries, which the Makefile installs) the way a Linux desktop user runs the app.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from musictagger.model.runtime import load_model
from tests.gui.conftest import write_song

SCREENSHOT = Path(__file__).resolve().parents[2] / "reports" / "screenshots" / "main-window.png"


@pytest.fixture(autouse=True)
def machinery_on_the_first_model() -> None:
    """The screenshot shows what a user sees: the shipped model (overrides the window tests' first model)."""


def render_under_xvfb(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of this folder's render scripts in a real X server (Xvfb, 1600×1000), as a user's window runs."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "OMP_NUM_THREADS": "1"}
    command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, str(Path(__file__).with_name(script))]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (make test installs it)")
def test_screenshot_of_the_window_with_a_result(tmp_path: Path) -> None:
    music = tmp_path / "Music"
    song = write_song(music / "Chord and drums.flac", seconds=75.0)
    others = [
        write_song(music / "Chord and drums (MP3 copy).mp3", kind="mp3", seconds=75.0),
        write_song(music / "Sweep.ogg", kind="ogg-vorbis", seconds=20.0, seed=1),
    ]
    completed = render_under_xvfb("render_screenshot.py", str(SCREENSHOT), str(song), str(music))
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = json.loads(completed.stdout.strip().splitlines()[-1])
    expected = load_model().analyze_file(song)
    assert shown.pop("matches")[0] == str(others[0])  # the same music, re-encoded, is the nearest
    assert shown.pop("verdict").lower() == expected.summary().lower()  # an unknown verdict is shown as a sentence
    assert shown == {"code": expected.code_hex, "platform": "xcb"}
    image = QImage(str(SCREENSHOT))
    assert (image.width(), image.height()) == (1400, 860)
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB888).constBits(), dtype=np.uint8)
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 500  # a rendered spectrogram, not a blank window


LIBRARY_SCREENSHOT = SCREENSHOT.with_name("library-view.png")
LIBRARY = [  # file, title, artist, genre tags, seed (even: chords and drums; odd: a sweep)
    ("01 Morning.flac", "Morning", "The Testers", ["Rock"], 0),
    ("02 Sweep.ogg", "Sweep", "Oscillators", ["Ambient"], 1),
    ("03 Evening.mp3", "Evening", "The Testers", [], 2),
    ("04 Rise.flac", "Rise", "Oscillators", ["Electronic"], 3),
    ("05 Night.flac", "Night", "Chord Club", ["Classical", "Pop"], 4),
    ("06 Dawn.mp3", "Dawn", "Chord Club", [], 6),
]


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (make test installs it)")
def test_screenshot_of_the_library_view(tmp_path: Path, first_model_as_default: Path) -> None:
    """The Library tab on generated files, indexed with the first model (the shipped one rightly calls
    generated chords "not music"; this picture is about the table: tags, verdicts, agreement)."""
    from musictagger.gui.library_view import COLUMNS, cell_text
    from musictagger.library import Column, Library, TrackQuery
    from tests.tagging.media import pretag

    music = tmp_path / "Music"
    for name, title, artist, genres, seed in LIBRARY:
        kind = {"flac": "flac", "ogg": "ogg-vorbis", "mp3": "mp3"}[name.rsplit(".", 1)[1]]
        pretag(write_song(music / name, kind=kind, seconds=4.0, seed=seed), genres=genres, title=title, artist=artist)
    (music / "07 Broken.mp3").write_bytes(b"not an mp3" * 100)
    completed = render_under_xvfb("render_library_screenshot.py", str(LIBRARY_SCREENSHOT), str(music))
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = json.loads(completed.stdout.strip().splitlines()[-1])
    with Library() as library:  # the user dirs the subprocess indexed into
        rows = library.track_rows(library.track_ids(TrackQuery(sort=Column.AGREEMENT, descending=True)))
    assert shown == [[cell_text(row, column) for column in COLUMNS] for row in rows]
    assert len(shown) == 7 and {row[COLUMNS.index(Column.AGREEMENT)] for row in shown} >= {"tag missing", "failed"}
    image = QImage(str(LIBRARY_SCREENSHOT))
    assert (image.width(), image.height()) == (1400, 860)


LEARN_SCREENSHOT = SCREENSHOT.with_name("learn-dialog.png")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (make test installs it)")
def test_screenshot_of_the_learn_dialog(indexed_styles) -> None:
    """Library ▸ Learn from my tags… with its report, on the personal-model tests' generated library."""
    from musictagger.personal import store

    completed = render_under_xvfb("render_learn_screenshot.py", str(LEARN_SCREENSHOT), "3")
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = json.loads(completed.stdout.strip().splitlines()[-1])
    (saved,) = store.list_models()  # learned by the subprocess, in this test's user dirs; not made active
    assert saved.active is False and store.active_model() is None
    labels = [row[0] for row in shown["survey"]]
    assert labels[: len(saved.labels)] == list(saved.labels) and set(labels[len(saved.labels) :]) == {"Rock", "Jazz"}
    assert [(row[0], row[1]) for row in shown["scores"]] == [
        (label, str(saved.counts[label])) for label in saved.labels
    ]
    assert shown["platform"] == "xcb"
    image = QImage(str(LEARN_SCREENSHOT))
    assert (image.width(), image.height()) == (900, 820)

"""Music of the library played into the microphone: the live panel shows that track as the first match.

The window runs the shipped model; the library holds generated pieces indexed by the core, and one of
them is played in real time through the PulseAudio virtual microphone into the panel, whose code (of
what it heard, smoothed over its steps) goes through the library's search.  How the codes fare through
a room is tested on the model itself (tests/model/test_shipped_model.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from musictagger.gui.matches_view import DISTANCE, PLAYING_TEXT
from musictagger.library import index_folders
from musictagger.live import LiveState
from musictagger.model.location import model_file
from musictagger.model.runtime import DEFAULT_MODEL_NAME
from tests.audio.signals import piece, write
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS
from tests.gui.test_live_panel import play_into_the_panel

SR = 44100
PIECES = 8
PLAYED = 3


@pytest.fixture
def window_model() -> Path:
    return model_file(DEFAULT_MODEL_NAME)


def test_a_library_track_played_into_the_microphone_is_the_first_match(
    qtbot, window, virtual_microphone: str, tmp_path: Path
) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    paths = [
        write(folder / f"piece-{seed}.wav", np.stack([piece(seed, sr=SR, seconds=20.0)] * 2), SR, "wav-pcm16")
        for seed in range(PIECES)
    ]
    summary = index_folders([folder], model_path=model_file(DEFAULT_MODEL_NAME), workers=1)
    assert summary.analysed == len(paths) and not summary.failed

    results = play_into_the_panel(qtbot, window, virtual_microphone, paths[PLAYED])
    assert any(r.state is LiveState.RECOGNISED for r in results), [r.state for r in results]
    matches = window.live.matches
    qtbot.waitUntil(lambda: matches.table.topLevelItemCount() > 0, timeout=ANALYSIS_TIMEOUT_MS)
    table = matches.table
    shown = [table.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(table.topLevelItemCount())]
    assert shown[0] == str(paths[PLAYED]), shown
    # near enough, and nearer than the others, to be named as what plays (the model's recognition policy)
    assert matches.message.text().startswith(PLAYING_TEXT[True]), matches.message.text()
    distances = [table.topLevelItem(i).text(DISTANCE) for i in range(table.topLevelItemCount())]
    assert distances[0].endswith(" (playing)") and not any("playing" in d for d in distances[1:]), distances

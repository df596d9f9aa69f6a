"""The live pipeline end to end, fed by a real file played at real-time speed through the source seam."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.capture import FileSource
from musictagger.errors import FileError
from musictagger.live import LiveRecognizer, LiveSettings, LiveState
from musictagger.live.recorder import Recorder
from musictagger.model.runtime import analyze, load_model
from tests.audio.signals import music, write

SR = 44100


def run_live(source: FileSource, settings: LiveSettings, steps: int) -> list:
    """Step the recogniser every ``interval_s`` of wall time, as the window's worker does."""
    recognizer = LiveRecognizer(load_model(), source, settings)
    source.start()
    results, started = [], time.monotonic()
    try:
        for step in range(1, steps + 1):
            time.sleep(max(0.0, started + step * settings.interval_s - time.monotonic()))
            results.append(recognizer.step())
    finally:
        source.stop()
    return results


def test_a_file_played_in_real_time_is_recognised_like_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "live.flac", np.stack([music(sr=SR, seconds=8.0, seed=3)] * 2), SR, "flac")
    results = run_live(FileSource(path), LiveSettings(interval_s=1.0, start_after_s=3.0), steps=6)

    assert [r.state for r in results[:2]] == [LiveState.WAITING] * 2
    assert all(r.state is LiveState.RECOGNISED for r in results[3:])
    heard = [r.heard_s for r in results]
    # Real-time pace, not the whole file at once: a second in, a second or so was heard (a busy machine
    # may step late, so the later steps' lag is not asserted), and more as time goes on.
    assert heard == sorted(heard) and heard[0] < 3.0 and heard[-1] >= 4.0
    last = results[-1]
    assert last.genre == analyze(path).genre
    assert sum(s.probability for s in last.ranking) == pytest.approx(1.0, abs=1e-5)
    assert len(last.code_hex) == 16 and last.analysed_s == pytest.approx(last.heard_s, abs=0.2)
    assert -30 < last.level_dbfs < -10


def test_silence_is_called_quiet_not_a_genre(tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(SR * 3, np.float32), SR)
    source = FileSource(path, realtime=False)
    source.start()
    source.wait()
    result = LiveRecognizer(load_model(), source, LiveSettings(start_after_s=1.0)).step()
    assert result.state is LiveState.QUIET and result.genre is None
    assert result.summary() == "too quiet to tell"


def test_recording_saves_exactly_what_was_heard(tmp_path: Path) -> None:
    y = np.stack([music(sr=SR, seconds=3.0, seed=1), music(sr=SR, seconds=3.0, seed=2)])
    path = write(tmp_path / "heard.wav", y, SR, "wav-float")
    source = FileSource(path, realtime=False, block_frames=4096)
    recorder = Recorder(source)
    source.start()
    source.wait()
    with pytest.raises(FileError, match="cannot save the recording"):
        recorder.save(tmp_path / "out" / "recording.wav")  # no such folder yet: nothing is lost
    (tmp_path / "out").mkdir()
    saved = recorder.save(tmp_path / "out" / "recording.wav")
    recorded, rate = sf.read(saved, dtype="float32", always_2d=True)
    assert rate == SR and recorder.lost_frames == 0
    np.testing.assert_array_equal(recorded.T, y)
    assert not list((tmp_path / "out").glob("*.part"))

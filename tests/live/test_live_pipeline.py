"""The live pipeline end to end, fed by a real file played at real-time speed through the source seam."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.augment import room_capture
from musictagger.audio.capture import FileSource
from musictagger.cli import listen
from musictagger.errors import FileError
from musictagger.library import Library, find_similar, index_folders
from musictagger.live import LiveRecognizer, LiveSettings, LiveState
from musictagger.live.recorder import Recorder
from musictagger.model.runtime import analyze, load_model
from tests.audio.signals import music, piece, write
from tests.processes import limited_to

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


def test_a_first_verdict_asked_before_a_second_is_heard_waits_for_the_second(tmp_path: Path) -> None:
    """listen --start-after 0 (or 0.5) ended at its first step in 'error: pulse: only 0.255 s of audio; at least 1 s
    is needed': the model's shortest audio, which a file must have, came before the start asked for."""
    source = FileSource(write(tmp_path / "half.wav", music(sr=SR, seconds=0.5), SR, "wav-float"), realtime=False)
    source.start()
    source.wait()
    result = LiveRecognizer(load_model(), source, LiveSettings(start_after_s=0.0)).step()
    assert result.state is LiveState.WAITING and result.heard_s == pytest.approx(0.5)


def test_music_that_stopped_is_called_quiet_though_the_window_still_holds_it(tmp_path: Path) -> None:
    """The music stopped 4 s ago: too quiet to tell, not the verdict of the music still in the 29-s window (the
    panel named it for up to 29 s of silence); a 2-s pause between songs keeps the verdict."""
    model, tune = load_model(), music(sr=SR, seconds=6.0, seed=3)

    def heard_with_silence_after(seconds: float) -> LiveState:
        y = np.concatenate([tune, np.zeros(round(SR * seconds), np.float32)])
        source = FileSource(write(tmp_path / f"{seconds}.wav", y, SR, "wav-float"), realtime=False)
        source.start()
        source.wait()
        return LiveRecognizer(model, source, LiveSettings(start_after_s=1.0)).step().state

    assert heard_with_silence_after(4.0) is LiveState.QUIET
    assert heard_with_silence_after(2.0) is LiveState.RECOGNISED


def test_the_song_after_a_pause_is_heard_alone_not_with_the_one_before(tmp_path: Path) -> None:
    """Two library pieces played one after the other with a 4-s gap, as between songs: the window still held the
    first, and after the gap the panel and listen went on naming it the nearest track for 12 s of the next (an Emotify
    rock track then a classical one through PulseAudio).  After the pause the recogniser waits ``start_after_s`` as at
    the start, then its code is that of the next piece heard alone, and the library names that piece."""
    (tmp_path / "Music").mkdir()
    first, after = piece(0, sr=SR, seconds=15.0), piece(1, sr=SR, seconds=6.0)
    paths = [write(tmp_path / "Music" / f"{seed}.flac", y, SR, "flac") for seed, y in enumerate([first, after])]
    index_folders([tmp_path / "Music"], workers=1)
    model, settings = load_model(), LiveSettings(start_after_s=5.0)

    def step_after(heard_of_the_next_s: float):
        y = np.concatenate([first, np.zeros(SR * 4, np.float32), after[: round(SR * heard_of_the_next_s)]])
        source = FileSource(write(tmp_path / f"heard-{heard_of_the_next_s}.wav", y, SR, "wav-float"), realtime=False)
        source.start()
        source.wait()
        return LiveRecognizer(model, source, settings).step()

    waiting = step_after(3.0)
    assert waiting.state is LiveState.WAITING and waiting.genre is None
    assert waiting.analysed_s == pytest.approx(3.0) and waiting.heard_s == pytest.approx(22.0)
    result = step_after(6.0)
    assert result.state is LiveState.RECOGNISED and result.analysed_s == pytest.approx(6.0)
    alone = model.analyze_signal(after, sr=SR, n_windows=1)
    np.testing.assert_allclose(result.relaxed_code, alone.relaxed_code, atol=1e-5)
    with Library() as library:
        (match,) = find_similar(library, result.bits, result.relaxed_code, k=1, match_bits=model.manifest.match_bits)
    assert match.record.path == str(paths[1])


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
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["recording.wav"]  # no temporary file


def test_a_recording_whose_save_is_stopped_leaves_no_part_file_and_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``listen --save`` ends at Ctrl-C and then saves; a second Ctrl-C (or SIGTERM) while an hours-long recording was
    copied left its ``.part`` file beside the name asked for.  A real SIGINT to this process once the copy is made:
    nothing is left there, and the recording is kept where it was."""
    source = FileSource(write(tmp_path / "heard.wav", music(sr=SR, seconds=1.0), SR, "wav-float"), realtime=False)
    recorder = Recorder(source)
    source.start()
    source.wait()
    copied = shutil.copyfile

    def pressed_once_copied(source_path: Path, target: Path) -> Path:
        copied(source_path, target)
        os.kill(os.getpid(), signal.SIGINT)
        return target

    monkeypatch.setattr(shutil, "copyfile", pressed_once_copied)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    try:
        with pytest.raises(KeyboardInterrupt):
            recorder.save(tmp_path / "out.wav")
    finally:
        signal.signal(signal.SIGINT, previous)

    assert sorted(path.name for path in tmp_path.iterdir()) == ["heard.wav"]
    assert recorder.path.exists()


def test_listen_save_on_a_full_disk_stops_saying_why_and_saves_what_was_recorded(tmp_path: Path) -> None:
    """The disk holding the recording filled while ``listen --save`` listened: it ended in a traceback
    (``soundfile.LibsndfileError: System error.``), saving nothing, and left what it had recorded in the cache dir
    unsaid.  Files that cannot grow past 400 kB stand for the full disk (:func:`limited_to`): listening stops, the
    error names the recording and the system's reason, and the seconds recorded until then are saved whole."""
    y = music(sr=SR, seconds=6.0, seed=2)
    played, saved = write(tmp_path / "played.wav", y, SR, "wav-float"), tmp_path / "heard.wav"
    command = ["listen", "--file", str(played), "--interval", "0.5", "--start-after", "1", "--save", str(saved)]
    listened = subprocess.run(
        [sys.executable, "-m", "musictagger", *command],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: limited_to(400_000),
    )
    assert listened.returncode == 1 and "Traceback" not in listened.stderr, listened.stderr
    assert listened.stderr.startswith("error:") and "recordings" in listened.stderr
    assert " ".join(listened.stderr.split()).endswith("cannot go on recording: File too large")
    recorded, rate = sf.read(saved, dtype="float32")
    assert rate == SR and 1.0 < len(recorded) / SR < 3.0
    assert f"saved {saved} ({len(recorded) / SR:.1f} s)" in " ".join(listened.stdout.split())  # wrapped
    np.testing.assert_array_equal(recorded, y[: len(recorded)])


def test_listen_saves_what_was_recorded_when_its_last_drain_finds_the_disk_full(tmp_path: Path, capsys) -> None:
    """``listen --save`` stopped (Ctrl-C, ``--seconds``) after the disk filled but before a drain in its loop found
    it: the save's own drain failed, and listen ended saying the recording was kept in the cache folder, nothing
    saved where ``--save`` asked.  Files that cannot grow past 300 kB (this process, while saving; Python ignores
    SIGXFSZ) stand for the full disk: what was recorded until then is saved whole, then the error is raised."""
    y = music(sr=SR, seconds=3.0, seed=3)
    source = FileSource(write(tmp_path / "heard.wav", y, SR, "wav-float"), realtime=False)
    recorder = Recorder(source)
    source.start()
    source.wait()  # all heard, none drained: the loop's last drain came before it
    saved = tmp_path / "saved.wav"
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, limits[1]))
    try:
        with pytest.raises(FileError, match="cannot go on recording: File too large"):
            listen._keep(recorder, saved, said_on=sys.stdout)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    recorded = sf.read(saved, dtype="float32")[0]
    assert 1.0 < len(recorded) / SR < 2.0
    np.testing.assert_array_equal(recorded, y[: len(recorded)])
    assert " ".join(capsys.readouterr().out.split()) == f"saved {saved} ({len(recorded) / SR:.1f} s)"  # wrapped


def test_a_recording_keeps_room_to_grow_past_a_wavs_4_gib(tmp_path: Path) -> None:
    """A plain WAV's 32-bit sizes wrap at 4 GiB: a 12,400-s recording (3.4 hours of 44.1-kHz stereo, 1.6 at 96 kHz)
    read back as 12,174 s, the rest silently lost.  The recording is RF64, written as a plain WAV while it is under
    4 GiB, with a JUNK chunk where the 64-bit sizes go past it (measured by hand: 12,400 s read back whole; writing
    4 GiB takes too long here).  A short one stays a WAV that any reader opens."""
    y = music(sr=SR, seconds=1.0)
    source = FileSource(write(tmp_path / "heard.wav", y, SR, "wav-float"), realtime=False)
    recorder = Recorder(source)
    source.start()
    source.wait()
    saved = recorder.save(tmp_path / "recording.wav")
    header = saved.read_bytes()[:16]
    assert header[:4] == b"RIFF" and header[8:16] == b"WAVEJUNK"
    np.testing.assert_array_equal(sf.read(saved, dtype="float32")[0], y)


def test_a_room_capture_of_a_library_track_is_found_first_through_the_live_pipeline(tmp_path: Path) -> None:
    """Five generated pieces indexed by the default model; each heard through the evaluation's room and played
    into the live pipeline.  Live listening adds no transform of its own (its code is a file analysis's of the
    same sound: the library's codes were made that way), and the search on that code finds the piece first.
    A noise reduction the live path once applied moved its codes away from the library's."""
    (tmp_path / "Music").mkdir()
    pieces = [piece(seed, sr=SR, seconds=20.0) for seed in range(5)]
    paths = [write(tmp_path / "Music" / f"{seed}.flac", y, SR, "flac") for seed, y in enumerate(pieces)]
    index_folders([tmp_path / "Music"], workers=1)
    model = load_model()
    found_first = 0
    with Library() as library:
        for seed, y in enumerate(pieces):
            heard = write(
                tmp_path / f"heard-{seed}.wav", room_capture(y, SR, np.random.default_rng(seed)), SR, "wav-pcm16"
            )
            source = FileSource(heard, realtime=False)
            source.start()
            source.wait()
            result = LiveRecognizer(model, source, LiveSettings(start_after_s=1.0)).step()
            as_a_file = model.analyze_file(heard, n_windows=1)
            np.testing.assert_allclose(result.relaxed_code, as_a_file.relaxed_code, atol=1e-5)
            (match,) = find_similar(
                library, result.bits, result.relaxed_code, k=1, match_bits=model.manifest.match_bits
            )
            found_first += match.record.path == str(paths[seed])
    assert found_first >= 4, f"only {found_first} of 5 room captures found their piece first"

"""The live panel in the real window, offscreen: real files played at real-time speed through the source seam."""

from __future__ import annotations

import itertools
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtGui import QImage

from musictagger.atomic_write import temporary_path
from musictagger.audio.capture import DeviceSource, FileSource, InputDevice, input_devices
from musictagger.audio.features import log_compress, mel_power
from musictagger.audio.params import FeatureParams
from musictagger.errors import CaptureError
from musictagger.gui.device_picker import NO_DEVICE, scan_devices
from musictagger.gui.file_list import State
from musictagger.gui.level_meter import CLIP_HOLD_S, CLIP_STYLE, LevelMeter
from musictagger.gui.live_panel import ERROR_STYLE, HISTORY_S, NOT_LISTENING, LivePanel
from musictagger.gui.live_spectrogram import LiveSpectrogram
from musictagger.gui.matches_view import DISTANCE
from musictagger.gui.settings import Settings
from musictagger.gui.spectrogram_view import DYNAMIC_RANGE_DB, mel_db
from musictagger.library import Library, find_similar, index_folders
from musictagger.live import LiveState
from musictagger.model.runtime import analyze
from musictagger.personal import store
from tests.audio.signals import music, write
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, drop, wait_until_settled, write_song
from tests.personal.heads import MOODS, save_mood_model

SR = 44100
UNPLUGGED = "vmic: the input device stopped delivering audio (unplugged or taken away?)"


class BreakingSource(FileSource):
    """A file source that can be made to fail mid-run, as a device does when it is unplugged."""

    broken: str | None = None

    @property
    def failure(self) -> str | None:
        return self.broken


def played(path: Path, seconds: float, *, seed: int = 3) -> Path:
    return write(path, np.stack([music(sr=SR, seconds=seconds, seed=seed)] * 2), SR, "flac")


def listening_panel(qtbot, window, source: FileSource):
    """The window's live panel, shown, listening to ``source`` (the model loads on first use)."""
    window.show_live()
    panel = window.live
    panel.start(source)
    qtbot.waitUntil(lambda: panel.listening, timeout=ANALYSIS_TIMEOUT_MS)
    return panel


def test_a_file_played_live_shows_its_genre_scrolls_and_saves_what_was_heard(qtbot, window, tmp_path: Path) -> None:
    """… and its matches in the library as the last step's code finds them: they were searched again only when the
    code's bits changed, so their distances, and whether the first is what plays, were an earlier step's."""
    (tmp_path / "music").mkdir()
    path = played(tmp_path / "music" / "live.flac", 8.0)
    expected = analyze(path)
    index_folders([path.parent], workers=1)  # the file itself in the library: its distance changes as more is heard
    window.live.start_after_s = 3.0
    window.live.interval.setValue(0.5)  # steps enough for the code's bits to hold still over one
    results, asked = [], []
    window.live.stepped.connect(results.append)
    window.live.stepped.connect(lambda _result: asked.append(window.live.matches.query_code))
    source = FileSource(path)
    panel = listening_panel(qtbot, window, source)

    qtbot.waitUntil(lambda: panel.mel.frames_added > 100, timeout=5000)
    first_added, first_image = panel.mel.frames_added, panel.spectrogram.image.image.copy()
    assert panel.meter.bar.value() > panel.meter.bar.minimum()  # the level meter moves
    qtbot.wait(1000)
    later_added, later_image = panel.mel.frames_added, panel.spectrogram.image.image.copy()
    shift = later_added - first_added
    assert 0 < shift < len(first_image)
    np.testing.assert_array_equal(later_image[:-shift], first_image[shift:])  # it scrolled left by what was added
    image = panel.spectrogram.image
    placed = image.mapRectToParent(image.boundingRect())
    assert -0.1 < placed.right() <= 0.0 and placed.width() == pytest.approx(10.0)  # the newest frame is "now"

    qtbot.waitUntil(lambda: not panel.listening, timeout=30_000)  # the file ended
    qtbot.waitUntil(lambda: not panel._stepping, timeout=10_000)
    assert "ended" in panel.status.text()
    assert panel.spectrogram.frames_drawn > 50
    np.testing.assert_array_equal(panel.spectrogram.image.image, mel_db(panel.mel.frames, panel.params))
    assert panel.mel.frames_added > 400  # 8 s at 16 ms a frame, less the resampler's delay

    states = [r.state for r in results]
    assert states[0] is LiveState.WAITING and LiveState.RECOGNISED in states
    last = results[-1]
    assert last.state is LiveState.RECOGNISED
    assert last.genre == expected.genre
    assert panel.genre.verdict.text() == last.summary()
    assert any(note.startswith("short:") for note in last.analysis.warnings)  # 8 s heard, padded to a window …
    assert panel.genre.notes.text() == ""  # … a note for a file, not said in the live panel
    for score in last.ranking:
        assert panel.genre.bars[score.label].format() == f"{score.probability:.2f}"
    assert panel.code.hex.text() == last.code_hex
    np.testing.assert_array_equal(panel.code.grid.bits, last.bits)
    recognised = [(r, code) for r, code in zip(results, asked, strict=True) if r.state is LiveState.RECOGNISED]
    assert any(np.array_equal(a.bits, b.bits) for (a, _), (b, _) in itertools.pairwise(recognised))  # the case here
    for result, (_bits, relaxed, _model) in recognised:  # the matches asked for each step's code
        np.testing.assert_array_equal(relaxed, result.relaxed_code)
    qtbot.waitUntil(lambda: not panel.matches.searching, timeout=10_000)
    manifest = panel.matches.manifest
    with Library() as library:  # as `listen` searches at each step
        (nearest,) = find_similar(
            library, last.bits, last.relaxed_code, models=panel.matches.family, match_bits=manifest.match_bits
        )
    assert panel.matches.table.topLevelItem(0).text(DISTANCE).startswith(f"{nearest.relaxed_distance:.3f}")

    (tmp_path / "out").mkdir()
    saved = panel.save_recording_to(tmp_path / "out" / "heard")  # .wav is added
    assert saved == tmp_path / "out" / "heard.wav"
    heard, rate = sf.read(saved, dtype="float32", always_2d=True)
    original, _ = sf.read(path, dtype="float32", always_2d=True)
    assert rate == SR and len(heard) == source.ring.written == len(original)
    np.testing.assert_array_equal(heard, original)
    assert sorted(path.name for path in saved.parent.iterdir()) == ["heard.wav"]  # no temporary file beside it

    panel.analyse_button.click()  # analysed like a dropped file
    wait_until_settled(qtbot, window, 1)
    assert window.files.entries[saved].state is State.DONE


def test_without_an_input_device_the_panel_says_so_and_the_window_works(qtbot, window, tmp_path: Path) -> None:
    scan_devices(rescan=True)  # PortAudio fixes its devices as it starts: perhaps at a test that played into the sink
    if input_devices():
        pytest.skip("this machine has an input device the isolated test environment does not hide")
    panel = window.live
    window.show_live()
    qtbot.waitUntil(lambda: panel.devices.has_scanned and not panel.devices.scanning, timeout=10_000)
    assert panel.status.text() == NO_DEVICE  # one line saying what is wrong, not a prompt contradicting it
    assert panel.devices.selected() is None and not panel.record_button.isEnabled()
    panel.devices.refresh_button.click()  # PortAudio restarted: still none, still no crash
    qtbot.waitUntil(lambda: not panel.devices.scanning, timeout=10_000)
    assert panel.status.text() == NO_DEVICE

    panel.interval.setValue(2.5)  # remembered for the next session
    window.settings.sync()
    assert Settings(window.settings.path).live_interval == 2.5

    song = write_song(tmp_path / "song.flac", seconds=3.0)
    drop(window, [song])
    wait_until_settled(qtbot, window, 1)
    assert window.files.entries[song.absolute()].state is State.DONE


def test_a_failing_device_is_reported_and_record_works_again(qtbot, window, tmp_path: Path) -> None:
    path = played(tmp_path / "long.flac", 30.0)
    source = BreakingSource(path)
    panel = listening_panel(qtbot, window, source)
    qtbot.waitUntil(lambda: panel.mel.frames_added > 0, timeout=5000)
    source.broken = UNPLUGGED
    qtbot.waitUntil(lambda: not panel.listening, timeout=5000)
    heard = f"{panel.recorder.seconds:.1f} s heard — Save recording… keeps it"
    assert panel.status.text() == f"{UNPLUGGED}; {heard}. Pick an input and press Record to try again."
    assert not source.running  # the panel let go of it
    assert panel.save_button.isEnabled()  # what was heard before the failure can still be saved

    ghost = InputDevice(index=99, name="ghost mic", channels=1, default_sample_rate=SR, host_api="ALSA")
    with pytest.raises(CaptureError) as refused:
        DeviceSource(ghost).start()
    panel.start(DeviceSource(ghost))  # PortAudio refuses: said in the panel, nothing started
    assert not panel.listening
    assert str(refused.value) in panel.status.text()

    again = FileSource(path)
    panel.start(again)
    assert panel.listening
    # Until its first audio arrives, the spectrogram says so (not the file view's "select an analysed file").
    assert panel.spectrogram.stack.empty
    assert panel.spectrogram.stack.message.text() == f"Waiting for the first audio from {path}…"
    qtbot.waitUntil(lambda: panel.mel.frames_added > 0, timeout=5000)
    panel.record_button.click()  # Stop
    assert not panel.listening and not again.running
    assert panel.status.text().startswith("Stopped")


def test_a_recording_that_cannot_be_saved_once_stopped_can_be_saved_elsewhere(qtbot, window, tmp_path: Path) -> None:
    """Save recording… on a full disk said 'not saved' and dropped the recording: the button went grey and what was
    heard stayed in the cache folder, out of reach."""
    path = played(tmp_path / "short.flac", 2.0)
    panel = listening_panel(qtbot, window, FileSource(path, realtime=False))
    qtbot.waitUntil(lambda: not panel.listening, timeout=5000)  # the file ended
    temporary_path(tmp_path / "full.wav").symlink_to("/dev/full")  # the copy's writes fail as on a full disk
    assert panel.save_recording_to(tmp_path / "full.wav") is None
    assert "No space left on device; press Save recording… to save it elsewhere" in panel.status.text()
    assert panel.save_button.isEnabled()
    saved = panel.save_recording_to(tmp_path / "elsewhere.wav")
    np.testing.assert_array_equal(sf.read(saved, dtype="float32")[0], sf.read(path, dtype="float32")[0])
    assert not panel.save_button.isEnabled()


def test_a_recording_the_disk_cannot_hold_stops_listening_and_keeps_what_was_recorded(
    qtbot, window, tmp_path: Path
) -> None:
    """The disk holding the recording filled while listening: the panel stopped with 'Something went wrong inside
    musictagger (LibsndfileError: System error.)' and threw away what it had recorded.  Files that cannot grow past
    300 kB (this process's RLIMIT_FSIZE; Python ignores SIGXFSZ) stand for the full disk: listening stops saying
    the system's reason, and what was recorded until then is saved whole."""
    y = music(sr=SR, seconds=8.0, seed=2)
    path = write(tmp_path / "played.wav", y, SR, "wav-float")
    window.show_live()
    panel = window.live
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, limits[1]))
    try:
        panel.start(FileSource(path))
        qtbot.waitUntil(lambda: panel.listening, timeout=ANALYSIS_TIMEOUT_MS)
        qtbot.waitUntil(lambda: not panel.listening, timeout=10_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    status = panel.status.text()
    assert "cannot go on recording: File too large" in status and "Save recording… keeps it" in status, status
    assert panel.save_button.isEnabled()
    recorded = sf.read(panel.save_recording_to(tmp_path / "kept.wav"), dtype="float32")[0]
    assert 1.0 < len(recorded) / SR < 2.0
    np.testing.assert_array_equal(recorded, y[: len(recorded)])


def test_closing_the_live_panel_stops_listening_and_the_menu_item_follows_it(qtbot, window, tmp_path: Path) -> None:
    action = window.live_action
    assert action.isCheckable() and not action.isChecked()
    action.trigger()  # View ▸ Live listening (Ctrl+Shift+L) shows the panel …
    assert window.live_dock.isVisible() and action.isChecked()
    action.trigger()  # … and hides it again
    assert not window.live_dock.isVisible() and not action.isChecked()

    panel = window.live
    path = played(tmp_path / "long.flac", 30.0)
    window.show_live()
    waiting = FileSource(path)
    panel.start(waiting)  # the model loads first …
    window.live_dock.close()  # … and the panel is closed meanwhile: the start is called off
    qtbot.waitUntil(lambda: not panel._loading, timeout=ANALYSIS_TIMEOUT_MS)
    qtbot.wait(100)
    assert not panel.listening and not waiting.running

    source = FileSource(path)
    listening_panel(qtbot, window, source)
    assert action.isChecked()
    qtbot.waitUntil(lambda: panel.mel.frames_added > 0, timeout=5000)
    window.live_dock.close()  # its title bar's close button
    assert not panel.listening and not source.running  # not recording with nothing on screen saying so
    assert panel.genre.verdict.text() == "not listening"  # stopped before the first verdict: not "listening…"
    assert not action.isChecked()
    assert panel.status.text().startswith("Stopped")

    window.show_live()
    assert action.isChecked()
    panel.start(FileSource(played(tmp_path / "again.flac", 30.0, seed=4)))
    assert panel.listening
    window.live_dock.close()
    assert not panel.listening


def play_into_the_panel(qtbot, window, virtual_microphone: str, path: Path) -> list:
    """Record from the ``pulse`` input in the window's live panel while ``path`` plays into the virtual
    microphone; the panel's results, once it has stopped."""
    panel = window.live
    panel.start_after_s = 4.0
    results = []
    panel.stepped.connect(results.append)
    window.show_live()
    qtbot.waitUntil(lambda: panel.devices.has_scanned and not panel.devices.scanning, timeout=10_000)
    panel.devices.refresh_button.click()  # PortAudio may have started before PULSE_SERVER was set
    qtbot.waitUntil(lambda: not panel.devices.scanning, timeout=10_000)
    names = [panel.devices.combo.itemData(i).name for i in range(panel.devices.combo.count())]
    assert "pulse" in names, names
    panel.devices.combo.setCurrentIndex(names.index("pulse"))
    panel.record_button.click()
    qtbot.waitUntil(lambda: panel.listening, timeout=ANALYSIS_TIMEOUT_MS)
    player = subprocess.Popen(["paplay", f"--device={virtual_microphone}", str(path)])
    qtbot.waitUntil(lambda: player.poll() is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not panel._stepping, timeout=10_000)
    panel.record_button.click()  # Stop
    assert player.returncode == 0
    return results


def test_music_played_into_the_virtual_microphone_is_recognised_in_the_panel(
    qtbot, window, virtual_microphone: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "played.wav", np.stack([music(sr=SR, seconds=12.0, seed=5)] * 2), SR, "wav-pcm16")
    expected = analyze(path).genre
    results = play_into_the_panel(qtbot, window, virtual_microphone, path)
    panel = window.live
    recognised = [r for r in results if r.state is LiveState.RECOGNISED]
    assert recognised, [r.state for r in results]
    assert recognised[-1].genre == expected
    assert max(r.level_dbfs for r in results) > -40  # the music was really heard
    assert panel.genre.verdict.text() == recognised[-1].summary()


def test_the_clipping_light_holds_red_for_a_second(qtbot) -> None:
    meter = LevelMeter()
    qtbot.addWidget(meter)
    quiet = np.full((441, 2), 0.5, np.float32)
    meter.show_block(quiet)
    assert meter.bar.value() == -6 and meter.bar.format() == "-6 dBFS" and not meter.clipping
    overload = quiet.copy()
    overload[100, 1] = -1.0  # one sample at full scale
    meter.show_block(overload)
    assert meter.clipping and meter.light.styleSheet() == CLIP_STYLE
    meter.show_block(quiet)
    assert meter.clipping  # held
    qtbot.wait(round(CLIP_HOLD_S * 1000) + 100)
    meter.show_block(np.zeros((0, 2), np.float32))
    assert not meter.clipping and meter.light.styleSheet() != CLIP_STYLE


def test_silence_scrolls_by_dark_and_music_keeps_the_scale_of_its_loudest_cell(qtbot) -> None:
    params = FeatureParams()
    view = LiveSpectrogram(params, seconds=HISTORY_S)
    qtbot.addWidget(view)
    frames = int(HISTORY_S * params.sample_rate / params.hop_length)

    def drawn(log_mel: np.ndarray) -> np.ndarray:
        """The RGB of the image's pixels as drawn with the view's colour scale."""
        view.show(log_mel, frames_added=len(log_mel), heard_s=HISTORY_S)
        view.image.render()
        image = view.image.qimage.convertToFormat(QImage.Format.Format_RGB32)
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
        return pixels[:, : image.width(), :3].copy()  # the QImage goes with this call

    silent = drawn(np.zeros((frames, params.n_mels), np.float32))  # digital silence: log10(1 + C·0)
    assert silent.max() < 40  # magma's darkest end, not its brightest

    y = music(sr=params.sample_rate, seconds=HISTORY_S, seed=3)
    heard = log_compress(
        mel_power(y / np.abs(y).max() * 0.3, params=params, center=False), multiplier=params.log_multiplier
    )
    db = mel_db(heard, params)
    assert db.max() > -40  # music well above the floor: the scale still follows its loudest cell
    drawn(heard)
    assert view.colour_bar.levels() == pytest.approx((db.max() - DYNAMIC_RANGE_DB, db.max()), abs=1e-3)


LISTEN_THEN_QUIT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from musictagger.audio.capture import FileSource
from musictagger.gui.app import create_window

app = QApplication([])
window = create_window([])
window.show_live()
window.live.start(FileSource(Path(sys.argv[1])))

def close_once_heard():
    mel = window.live.mel
    if mel is None or mel.frames_added == 0:
        QTimer.singleShot(50, close_once_heard)
        return
    window.close()
    app.quit()

QTimer.singleShot(50, close_once_heard)
QTimer.singleShot(60_000, app.quit)
app.exec()
print("heard" if window.live.spectrogram.frames_drawn else "nothing heard")
"""


def test_quitting_after_listening_leaves_no_resampler_behind(tmp_path: Path) -> None:
    """The live resampler (soxr, a nanobind extension) is released with the window: nanobind printed ~20 lines
    of leak warnings at every exit after listening."""
    path = played(tmp_path / "live.flac", 20.0)
    completed = subprocess.run(
        [sys.executable, "-c", LISTEN_THEN_QUIT, str(path)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip() == "heard"
    assert "leaked" not in completed.stderr, completed.stderr[-3000:]


def recognising_beside_a_mood_model(qtbot, window, base_model: Path, tmp_path: Path) -> tuple[LivePanel, Path]:
    """The Live panel recognising a long generated piece (and the piece) with the first model, a personal mood model
    over it saved (not yet active), stepping every quarter second."""
    path = played(tmp_path / "long.flac", 30.0)
    save_mood_model(base_model, path)
    window.live.start_after_s = 1.0
    window.live.interval.setValue(0.25)
    results = []
    window.live.stepped.connect(results.append)
    panel = listening_panel(qtbot, window, FileSource(path))
    qtbot.waitUntil(lambda: any(r.state is LiveState.RECOGNISED for r in results), timeout=10_000)
    return panel, path


def test_a_personal_model_made_active_while_listening_takes_over_the_verdict(
    qtbot, window, first_model_as_default: Path, tmp_path: Path, message_boxes: list[str]
) -> None:
    """The steps the previous model was still taking (its genres) are not shown under the new model's labels: they
    raised a KeyError on the first mood, which the window showed as an error box."""
    moods = MOODS
    panel, _ = recognising_beside_a_mood_model(qtbot, window, first_model_as_default, tmp_path)
    store.use("moods")
    panel._step()  # a step of the genre model on its way, as the step timer starts one every interval …
    panel.follow_model(moods)  # … when the window hands the panel the personal model's labels
    qtbot.waitUntil(lambda: panel.genre.verdict.text().startswith("Not one of my moods"), timeout=20_000)
    panel.stop()
    assert set(panel.genre.bars) == set(moods)


def test_a_model_made_active_while_listening_that_cannot_be_loaded_stops_listening_and_says_why(
    qtbot, window, first_model_as_default: Path, tmp_path: Path
) -> None:
    """A damaged personal model made active while listening: the panel went on with the previous model under the
    new labels, and its next step raised a KeyError on the first mood (an error box); now listening stops, saying
    why, over the new labels, and Record tries the active model again."""
    panel, path = recognising_beside_a_mood_model(qtbot, window, first_model_as_default, tmp_path)
    store.use("moods")
    (store.models_dir() / "moods.npz").write_bytes(b"not a model")  # damaged since it was made active
    panel.follow_model(MOODS)
    qtbot.waitUntil(lambda: not panel.listening, timeout=20_000)
    assert panel.status.text().startswith("The model made active cannot be loaded, so listening stopped: ")
    assert "moods.npz: cannot read the personal model" in panel.status.text()
    assert panel.status.styleSheet() == ERROR_STYLE
    assert set(panel.genre.bars) == set(MOODS)
    assert panel.genre.verdict.text() == NOT_LISTENING  # not the previous model's verdict over the moods
    assert panel.code.hex.text() == ""

    panel.start(FileSource(path))  # Record: the active model is loaded again, and still cannot be
    qtbot.waitUntil(lambda: not panel._loading, timeout=20_000)
    assert not panel.listening
    assert panel.status.text().startswith("The model cannot be loaded: ")


def test_a_personal_model_made_active_while_the_model_loads_for_record_is_the_one_that_listens(
    qtbot, window, first_model_as_default: Path, tmp_path: Path, message_boxes: list[str]
) -> None:
    """Record loads the model on a worker; a personal model made active before that load is delivered was ignored:
    the panel listened with the genre model it had loaded, under the personal model's labels (a KeyError box on the
    first mood).  Now the load is done again for the model made active."""
    path = played(tmp_path / "long.flac", 30.0)
    save_mood_model(first_model_as_default, path)
    window.live.start_after_s = 1.0
    window.live.interval.setValue(0.25)
    window.show_live()
    panel = window.live
    panel.start(FileSource(path))
    # The genre model loaded; its outcome waits in the event queue, which this thread does not run meanwhile.
    assert panel.runner._pool.waitForDone(60_000)
    store.use("moods")
    panel.follow_model(MOODS)
    qtbot.waitUntil(lambda: panel.listening, timeout=ANALYSIS_TIMEOUT_MS)
    assert panel.recognizer.model.output_labels == MOODS
    qtbot.waitUntil(lambda: panel.genre.verdict.text().startswith("Not one of my moods"), timeout=20_000)
    panel.stop()
    assert set(panel.genre.bars) == set(MOODS)

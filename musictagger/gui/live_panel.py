"""Live listening: what an input device hears, its scrolling spectrogram, and a steady verdict.

The panel drives the Qt-free live core (:mod:`musictagger.live`) over an
:class:`~musictagger.audio.capture.AudioSource` — a device chosen in the picker, or any
source handed to :meth:`LivePanel.start` (the tests and the benchmark play files through it).
Friture's split: the audio callback only copies into the ring; a ~25 ms display timer pulls
from it (scrolling spectrogram, level meter, recorder); the model runs every ``interval``
seconds on the panel's own worker, never on the UI thread, and a step is skipped while the
previous one still runs.  The verdict reuses the file views (genre bars, code grid, nearest
matches), updated in place.  A device that cannot start or stops delivering audio ends the
session with its message; the user picks a device and presses Record again.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from musictagger.audio.capture import AudioSource, DeviceSource
from musictagger.audio.signal import level_words
from musictagger.errors import FileError
from musictagger.gui.analysis_process import warm_up
from musictagger.gui.code_view import CodeView
from musictagger.gui.device_picker import DevicePicker
from musictagger.gui.errors import describe
from musictagger.gui.genre_view import GenreView
from musictagger.gui.level_meter import LevelMeter
from musictagger.gui.live_spectrogram import LiveSpectrogram
from musictagger.gui.matches_view import MatchesView
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import TaskRunner
from musictagger.live import LiveRecognizer, LiveResult, LiveSettings, LiveState
from musictagger.live.display import ScrollingMel
from musictagger.live.recorder import Recorder
from musictagger.model.manifest import ModelManifest
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.personal.active import load_active_model

log = logging.getLogger(__name__)

FRAME_INTERVAL_MS = 25
"""The display tick: 40 Hz asked, so that a busy machine still draws 30 frames a second."""
HISTORY_S = 10.0
LIVE_QUERY = Path("<live input>")
"""The matches view's query path for live codes: no library file has it, so nothing is excluded."""
ERROR_STYLE = "color: #d02020;"
IDLE_TEXT = "Choose an input and press Record to recognise the music playing in the room"
NOT_LISTENING = "not listening"
"""The verdict's place when there is no verdict to show and nothing is heard."""
BODY_SHARES = (0.28, 0.44, 0.28)
"""The first shares of the panel's width: the spectrogram, the verdict and the code beside it, and the nearest
tracks."""


def smoothed_analysis(result: LiveResult, labels: tuple[str, ...]) -> Analysis:
    """The step's analysis carrying the smoothed verdict and code, for the file views to show, without the notes
    meant for a file."""
    by_label = {score.label: score.probability for score in result.ranking}
    return dataclasses.replace(
        result.analysis,
        warnings=result.notes,
        probabilities=np.array([by_label[label] for label in labels], dtype=np.float32),
        ranking=result.ranking,
        verdict=result.verdict,
        bits=result.bits,
        relaxed_code=result.relaxed_code,
    )


def load_warm_model(model_path: Path) -> tuple[GenreModel, np.ndarray]:
    """Worker: the model (with the active personal head, if any) on one thread (the display keeps the other core),
    warmed up, and the mel band centres.

    Warming up here takes the first STFT's seconds of set-up off the display timer's first tick.
    """
    model = load_active_model(model_path, threads=1)
    return model, warm_up(model)


class LivePanel(QWidget):
    """Device picker, Record/Stop, level meter, live spectrogram, verdict, matches, Save recording."""

    analyseRequested = Signal(list)  # noqa: N815 (Qt signal naming) — [Path] of a saved recording
    stepped = Signal(object)
    """Each :class:`LiveResult` of the current session, as it is shown."""

    def __init__(self, manifest: ModelManifest, model_path: Path, settings: Settings, io_runner: TaskRunner) -> None:
        super().__init__()
        self.params, self.labels = manifest.front_end, manifest.labels
        self.model_path, self.settings = model_path, settings
        self.runner = TaskRunner("live")
        self.start_after_s = LiveSettings().start_after_s
        self.source: AudioSource | None = None
        self.recorder: Recorder | None = None
        self.mel: ScrollingMel | None = None
        self.recognizer: LiveRecognizer | None = None
        self.last_result: LiveResult | None = None
        self.saved_path: Path | None = None
        self.skipped_steps = 0
        self._model: GenreModel | None = None
        self._loading = False
        self._model_changes = 0  # the active model changed this many times: see _load_model
        self._pending: AudioSource | None = None
        """The source a start waits for the model to listen to; :meth:`stop` calls it off."""
        self._stepping = False
        self._session = 0
        self._meter_position = 0
        self._mel_origin = 0
        self._last_problem = ""
        self._shared_out = False

        self.devices = DevicePicker(self.runner, settings)
        self.devices.changed.connect(self._devices_changed)
        self.devices.combo.currentIndexChanged.connect(lambda _index: self._update_controls())
        self.record_button = QPushButton("Record")
        self.record_button.clicked.connect(self.toggle)
        self.interval = QDoubleSpinBox()
        self.interval.setRange(0.25, 10.0)
        self.interval.setSingleStep(0.25)
        self.interval.setSuffix(" s")
        self.interval.setValue(settings.live_interval)
        self.interval.setToolTip("How often the model listens again to what was heard")
        self.interval.valueChanged.connect(self._interval_changed)
        self.meter = LevelMeter()
        self.status = QLabel(IDLE_TEXT)
        self.status.setWordWrap(True)
        self.spectrogram = LiveSpectrogram(self.params, seconds=HISTORY_S)
        self.genre = GenreView(self.labels)
        self.genre.clear(NOT_LISTENING)
        self.code = CodeView(under=True)
        self.matches = MatchesView(io_runner, model_path, manifest)
        self.matches.play_query_button.hide()  # the query is the room, not a file
        self.matches.names_playing = True
        self.save_button = QPushButton("Save recording…")
        self.save_button.clicked.connect(self.save_recording)
        self.analyse_button = QPushButton()
        self.analyse_button.clicked.connect(lambda: self.analyseRequested.emit([self.saved_path]))
        self.analyse_button.hide()

        self._frame_timer = QTimer(self)
        self._frame_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may run 5 % slow
        self._frame_timer.setInterval(FRAME_INTERVAL_MS)
        self._frame_timer.timeout.connect(self._tick)
        self._step_timer = QTimer(self)
        self._step_timer.timeout.connect(self._step)
        self._layout()
        self._update_controls()

    def _layout(self) -> None:
        """Side by side below the controls and the status line: what is heard, the verdict, and the code with the
        library's nearest tracks (a dock at the bottom is wide and short: at 1024×700 and 1280×800 it is 336
        pixels high, and stacked, the verdict above the matches needed 490)."""
        controls = QHBoxLayout()
        controls.addWidget(self.devices, 3)
        controls.addWidget(self.record_button)
        every = QLabel("verdict every")
        every.setBuddy(self.interval)
        controls.addWidget(every)
        controls.addWidget(self.interval)
        controls.addWidget(self.meter, 2)
        status = QHBoxLayout()  # what was heard can be saved from where the session says how it goes
        status.addWidget(self.status, 1)
        status.addWidget(self.save_button)
        status.addWidget(self.analyse_button)
        verdict = QWidget()  # the genre and its bars, the code beside them
        verdict_layout = QHBoxLayout(verdict)
        verdict_layout.setContentsMargins(0, 0, 0, 0)
        verdict_layout.addWidget(self.genre, 1, Qt.AlignmentFlag.AlignTop)
        verdict_layout.addWidget(self.code, 0, Qt.AlignmentFlag.AlignTop)
        keep = self.code.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the bars keep their width when the code comes and goes
        self.code.setSizePolicy(keep)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        for pane in (self.spectrogram, verdict, self.matches):
            self.body.addWidget(pane)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(status)
        layout.addWidget(self.body, 1)

    @property
    def listening(self) -> bool:
        return self.source is not None

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """List the input devices the first time the panel is seen (not at start-up), and share its width out."""
        super().showEvent(event)
        if not self.devices.has_scanned and not self.listening:
            self.devices.scan(rescan=False)
        if not self._shared_out:  # once: then the widths are the user's to drag
            self._shared_out = True
            width = self.body.width() - self.body.handleWidth() * (self.body.count() - 1)
            self.body.setSizes([round(width * share) for share in BODY_SHARES])

    def _update_controls(self) -> None:
        idle = not self.listening and not self._loading and not self.devices.scanning
        self.record_button.setText("Stop" if self.listening else "Record")
        self.record_button.setEnabled(self.listening or (idle and self.devices.selected() is not None))
        self.devices.setEnabled(idle)
        self.save_button.setEnabled(self.recorder is not None)

    def _devices_changed(self) -> None:
        """After a device scan, the status line says what the picker found wrong (one line, not two)."""
        self._update_controls()
        if self.listening or self._loading or self.devices.scanning:
            return
        if self.status.text() in (IDLE_TEXT, self._last_problem):  # not a session's last words
            self._set_status(self.devices.problem or IDLE_TEXT, error=bool(self.devices.problem))
        self._last_problem = self.devices.problem

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def use_base_model(self, manifest: ModelManifest, model_path: Path) -> None:
        """Another shipped model was chosen: its codes for the matches; :meth:`follow_model` then loads it."""
        self.params, self.model_path = manifest.front_end, model_path
        self.matches.use_model(model_path, manifest)

    def follow_model(self, labels: tuple[str, ...]) -> None:
        """The active model changed: show ``labels``, and load the model afresh (at once if listening).

        Meanwhile no step is taken, and one on its way is dropped: the previous model's genres are not ``labels``
        (a personal model made active while listening raised a KeyError on its first label).  A model that cannot
        be loaded stops listening (:meth:`_reload_failed`)."""
        self.labels = labels
        self.genre.set_labels(labels)
        self._model = None
        self._session += 1
        self._model_changes += 1
        if self.listening and not self._loading:
            self._load_model(on_done=self._model_reloaded, on_error=self._reload_failed)

    def _load_model(
        self, *, on_done: Callable[[tuple[GenreModel, np.ndarray]], None], on_error: Callable[[BaseException], None]
    ) -> None:
        """Load the active model on the worker, then ``on_done((model, band centres))`` or ``on_error(error)``.

        A load that the active model changed under (:meth:`follow_model` before its outcome came) is done again:
        it may have read the model before the change, and Record would then listen with the previous model under
        the new labels."""
        self._loading = True
        changes = self._model_changes

        def unless_changed(deliver: Callable[[Any], None]) -> Callable[[Any], None]:
            def outcome(value: Any) -> None:
                if changes == self._model_changes:
                    deliver(value)
                else:
                    self._load_model(on_done=on_done, on_error=on_error)

            return outcome

        self.runner.run(
            lambda _task: load_warm_model(self.model_path),
            owner=self,
            on_done=unless_changed(on_done),
            on_error=unless_changed(on_error),
        )

    def _model_reloaded(self, loaded: tuple[GenreModel, np.ndarray]) -> None:
        self._loading = False
        self._model, _centres = loaded
        if self.recognizer is not None:
            self.recognizer.model = self._model
            self.recognizer.reset()

    def _reload_failed(self, error: BaseException) -> None:
        """The model made active while listening cannot be loaded (a damaged personal model, say): listening stops,
        saying why, rather than going on with the previous model, whose genres are not the labels the panel and the
        window now show (its steps raised a KeyError on the first new label).  Record loads the active model again."""
        self._loading = False
        self.last_result = None  # the previous model's verdict: not one over these labels
        self._show_verdict(None)
        self._finish(
            f"The model made active cannot be loaded, so listening stopped: {describe(error)}",
            error=True,
            then="Choose another model, or press Record to try again.",
        )

    # Starting and stopping.

    def toggle(self) -> None:
        """Record / Stop."""
        if self.listening:
            self.stop()
            return
        device = self.devices.selected()
        if device is not None:
            self.start(DeviceSource(device))

    def start(self, source: AudioSource) -> None:
        """Listen to ``source`` (loading the model first, on the worker, the first time)."""
        if self.listening or self._loading:
            return
        if self._model is None:
            self._pending = source
            self._load_model(on_done=self._model_loaded, on_error=self._model_failed)
            self._update_controls()
            self._set_status("Loading the model…")
            return
        self._begin(source)

    def _model_loaded(self, loaded: tuple[GenreModel, np.ndarray]) -> None:
        self._loading = False
        self._model, centres = loaded
        self.spectrogram.set_band_centres(centres)
        source, self._pending = self._pending, None
        # The process now holds ~200 000 long-lived objects (Qt, onnxruntime, NumPy);
        # a full collection walking them froze the display for ~120 ms every few seconds of
        # listening.  Frozen, they are left out of every later collection.
        gc.freeze()
        if source is None:  # stopped (the panel closed) while the model loaded
            self._update_controls()
            return
        self._begin(source)

    def _model_failed(self, error: BaseException) -> None:
        self._loading = False
        self._pending = None
        self._update_controls()
        self._set_status(f"The model cannot be loaded: {describe(error)}", error=True)

    def _begin(self, source: AudioSource) -> None:
        settings = LiveSettings(interval_s=self.interval.value(), start_after_s=self.start_after_s)
        if self.recorder is not None:
            self.recorder.discard()  # a new recording replaces the unsaved one
            self.recorder = None
        try:
            self.recognizer = LiveRecognizer(self._model, source, settings)
            self.mel = ScrollingMel(source, self.params, seconds=HISTORY_S)
            self._mel_origin = self._meter_position = source.ring.written
            self.recorder = Recorder(source)
            source.start()
        except Exception as exc:  # CaptureError (busy, denied, rate …), or an unwritable cache dir
            if self.recorder is not None:
                self.recorder.discard()
                self.recorder = None
            self._fail(describe(exc))
            return
        self._session += 1
        self.source = source
        self.last_result = None
        self.saved_path = None
        self.analyse_button.hide()
        self._show_verdict(None)
        self.spectrogram.clear(f"Waiting for the first audio from {source.name}…")
        self.meter.reset()
        self._set_status(f"Listening to {source.name}…")
        self._frame_timer.start()
        self._step_timer.start(round(settings.interval_s * 1000))
        self._update_controls()

    def stop(self) -> None:
        """Stop listening (Stop, or the panel closed), or call off a start waiting for the model; what was heard
        stays ready to save.  Nothing to stop: nothing changes."""
        if self.listening or self._pending is not None:
            self._pending = None
            self._finish("Stopped")

    def _finish(self, message: str, *, error: bool = False, then: str = "") -> None:
        """End the session saying ``message``, how much was heard to save, and ``then`` what to do next."""
        self._frame_timer.stop()
        self._step_timer.stop()
        source, self.source = self.source, None
        if source is not None:
            try:
                source.stop()
            except Exception:  # a device that vanished may fail to close: it is gone either way
                log.warning("closing %s failed", source.name, exc_info=True)
            if self.recorder is not None:
                self._drain()
        if self.recorder is not None and self.recorder.frames:
            message += f"; {self.recorder.seconds:.1f} s heard — Save recording… keeps it"
        if self.last_result is None or self.last_result.state is not LiveState.RECOGNISED:
            self.genre.clear(NOT_LISTENING)  # not "listening…" nor "too quiet to tell": nothing is heard now
        self.meter.reset()
        self._set_status(f"{message}. {then}" if then else message, error=error)
        self._update_controls()

    def _fail(self, message: str) -> None:
        """End the session over a device problem; list the devices again (one may have gone)."""
        self._finish(message, error=True, then="Pick an input and press Record to try again.")
        self.devices.scan(rescan=True)

    # The display timer: spectrogram, meter, recorder.

    def _tick(self) -> None:
        source = self.source
        if source is None:
            return
        if source.failure:
            self._fail(source.failure)
            return
        if not self._drain():
            return
        new_frames = self.mel.update()
        if self.isVisible():  # Friture's rule: nothing is drawn while hidden
            self.spectrogram.show(
                self.mel.frames if new_frames else None,
                frames_added=self.mel.frames_added,
                heard_s=(source.ring.written - self._mel_origin) / source.sample_rate,
            )
        block, self._meter_position, _ = source.ring.since(self._meter_position)
        self.meter.show_block(block)
        if not source.running:
            self._finish(f"{source.name} ended")

    def _drain(self) -> bool:
        """Keep what was heard since the last tick; False once the recording cannot go on (a full disk), which ends
        the session saying why: what was recorded until then stays to be saved (:meth:`Recorder.drain`)."""
        try:
            self.recorder.drain()
        except Exception as exc:  # disk full, cache dir gone: stop rather than lose audio unnoticed
            if not isinstance(exc, FileError):  # not the recorder's own end, which keeps the recording whole
                self.recorder.discard()
                self.recorder = None
            self._finish(f"Listening stopped: {describe(exc)}", error=True)
            return False
        return True

    # The model, every interval, on the worker.

    def _step(self) -> None:
        if self._loading:  # the model is being replaced (:meth:`follow_model`)
            return
        if self._stepping:
            self.skipped_steps += 1
            return
        self._stepping = True
        recognizer = self.recognizer
        self.runner.run(
            lambda _task: recognizer.step(),
            owner=self,
            on_done=partial(self._stepped, self._session),
            on_error=partial(self._step_failed, self._session),
        )

    def _stepped(self, session: int, result: LiveResult) -> None:
        self._stepping = False
        if session != self._session:
            return  # a step of an earlier recording, or of the model before the one now in use
        self.last_result = result
        self._show_verdict(result)
        if self.listening:
            self._set_status(self._describe(result), error=result.state is LiveState.QUIET)
        self.stepped.emit(result)

    def _step_failed(self, session: int, error: BaseException) -> None:
        self._stepping = False
        if session == self._session and self.listening:
            self._set_status(f"This step could not be analysed: {describe(error)}", error=True)

    def _show_verdict(self, result: LiveResult | None) -> None:
        if result is None or result.state is not LiveState.RECOGNISED:
            self.genre.clear(result.summary() if result is not None else "listening…")
            self.code.clear()
            self.matches.clear()
            return
        analysis = smoothed_analysis(result, self.labels)
        self.genre.show_analysis(analysis)
        self.code.show_analysis(analysis)
        # Every step, not only when the code's bits change: the distances, and whether the first match is what plays,
        # follow its relaxed values, which move at each step (a claim went stale for steps on end).
        self.matches.show_matches_for(LIVE_QUERY, result.bits, result.relaxed_code)

    def _describe(self, result: LiveResult) -> str:
        heard = f"{result.heard_s:.0f} s heard"
        if result.state is LiveState.WAITING and result.analysed_s < result.heard_s:  # sound came back after a pause
            text = (
                f"Listening… {result.analysed_s:.0f} s heard since the pause; a verdict after {self.start_after_s:g} s"
            )
        elif result.state is LiveState.WAITING:
            text = f"Listening… {heard}; the first verdict after {self.start_after_s:g} s"
        elif result.state is LiveState.QUIET:
            level = level_words(result.level_dbfs)
            text = f"Too quiet to tell ({level}, {heard}): turn the music up or bring the microphone closer"
        else:
            text = (
                f"{heard}; verdict over the last {result.analysed_s:.0f} s, smoothed (model {result.elapsed_s:.2f} s)"
            )
        problems = []
        if self.source is not None and self.source.overruns:
            problems.append(
                f"{self.source.overruns} buffer overruns: the system could not keep up and audio was dropped"
            )
        if self.recorder is not None and self.recorder.lost_frames:
            problems.append(f"{self.recorder.lost_frames / self.source.sample_rate:.1f} s missing from the recording")
        return "; ".join([text, *problems])

    def _interval_changed(self, seconds: float) -> None:
        self.settings.live_interval = seconds
        if self.recognizer is not None:
            self.recognizer.settings = dataclasses.replace(self.recognizer.settings, interval_s=seconds)
        if self.listening:
            self._step_timer.setInterval(round(seconds * 1000))

    # Saving what was heard.

    def save_recording(self) -> None:
        """Save recording…: ask where, then :meth:`save_recording_to`."""
        if self.recorder is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MusicLocation)
        default = Path(folder) / time.strftime("recording-%Y%m%d-%H%M%S.wav")
        name, _ = QFileDialog.getSaveFileName(self, "Save the recording", str(default), "WAV audio (*.wav)")
        if name:
            self.save_recording_to(Path(name))

    def save_recording_to(self, path: Path) -> Path | None:
        """Write what was heard to the WAV ``path``; listening goes on into a new recording.

        Then offers to analyse the file like a dropped one (:attr:`analyseRequested`).  One that cannot be saved (a
        full disk) stays to be saved elsewhere once stopped; while listening, the panel says where it is kept.
        """
        path = path if path.suffix.lower() == ".wav" else path.with_name(path.name + ".wav")
        recorder = self.recorder
        try:
            saved = recorder.save(path)
        except Exception as exc:
            if self.source is None:
                then = "press Save recording… to save it elsewhere"
            else:
                then = f"what was heard until now is kept in {recorder.path}"
            self._set_status(f"The recording was not saved: {describe(exc)}; {then}", error=True)
            saved = None
        if self.source is not None:
            self.recorder = Recorder(self.source)  # listening goes on into a new recording
        elif saved is not None:
            self.recorder = None  # stopped and saved: nothing more to save
        self._update_controls()
        if saved is None:
            return None
        self.saved_path = saved
        self.analyse_button.setText(f"Analyse {saved.name}")
        self.analyse_button.show()
        self._set_status(f"Saved {recorder.seconds:.1f} s to {saved}")
        return saved

    def shutdown(self) -> None:
        """Stop listening, drop an unsaved recording and stop the worker (the window is closing)."""
        self._finish("Stopped")
        self.mel = None  # its soxr resampler, which gc.freeze() would keep past the exit
        if self.recorder is not None:
            self.recorder.discard()
            self.recorder = None
        self.matches.player.stop()
        self.runner.shutdown()

"""Turning a running audio source into a steady genre, hash code and level, once per step.

Each :meth:`LiveRecognizer.step` (the caller runs it every ``interval_s``, off any UI
thread) takes the most recent audio — nothing until ``start_after_s`` seconds have been
heard, then everything heard up to one model window (29.12 s) — and runs the shipped model
on it through the shared front end with the model's own parameters, exactly as a file is
analysed: the library's codes were made that way, so what the room hears compares with them.
(Spectral subtraction of the room's noise floor, once applied here at half strength, moved the
codes away from the library's: on validation tracks heard through the evaluation's room it found
the track first for 0.512 of them against 0.938 without, and named the genre less well too.)
Calibrated probabilities, relaxed codes and the model's evidence for "unknown" (novelty,
backbone tags, when it has them) are smoothed over steps (an exponential moving average),
so the verdict does not flicker with every bar; the verdict is the model's own
:meth:`~musictagger.model.runtime.GenreModel.decide` on the smoothed values, so live
listening says "not one of my genres" or "not music" exactly as a file's analysis would, and
the bits are the smoothed relaxed code thresholded.  With a personal head on the model (the active
personal model, :func:`musictagger.personal.active.load_active_model`), its embedding is smoothed
too and the smoothed analysis is read through the head (:meth:`Analysis.through`), so the verdict
and ranking are over the user's labels, with the same "not one of my labels" verdict.  Below the front end's silence level the
state is QUIET and no genre is claimed, as soon as the last ``quiet_after_s`` seconds are (the music stopped: the
window still holding it would go on naming it for up to 29 s); the smoothing restarts when sound returns.  What is
analysed then starts where the quiet ended, and waits ``start_after_s`` as at the start: the next song is heard alone,
not mixed with the end of the one before it, still in the window (after a 4-s gap, the previous song was named the
nearest library track for 12 s of the next).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from enum import Enum

import numpy as np

from musictagger.audio.capture import AudioSource
from musictagger.audio.signal import rms_dbfs
from musictagger.errors import SilentAudioError
from musictagger.model import codes
from musictagger.model.runtime import Analysis, GenreModel, GenreScore, ranking_of, verdict_text
from musictagger.model.verdict import Verdict


@dataclass(frozen=True)
class LiveSettings:
    """How live recognition listens; the defaults suit music played in a room."""

    interval_s: float = 1.0
    start_after_s: float = 10.0
    smoothing: float = 0.6
    """Weight of the past in the moving average (0 = no smoothing)."""
    quiet_after_s: float = 3.0
    """How long the input must stay below the front end's silence level to be called too quiet to tell: the music
    stopped, though the window analysed still holds it (a shorter pause, between two songs, keeps the verdict)."""


FILE_NOTES = ("short:", "cut short:")
"""The starts of the analysis's notes on a file's length (:meth:`GenreModel.analyze_signal`): while the heard audio
grows to a window it is "short" and padded, which live listening says its own way (how much was heard)."""


class LiveState(Enum):
    WAITING = "listening…"
    QUIET = "too quiet to tell"
    RECOGNISED = "recognised"


@dataclass(frozen=True)
class LiveResult:
    """One step's verdict; genre fields are None unless ``state`` is RECOGNISED.

    ``genre`` is also None when the smoothed ``verdict`` is unknown; ``ranking`` then still
    lists how near each of the model's genres came.
    """

    state: LiveState
    heard_s: float
    level_dbfs: float
    analysed_s: float = 0.0
    """Seconds of audio the verdict is over (while WAITING, gathered for it so far): those heard since the input was
    last quiet for ``quiet_after_s``, at most one model window."""
    ranking: tuple[GenreScore, ...] = ()
    bits: np.ndarray | None = None
    relaxed_code: np.ndarray | None = None
    analysis: Analysis | None = None
    elapsed_s: float = 0.0
    verdict: Verdict | None = None

    @property
    def genre(self) -> str | None:
        return self.verdict.genre if self.verdict else None

    @property
    def confidence(self) -> float | None:
        return self.ranking[0].probability if self.ranking else None

    @property
    def code_hex(self) -> str | None:
        return codes.to_hex(self.bits) if self.bits is not None else None

    @property
    def notes(self) -> tuple[str, ...]:
        """What lowers trust in what was heard (``clipped: …``, ``narrow band: …``), as a file's analysis notes it;
        not the notes on a file's length (:data:`FILE_NOTES`)."""
        warnings = self.analysis.warnings if self.analysis else ()
        return tuple(note for note in warnings if not note.startswith(FILE_NOTES))

    def summary(self) -> str:
        if self.state is not LiveState.RECOGNISED:
            return self.state.value
        return verdict_text(self.ranking, self.verdict, self.analysis.field if self.analysis else "genre")


class LiveRecognizer:
    """Smoothed live verdicts over ``source`` with ``model``."""

    def __init__(self, model: GenreModel, source: AudioSource, settings: LiveSettings | None = None) -> None:
        self.model, self.source = model, source
        self.settings = settings or LiveSettings()
        self._smoothed: dict[str, np.ndarray] = {}

    def reset(self) -> None:
        """Forget the smoothed state (after a device change, or silence)."""
        self._smoothed.clear()

    def step(self) -> LiveResult:
        started = time.perf_counter()
        rate = self.source.sample_rate
        heard_s = self.source.ring.written / rate
        recent = self.source.ring.latest(int(rate * self.settings.interval_s))
        level = rms_dbfs(recent)
        front_end = self.model.manifest.front_end
        least_s = max(self.settings.start_after_s, front_end.min_duration_s)  # the model's least, whatever asked
        if heard_s < least_s:
            return LiveResult(LiveState.WAITING, heard_s, level, analysed_s=heard_s)
        if rms_dbfs(self.source.ring.latest(int(rate * self.settings.quiet_after_s))) < front_end.silence_dbfs:
            self.reset()
            return LiveResult(LiveState.QUIET, heard_s, level, elapsed_s=time.perf_counter() - started)
        audio = after_last_pause(
            self.source.ring.latest(int(rate * front_end.window_seconds)),
            sr=rate,
            pause_s=self.settings.quiet_after_s,
            silence_dbfs=front_end.silence_dbfs,
        )
        if len(audio) / rate < least_s:  # sound came back after a pause: a new song, perhaps, heard from its start
            self.reset()
            return LiveResult(LiveState.WAITING, heard_s, level, analysed_s=len(audio) / rate)
        try:
            analysis = self.model.analyze_signal(
                audio.T,
                sr=rate,
                n_windows=1,
                source=self.source.name,
                through_head=False,
            )
        except SilentAudioError:
            self.reset()
            return LiveResult(LiveState.QUIET, heard_s, level, elapsed_s=time.perf_counter() - started)
        probabilities = self._smooth("probabilities", analysis.probabilities)
        relaxed = self._smooth("relaxed_code", analysis.relaxed_code)
        novelty = None if analysis.novelty is None else float(self._smooth("novelty", np.asarray(analysis.novelty)))
        tags = None if analysis.tags is None else self._smooth("tags", analysis.tags)
        verdict = self.model.decide(probabilities, novelty=novelty, tags=tags)
        smoothed = dataclasses.replace(
            analysis,
            probabilities=probabilities,
            ranking=ranking_of(self.model.labels, probabilities),
            verdict=verdict,
            relaxed_code=relaxed,
            bits=codes.binarize(relaxed),
        )
        if self.model.head is not None and analysis.embedding is not None:
            smoothed = dataclasses.replace(smoothed, embedding=self._smooth("embedding", analysis.embedding))
            smoothed = smoothed.through(self.model.head)
        return LiveResult(
            LiveState.RECOGNISED,
            heard_s,
            level,
            analysed_s=len(audio) / rate,
            ranking=smoothed.ranking,
            bits=smoothed.bits,
            relaxed_code=relaxed,
            analysis=smoothed,
            elapsed_s=time.perf_counter() - started,
            verdict=smoothed.verdict,
        )

    def _smooth(self, name: str, value: np.ndarray) -> np.ndarray:
        """The moving average of ``name`` with this step's ``value`` (the value itself at first)."""
        previous = self._smoothed.get(name)
        alpha = self.settings.smoothing
        smoothed = value if previous is None else alpha * previous + (1.0 - alpha) * value
        self._smoothed[name] = smoothed
        return smoothed


PAUSE_STEP_S = 0.1
"""The resolution at which :func:`after_last_pause` finds where a pause ended."""


def after_last_pause(audio: np.ndarray, *, sr: int, pause_s: float, silence_dbfs: float) -> np.ndarray:
    """The end of ``audio`` (``(frames, channels)``, oldest first) after its last pause, ``pause_s`` seconds in a row
    whose RMS level is below ``silence_dbfs`` (the rule that calls the input too quiet to tell), found to
    :data:`PAUSE_STEP_S`; all of ``audio`` when it holds no pause.

    A step (one every ``interval_s``) may come in no pause that a step at another moment would have called quiet; the
    audio itself says where each pause ended, whenever the step comes."""
    block = max(1, round(sr * PAUSE_STEP_S))
    blocks = len(audio) // block
    span = max(1, round(pause_s / PAUSE_STEP_S))
    if blocks < span:
        return audio
    newest = audio[len(audio) - blocks * block :]  # blocks end with the newest frame
    power = np.square(newest, dtype=np.float64).reshape(blocks, -1).mean(axis=1)
    summed = np.concatenate([[0.0], np.cumsum(power)])
    quiet = np.flatnonzero((summed[span:] - summed[:-span]) / span < 10.0 ** (silence_dbfs / 10.0))
    if not len(quiet):
        return audio
    return audio[len(audio) - (blocks - quiet[-1] - span) * block :]

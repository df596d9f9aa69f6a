"""Every file analysed once per model, reduced to what the figures read.

An :class:`~musictagger.model.runtime.Analysis` holds the whole log-mel, the windows and five
layers' maps — megabytes per track — while the figures need only the probabilities, the code
and the verdict, so each analysis is reduced to an :class:`Outcome` as soon as it is made and
the evaluation of 400 tracks stays small.  A collection's track is decoded once and analysed
in up to four ways (:func:`analyse_track`):

* ``library`` — the default analysis (the sidecar's windows spread over the track), exactly
  what ``musictagger index`` stores: ``analyze_file`` is decoding plus this analysis;
* ``first_window`` — its first window alone (0–29.12 s), the database of the
  different-window search;
* ``room_capture`` — that window played in a room and heard by a laptop
  (:func:`musictagger.audio.augment.room_capture`, seeded per track, so every model hears the
  same capture), a query;
* ``later_window`` — the window starting at 30 s, a query (see :func:`later_window`).

Each goes through ``GenreModel.analyze_signal``, so the real front end (resampling,
normalisation, log-mel) sees every view.  Files that fail are collected, not fatal.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from musictagger.audio.augment import room_capture
from musictagger.audio.decode import decode
from musictagger.audio.signal import resample, to_mono
from musictagger.collection import Track
from musictagger.errors import MusictaggerError
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.model.verdict import Verdict

LATER_WINDOW_START_S = 30.0
"""Where the different-window query starts: just after the first window (29.12 s) ends."""

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True, eq=False)
class Outcome:
    """The part of one analysis the figures use: calibrated track probabilities, code, verdict, and
    the windows' relaxed codes ``(n_windows, K)``, which the library searches beside the track's code."""

    probabilities: np.ndarray
    bits: np.ndarray
    relaxed: np.ndarray
    verdict: Verdict
    window_codes: np.ndarray

    @classmethod
    def of(cls, analysis: Analysis) -> Outcome:
        return cls(
            analysis.probabilities, analysis.bits, analysis.relaxed_code, analysis.verdict, analysis.window_codes
        )


@dataclass(frozen=True, eq=False)
class TrackOutcomes:
    """A collection track's analyses; the queries are ``None`` for a track that is not a query
    (and ``later_window`` also for a query too short to have a later window)."""

    track: Track
    library: Outcome
    first_window: Outcome
    room_capture: Outcome | None = None
    later_window: Outcome | None = None


@dataclass(frozen=True)
class Failure:
    """An item that could not be analysed, and why (the error's sentence)."""

    name: str
    reason: str


def analyse_each(
    items: Sequence[Item], analyse: Callable[[Item], Result], *, name: Callable[[Item], str], desc: str
) -> tuple[list[tuple[Item, Result]], list[Failure]]:
    """``analyse`` every item with a progress bar; an item whose analysis raises a
    :class:`~musictagger.errors.MusictaggerError` becomes a :class:`Failure` and the rest go on."""
    done, failures = [], []
    for item in tqdm(items, desc=desc):
        try:
            done.append((item, analyse(item)))
        except MusictaggerError as exc:
            failures.append(Failure(name(item), str(exc)))
    return done, failures


def later_window(y: np.ndarray, *, window: int, start: int) -> np.ndarray | None:
    """The ``window`` samples of ``y`` from ``start``, for the different-window query.

    A track too short for that gets its last ``window`` samples if they still begin after
    the first window ends (so the two never overlap), and otherwise none: ``None``.
    """
    if y.size >= start + window:
        return y[start : start + window]
    if y.size >= 2 * window:
        return y[-window:]
    return None


def room_rng(seed: int, track: Track) -> np.random.Generator:
    """The capture's random generator for ``track``: fixed by the seed and the track's path,
    so a track's capture does not depend on the order of the collection or on the model."""
    return np.random.default_rng([seed, zlib.crc32(track.relative.encode("utf-8"))])


def heard_in_room(track: Track, y: np.ndarray, sr: int, *, seed: int, start: int = 0, length: int) -> np.ndarray:
    """``length`` samples of ``track``'s mono signal ``y`` (at ``sr``) from ``start``, as the evaluation's
    room hears them (:func:`musictagger.audio.augment.room_capture`, drawn by :func:`room_rng`): the
    query every same-track figure and bench asks, so a capture of one track is the same everywhere."""
    return room_capture(y[start : start + length], sr, room_rng(seed, track))


def analyse_track(
    model: GenreModel, track: Track, *, query: bool, n_windows: int | None, room_seed: int
) -> TrackOutcomes:
    """Decode ``track`` once and analyse it as the library, its first window and (for a
    ``query`` track) the room capture and the later window; see the module docstring."""
    audio = decode(track.path)
    library = Outcome.of(model.analyze_signal(audio.y, sr=audio.sr, n_windows=n_windows, source=str(track.path)))
    params = model.manifest.front_end
    sr = params.sample_rate
    y = resample(to_mono(audio.y), orig_sr=audio.sr, target_sr=sr)
    window = params.window_frames * params.hop_length

    def one_window(segment: np.ndarray, view: str) -> Outcome:
        return Outcome.of(model.analyze_signal(segment, sr=sr, n_windows=1, source=f"{track.path} ({view})"))

    first = y[:window]
    first_window = one_window(first, "first window")
    if not query:
        return TrackOutcomes(track, library, first_window)
    later = later_window(y, window=window, start=round(LATER_WINDOW_START_S * sr))
    return TrackOutcomes(
        track,
        library,
        first_window,
        room_capture=one_window(heard_in_room(track, y, sr, seed=room_seed, length=window), "room capture"),
        later_window=None if later is None else one_window(later, "later window"),
    )

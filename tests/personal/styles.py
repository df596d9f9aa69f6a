"""A generated library of distinct "styles" for learning tests: each style a tempo, timbre and noise colour.

Short FLAC clips (2 s; the model repeats a clip to fill its window), tagged with mutagen the way other
taggers would, in several spellings per label, with a few artists per style.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tests.audio.signals import at_level, drum_pattern, tone, write
from tests.tagging.media import pretag

SR = 22050
SECONDS = 2.0


def brown_noise(*, seconds: float, seed: int) -> np.ndarray:
    """Integrated white noise: its energy falls with frequency (a rumble)."""
    y = np.cumsum(np.random.default_rng(seed).standard_normal(round(SR * seconds)))
    y -= np.convolve(y, np.ones(256) / 256, mode="same")  # no drift
    return at_level(y, -20.0)


def style_signal(style: str, seed: int) -> np.ndarray:
    """``seconds`` of one style: ``ambient`` (a low drone chord and rumble), ``beats`` (fast noise
    bursts over a high tone), ``chimes`` (bright high tones, slow pulses)."""
    rng = np.random.default_rng(seed)
    detune = 1.0 + 0.03 * rng.standard_normal()
    if style == "ambient":
        chord = sum(tone(f * detune, sr=SR, seconds=SECONDS, amplitude=0.12) for f in (55.0, 82.5, 110.0))
        return (chord + 0.5 * brown_noise(seconds=SECONDS, seed=seed)).astype(np.float32)
    if style == "beats":
        onsets = list(np.arange(0.0, SECONDS, 0.125 * detune))
        return (
            drum_pattern(onsets, sr=SR, seconds=SECONDS, seed=seed)
            + tone(1760.0 * detune, sr=SR, seconds=SECONDS, amplitude=0.05)
        ).astype(np.float32)
    if style == "chimes":
        bells = sum(tone(f * detune, sr=SR, seconds=SECONDS, amplitude=0.1) for f in (2093.0, 2637.0, 3136.0))
        pulse = 0.5 + 0.5 * np.sin(2 * np.pi * 1.0 * np.arange(len(bells)) / SR)
        return (bells * pulse).astype(np.float32)
    raise ValueError(style)


def make_track(path: Path, style: str, *, seed: int, genres: Sequence[str] = (), artist: str = "An artist") -> Path:
    """A FLAC clip of ``style``, tagged with ``genres`` (none: no genre field) by ``artist``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, style_signal(style, seed), SR, "flac")
    pretag(path, genres=genres, title=path.stem, artist=artist)
    return path

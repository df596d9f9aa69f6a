"""The whole track's log-mel for display, computed block by block at display resolution.

The analysis reads only its windows (:mod:`musictagger.audio.frontend`); the window's
spectrogram shows the whole track.  It is computed with the front end's own excerpt reader,
one block of frames at a time, so memory stays flat in the track's length (a 3-hour concert
is never held decoded), and neighbouring frames are averaged into at most ``max_columns``
columns: no screen shows more, and a long file's image stays small.  The same offset and
gain as the analysis are applied, so the picture is what the model hears (without the noise
reduction, which files do not get).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musictagger.audio.features import log_compress, mel_power
from musictagger.audio.frontend import read_excerpt, target_samples, track_frames
from musictagger.audio.params import FeatureParams
from musictagger.audio.reader import AudioReader, open_reader
from musictagger.audio.signal import SignalReport, normalise

# Frames computed per block (~60 s at the default front end).
BLOCK_FRAMES = 3750
MAX_COLUMNS = 8192


@dataclass(frozen=True)
class Overview:
    """``log_mel`` ``(columns, n_mels)``: each column the mean of ``frames_per_column`` log-mel frames."""

    log_mel: np.ndarray
    frames_per_column: int


def overview_from_reader(
    reader: AudioReader, *, params: FeatureParams, report: SignalReport, max_columns: int = MAX_COLUMNS
) -> Overview:
    """The log-mel of all of ``reader``'s audio, pooled to at most ``max_columns`` columns.

    A file may end before its header says (cut short): the reader finds where as it reads, the blocks stop there
    and the columns past it are dropped, so that the picture spans the audio the analysis heard (its length is the
    one :func:`~musictagger.audio.frontend.features_from_reader` found), not the length announced squeezed into it.
    """
    per_column = -(-track_frames(target_samples(reader, params), params) // max_columns)
    block = max(BLOCK_FRAMES // per_column, 1) * per_column  # whole columns per block
    columns = []
    first = 0
    while first < (n_frames := track_frames(n_target := target_samples(reader, params), params)):
        excerpt = read_excerpt(reader, first, min(block, n_frames - first), n_target, params)
        samples = excerpt.samples
        samples[excerpt.inside] = normalise(samples[excerpt.inside], report=report)
        log = log_compress(mel_power(samples, params=params, center=False), multiplier=params.log_multiplier)
        whole = log.shape[0] // per_column * per_column
        pooled = [log[:whole].reshape(-1, per_column, params.n_mels).mean(axis=1)]
        if whole < log.shape[0]:
            pooled.append(log[whole:].mean(axis=0, keepdims=True))
        columns.extend(pooled)
        first += block
    kept = -(-n_frames // per_column)  # the length found after the last block, which may have ended the audio
    return Overview(np.concatenate(columns)[:kept].astype(np.float32, copy=False), per_column)


def overview_from_file(
    path: str | Path, *, params: FeatureParams, report: SignalReport, max_columns: int = MAX_COLUMNS
) -> Overview:
    """:func:`overview_from_reader` of the file at ``path``."""
    with open_reader(path) as reader:
        return overview_from_reader(reader, params=params, report=report, max_columns=max_columns)

"""The audio front end: decode → mono → resample → normalise → mel → log → windows.

This is the only implementation of that chain.  Training, the CLI, the GUI and the
microphone path all call :func:`features_from_signal` (or :func:`features_from_file`,
which decodes first), so what the model sees never depends on where the audio came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musictagger.audio.decode import decode
from musictagger.audio.features import analysis_windows, log_mel
from musictagger.audio.params import FeatureParams
from musictagger.audio.signal import SignalReport, inspect_signal, normalise, resample, to_mono
from musictagger.errors import AudioTooShortError, SilentAudioError


@dataclass(frozen=True)
class Features:
    """Front-end output for one signal.

    Attributes
    ----------
    log_mel
        The whole signal's log-mel, ``(frames, n_mels)`` float32.
    windows
        Model input, ``(n_windows, window_frames, n_mels)`` float32.
    window_starts
        First frame of each window in ``log_mel``.
    report
        Level, clipping and gain measured on the signal.
    """

    log_mel: np.ndarray
    windows: np.ndarray
    window_starts: np.ndarray
    report: SignalReport


def features_from_signal(
    y: np.ndarray, *, sr: int, params: FeatureParams, n_windows: int, source: str | Path = "<signal>"
) -> Features:
    """Run the front end on a decoded signal ``(samples,)`` or ``(channels, samples)``.

    Raises
    ------
    AudioTooShortError
        The signal is shorter than ``params.min_duration_s``.
    SilentAudioError
        Its level is below ``params.silence_dbfs``: any genre would be a guess.
    """
    mono = resample(to_mono(y), orig_sr=sr, target_sr=params.sample_rate)
    report = inspect_signal(mono, sr=params.sample_rate, params=params, source=y)
    if report.duration_s < params.min_duration_s:
        raise AudioTooShortError(
            source, f"only {report.duration_s:.3f} s of audio; at least {params.min_duration_s:g} s is needed"
        )
    if report.silent:
        raise SilentAudioError(
            source, f"the audio is silent (level {report.rms_dbfs:.1f} dBFS, below {params.silence_dbfs:g} dBFS)"
        )
    features = log_mel(normalise(mono, report=report), params=params)
    windows, starts = analysis_windows(features, window_frames=params.window_frames, n_windows=n_windows)
    return Features(log_mel=features, windows=windows, window_starts=starts, report=report)


def features_from_file(path: str | Path, *, params: FeatureParams, n_windows: int) -> Features:
    """Decode ``path`` and run the front end on it (see :func:`features_from_signal`)."""
    audio = decode(path)
    return features_from_signal(audio.y, sr=audio.sr, params=params, n_windows=n_windows, source=path)

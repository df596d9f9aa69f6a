"""Log-mel features and analysis windows.

The log-mel is computed as musicnn computes it (librosa's Slaney mel filterbank on a power
spectrogram, then ``log10(1 + 10000·mel)``) but in float32 throughout: musicnn's own
extractor casts the mel to float16 before the log, which overflows to ``inf`` under NumPy 2.
"""

from __future__ import annotations

from functools import lru_cache

import librosa
import numpy as np

from musictagger.audio.params import FeatureParams
from musictagger.errors import ParameterError


@lru_cache(maxsize=8)
def mel_filterbank(*, sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-style mel filterbank ``(n_mels, 1 + n_fft // 2)``, cached per configuration."""
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels).astype(np.float32)


def mel_power(y: np.ndarray, *, params: FeatureParams, center: bool = True) -> np.ndarray:
    """Mel power spectrogram ``(frames, n_mels)`` of a mono signal at ``params.sample_rate``.

    Frames are centred (librosa's ``center=True`` with zero padding), so frame ``t`` is
    centred at sample ``t·hop_length``.  ``center=False`` gives only the frames that lie
    wholly inside ``y``: a stream computed chunk by chunk (the live view) then gets the
    very frames the whole signal would.
    """
    if y.ndim != 1:
        raise ParameterError(f"mel_power needs a mono signal, got shape {y.shape}")
    spectrum = librosa.stft(y, n_fft=params.n_fft, hop_length=params.hop_length, center=center, pad_mode="constant")
    power = np.abs(spectrum).astype(np.float32) ** 2
    basis = mel_filterbank(sr=params.sample_rate, n_fft=params.n_fft, n_mels=params.n_mels)
    return (basis @ power).T.copy()


def reduce_noise(mel: np.ndarray, *, strength: float, quantile: float) -> np.ndarray:
    """Subtract a stationary noise floor from each mel band (spectral subtraction).

    The floor of a band is its ``quantile``-th power over time (over the whole signal given,
    so the result depends on how much signal that is); ``strength`` times that floor is
    subtracted, and the result is kept above ``(1 - strength)`` of the input, so that below
    full strength no cell is driven to zero (which would create musical-noise artefacts).
    At ``strength=1`` the quietest cells of every band do become zero.
    """
    if strength <= 0.0 or mel.shape[0] == 0:
        return mel
    floor = np.quantile(mel, quantile, axis=0, keepdims=True).astype(np.float32)
    return np.maximum(mel - strength * floor, (1.0 - strength) * mel)


def log_compress(mel: np.ndarray, *, multiplier: float) -> np.ndarray:
    """``log10(1 + multiplier·mel)`` in float32 (musicnn's compression, without its float16)."""
    return np.log10(np.float32(1.0) + np.float32(multiplier) * mel.astype(np.float32, copy=False))


def log_mel(y: np.ndarray, *, params: FeatureParams) -> np.ndarray:
    """Model input features ``(frames, n_mels)``: mel power → noise reduction → log."""
    mel = mel_power(y, params=params)
    mel = reduce_noise(mel, strength=params.noise_reduction, quantile=params.noise_quantile)
    return log_compress(mel, multiplier=params.log_multiplier)


# Windows of one track may overlap by at most this fraction of a window: overlapping
# windows repeat most of the backbone's work for nearly the same answer.  At 0, a track
# shorter than two windows is analysed as one window.
MAX_WINDOW_OVERLAP = 0.0


def window_starts(n_frames: int, *, window_frames: int, n_windows: int) -> np.ndarray:
    """First frame of each of at most ``n_windows`` analysis windows spread evenly over a track.

    The first window starts at the beginning and the last ends at the end; fewer than
    ``n_windows`` are used where more would overlap by over :data:`MAX_WINDOW_OVERLAP`
    (a 60-s track holds two 29-s windows, a 30-s track one).  A track no longer than one
    window gets a single window at 0 (it is padded, see :func:`analysis_windows`).
    """
    if n_windows < 1:
        raise ParameterError(f"n_windows must be at least 1, got {n_windows}")
    last_start = max(n_frames - window_frames, 0)
    fitting = 1 + int(last_start // ((1.0 - MAX_WINDOW_OVERLAP) * window_frames))
    count = min(n_windows, fitting)
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    return np.round(np.linspace(0, last_start, count)).astype(np.int64)


def extend_to_window(features: np.ndarray, *, window_frames: int) -> np.ndarray:
    """Boundary extension of input shorter than a window: repeat it until the window is full.

    Repetition (musicnn's ``repeat-pad``) keeps the statistics of the music, whereas zero
    padding would show the network a silence it never heard in training.
    """
    n_frames = features.shape[0]
    if n_frames >= window_frames:
        return features
    if n_frames == 0:
        raise ParameterError("cannot extend an empty feature matrix")
    return np.pad(features, ((0, window_frames - n_frames), (0, 0)), mode="wrap")


def analysis_windows(features: np.ndarray, *, window_frames: int, n_windows: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``(frames, n_mels)`` features into windows ``(n, window_frames, n_mels)``.

    Returns the windows and their start frames.
    """
    extended = extend_to_window(features, window_frames=window_frames)
    starts = window_starts(features.shape[0], window_frames=window_frames, n_windows=n_windows)
    windows = np.stack([extended[s : s + window_frames] for s in starts])
    return windows, starts

"""Log-mel features and analysis windows.

The log-mel is computed as musicnn computes it (a Slaney mel filterbank on the power
spectrogram of a periodic-Hann STFT, then ``log10(1 + 10000·mel)``) but in float32 throughout:
musicnn's own extractor casts the mel to float16 before the log, which overflows to ``inf``
under NumPy 2.  musicnn used librosa's ``stft`` and ``filters.mel``; this module computes the
same values with NumPy alone (``tests/audio/test_features.py`` checks them against librosa),
because importing and compiling librosa's STFT path (numba, llvmlite) costs every analysing
process over 100 MB of memory and a second of its first analysis.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from musictagger.audio.params import FeatureParams
from musictagger.errors import ParameterError

# The Slaney mel scale (Auditory Toolbox): linear below 1 kHz, logarithmic above.
_SLANEY_HZ_PER_MEL = 200.0 / 3
_SLANEY_BREAK_HZ = 1000.0
_SLANEY_BREAK_MEL = _SLANEY_BREAK_HZ / _SLANEY_HZ_PER_MEL
_SLANEY_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Frequencies in Hz on the Slaney mel scale."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _SLANEY_HZ_PER_MEL
    logarithmic = _SLANEY_BREAK_MEL + np.log(np.maximum(hz, _SLANEY_BREAK_HZ) / _SLANEY_BREAK_HZ) / _SLANEY_LOG_STEP
    return np.where(hz >= _SLANEY_BREAK_HZ, logarithmic, linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Slaney mels back to Hz (the inverse of :func:`hz_to_mel`)."""
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * _SLANEY_HZ_PER_MEL
    logarithmic = _SLANEY_BREAK_HZ * np.exp(_SLANEY_LOG_STEP * (np.maximum(mel, _SLANEY_BREAK_MEL) - _SLANEY_BREAK_MEL))
    return np.where(mel >= _SLANEY_BREAK_MEL, logarithmic, linear)


def mel_frequencies(n: int, *, fmin: float, fmax: float) -> np.ndarray:
    """``n`` frequencies (Hz) evenly spaced on the Slaney mel scale from ``fmin`` to ``fmax``."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n))


def band_centres_hz(params: FeatureParams) -> np.ndarray:
    """Centre frequency (Hz) of each band of the front end's mel filterbank."""
    return mel_frequencies(params.n_mels + 2, fmin=0.0, fmax=params.sample_rate / 2)[1:-1]


@lru_cache(maxsize=8)
def mel_filterbank(*, sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-style mel filterbank ``(n_mels, 1 + n_fft // 2)`` from 0 Hz to Nyquist, cached per configuration.

    Triangles between consecutive band edges, each scaled to unit area ("slaney"
    normalisation): librosa's ``filters.mel`` default.
    """
    bins_hz = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    edges = mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2)
    widths = np.diff(edges)
    offsets = edges[:, None] - bins_hz[None, :]
    rising = -offsets[:-2] / widths[:-1, None]
    falling = offsets[2:] / widths[1:, None]
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return (triangles * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


@lru_cache(maxsize=8)
def _hann(n_fft: int) -> np.ndarray:
    """The periodic Hann window (the STFT convention), float32."""
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


def power_spectrogram(y: np.ndarray, *, n_fft: int, hop_length: int, center: bool = True) -> np.ndarray:
    """``|STFT|²`` of ``y`` as ``(frames, 1 + n_fft // 2)`` float32, periodic Hann window.

    ``center=True`` pads ``n_fft // 2`` zeros at both ends so that frame ``t`` is centred at
    sample ``t·hop_length``; ``center=False`` takes only the frames wholly inside ``y`` (none
    when ``y`` is shorter than ``n_fft``).
    """
    y = np.asarray(y, dtype=np.float32)
    if center:
        y = np.pad(y, n_fft // 2)
    if len(y) < n_fft:
        return np.zeros((0, 1 + n_fft // 2), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length]
    spectrum = np.fft.rfft(frames * _hann(n_fft), axis=1)
    return (np.square(spectrum.real) + np.square(spectrum.imag)).astype(np.float32, copy=False)


def mel_power(y: np.ndarray, *, params: FeatureParams, center: bool = True) -> np.ndarray:
    """Mel power spectrogram ``(frames, n_mels)`` of a mono signal at ``params.sample_rate``.

    Frames are centred (zero padding), so frame ``t`` is centred at sample ``t·hop_length``.
    ``center=False`` gives only the frames that lie wholly inside ``y``: a stream computed
    chunk by chunk (the live view) then gets the very frames the whole signal would.
    """
    if y.ndim != 1:
        raise ParameterError(f"mel_power needs a mono signal, got shape {y.shape}")
    power = power_spectrogram(y, n_fft=params.n_fft, hop_length=params.hop_length, center=center)
    basis = mel_filterbank(sr=params.sample_rate, n_fft=params.n_fft, n_mels=params.n_mels)
    return power @ basis.T


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
    if isinstance(n_windows, bool) or not isinstance(n_windows, numbers.Integral):  # 2.5 was a TypeError inside numpy
        raise ParameterError(f"n_windows must be a whole number, got {n_windows!r}")
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

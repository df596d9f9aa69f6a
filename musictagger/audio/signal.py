"""Waveform conditioning: mono mixdown, resampling, loudness normalisation, level checks.

Pure functions on numpy arrays in librosa's manner (``y``, ``sr``, keyword-only options).
Signals are float32; a multichannel signal is shaped ``(channels, samples)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

from musictagger.audio.params import FeatureParams
from musictagger.errors import ParameterError


def as_channels(y: npt.ArrayLike) -> np.ndarray:
    """A caller's samples as the front end takes them: float32 ``(channels, samples)`` at full scale ±1.

    ``y`` may be what any reader gives: 1-D, ``(channels, samples)`` (librosa's layout) or
    ``(samples, channels)`` (soundfile's; told apart by its rows outnumbering its columns, as a second of
    audio outnumbers any count of channels), float, or integer PCM scaled by its type's full scale
    (int16 by 32768, uint8 about 128), as soundfile reads such samples.  Taken as they were, 16-bit
    samples read as thousands of times full scale (every one reported clipped), and soundfile's layout as
    thousands of channels of a few samples each ("only 0.000 s of audio").

    Raises
    ------
    ParameterError
        ``y`` has more than two dimensions, or holds no real numbers (complex, boolean, text).  NaN or infinite
        samples are found where they are read (:class:`~musictagger.audio.reader.ArrayReader`).
    """
    samples = np.asarray(y)
    if samples.ndim not in (1, 2):
        raise ParameterError(
            f"audio must be 1-D, (channels, samples) or (samples, channels), got shape {samples.shape}"
        )
    kind = samples.dtype.kind
    if kind == "f":
        samples = samples.astype(np.float32, copy=False)
    elif kind in "iu":
        half_scale = float(2 ** (8 * samples.dtype.itemsize - 1))
        offset = half_scale if kind == "u" else 0.0
        samples = ((samples.astype(np.float64) - offset) / half_scale).astype(np.float32)
    else:
        raise ParameterError(f"audio samples must be float or integer PCM, got {samples.dtype}")
    if samples.ndim == 1:
        samples = samples[np.newaxis, :]
    elif 0 < samples.shape[1] < samples.shape[0]:
        samples = samples.T
    return samples


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average all channels of ``y`` (``(samples,)`` or ``(channels, samples)``) into one.

    One channel is returned as it is (no copy, like a 1-D ``y``).  Stereo is averaged in float32, a fifth
    of the time of float64: the sum of two float32 samples is rounded once and halving it is exact, so
    each sample is the correctly rounded mean (subnormals aside).  More channels are summed in float64.
    """
    if y.ndim == 1:
        return y.astype(np.float32, copy=False)
    if y.ndim != 2:
        raise ParameterError(f"audio must be 1-D or (channels, samples), got shape {y.shape}")
    if y.shape[0] == 1:
        return y[0].astype(np.float32, copy=False)
    if y.shape[0] == 2 and y.dtype == np.float32:
        mono = np.add(y[0], y[1])
        mono *= np.float32(0.5)
        return mono
    return y.mean(axis=0, dtype=np.float64).astype(np.float32)


RESAMPLE_QUALITY = "HQ"


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a mono signal with soxr's high-quality (``HQ``) filter; a no-op at equal rates."""
    if orig_sr <= 0:
        raise ParameterError(f"sample rate must be positive, got {orig_sr}")
    if orig_sr == target_sr:
        return y
    return soxr.resample(y, orig_sr, target_sr, quality=RESAMPLE_QUALITY).astype(np.float32, copy=False)


class StreamResampler:
    """:func:`resample` for a signal that arrives in chunks (the live view): same filter, state kept between chunks."""

    def __init__(self, *, orig_sr: int, target_sr: int) -> None:
        if orig_sr <= 0:
            raise ParameterError(f"sample rate must be positive, got {orig_sr}")
        self._stream = (
            soxr.ResampleStream(orig_sr, target_sr, 1, dtype="float32", quality=RESAMPLE_QUALITY)
            if orig_sr != target_sr
            else None
        )

    def __call__(self, chunk: np.ndarray, *, last: bool = False) -> np.ndarray:
        """The resampled samples that ``chunk`` (mono) completes; the filter's delay is held back, unless
        ``last`` says the signal ends with this chunk (then the stream gives all it holds, as :func:`resample`
        gives a whole signal's end)."""
        if self._stream is None:
            return chunk.astype(np.float32, copy=False)
        return self._stream.resample_chunk(chunk.astype(np.float32, copy=False), last=last)


def dbfs(value: float) -> float:
    """Level of an amplitude (RMS or peak, full scale 1.0) in dBFS; ``-inf`` for zero."""
    return float(20.0 * np.log10(value)) if value > 0 else float("-inf")


def level_words(level_dbfs: float, decimals: int = 0) -> str:
    """A level as a user reads it: ``-23 dBFS``, or ``silence`` where every sample is zero (``-inf``), which the
    level meter, the Live panel's "too quiet" line and ``listen``'s lines all say the same way."""
    return f"{level_dbfs:.{decimals}f} dBFS" if np.isfinite(level_dbfs) else "silence"


def rms_dbfs(y: np.ndarray) -> float:
    """RMS level of ``y`` (any shape, all samples together) in dBFS; ``-inf`` for silence or no samples."""
    if y.size == 0:
        return float("-inf")
    return dbfs(float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))))


@dataclass(frozen=True)
class SignalReport:
    """What the front end noticed about a signal before normalising it.

    ``clipped`` says the source was clipped (normalisation cannot undo that, so results
    on it deserve less trust); ``silent`` that its level is below the silence threshold;
    ``gain_db`` the gain the normaliser applies, after removing ``dc_offset``.
    """

    duration_s: float
    rms_dbfs: float
    peak_dbfs: float
    clipped_fraction: float
    clipped: bool
    silent: bool
    gain_db: float
    dc_offset: float = 0.0


def clipped_fraction(y: np.ndarray, *, clip_level: float) -> float:
    """Largest fraction of samples at or above ``clip_level`` in any one channel.

    Measure it on the decoded signal, before mixing and resampling: averaging channels
    hides a clipped one, and the resampler's low-pass rounds clipped plateaus off.
    """
    if y.size == 0 or (y.max() < clip_level and y.min() > -clip_level):  # most audio: two quick passes
        return 0.0
    # A loud master touches full scale: count each channel's samples there (half the time of a mean of |y|).
    channels = y.reshape(-1, y.shape[-1])
    at_level = max(np.count_nonzero(row >= clip_level) + np.count_nonzero(row <= -clip_level) for row in channels)
    return at_level / channels.shape[1]


def normalising_gain_db(rms_db: float, *, params: FeatureParams) -> float:
    """The gain that brings a signal at ``rms_db`` to the target level (capped); none for silence."""
    if rms_db < params.silence_dbfs:
        return 0.0
    return min(params.target_rms_dbfs - rms_db, params.max_gain_db)


def inspect_signal(mono: np.ndarray, *, sr: int, params: FeatureParams, source: np.ndarray) -> SignalReport:
    """Measure level and peak of the mono signal, and clipping of the decoded ``source``.

    ``mono`` is the signal about to be analysed (at ``sr``); ``source`` the decoded signal
    it came from, ``(samples,)`` or ``(channels, samples)`` at its own rate.
    """
    if mono.size == 0:
        return SignalReport(0.0, float("-inf"), float("-inf"), 0.0, False, True, 0.0)
    dc_offset = float(mono.mean(dtype=np.float64))
    centred = mono - dc_offset
    peak = float(np.max(np.abs(mono)))
    clipped = clipped_fraction(source, clip_level=params.clip_level)
    rms_db = rms_dbfs(centred)
    return SignalReport(
        duration_s=mono.size / sr,
        rms_dbfs=rms_db,
        peak_dbfs=dbfs(peak),
        clipped_fraction=clipped,
        clipped=clipped > params.clip_fraction,
        silent=rms_db < params.silence_dbfs,
        gain_db=normalising_gain_db(rms_db, params=params),
        dc_offset=dc_offset,
    )


def normalise(y: np.ndarray, *, report: SignalReport) -> np.ndarray:
    """Remove the DC offset and apply the gain that :func:`inspect_signal` measured on the signal.

    ``y`` may be any part of the measured signal (one analysis window): every part gets the
    same offset and gain.  The result is not clipped to ±1: the mel front end is linear in
    power, so a peak above full scale after gain is harmless, while clipping it would add distortion.
    """
    centred = y - np.float32(report.dc_offset)
    return (centred * np.float32(10.0 ** (report.gain_db / 20.0))).astype(np.float32, copy=False)

"""Signal-level degradations: what a room, a laptop microphone and a cheap chain do to music.

Training uses them to make two *views* of one track that the hash code must keep together
(:func:`random_view`); the evaluation uses one fixed recipe, :func:`room_capture` (reverb,
a 120 Hz–7 kHz microphone band, pink noise at 10 dB SNR, a random gain), to measure whether
a track played in a room still finds itself in the library.  Every function works on a mono
float signal at any sample rate and never modifies its input; randomness comes only from the
``numpy.random.Generator`` passed in, so a seed reproduces a view exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musictagger.errors import ParameterError

# scipy.signal (1-2 s to import on a loaded 2-core machine) is imported where it is used: every command's start-up
# reaches this module (cli.recognition -> evaluation), and none of them needs it until it degrades a signal.


def _check_mono(y: np.ndarray) -> np.ndarray:
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"augmentations need a non-empty mono signal, got shape {y.shape}")
    return y.astype(np.float32, copy=False)


def pink_noise(n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS pink (1/f power) noise, shaped in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(n_samples))
    scale = 1.0 / np.sqrt(np.maximum(np.arange(spectrum.size), 1.0))
    noise = np.fft.irfft(spectrum * scale, n=n_samples)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype(np.float32)


def add_noise(y: np.ndarray, noise: np.ndarray, *, snr_db: float) -> np.ndarray:
    """``y`` plus ``noise`` scaled so that the signal-to-noise ratio is ``snr_db``."""
    y = _check_mono(y)
    signal_power = float(np.mean(y**2))
    noise_power = float(np.mean(noise**2)) + 1e-20
    scale = np.sqrt(signal_power / (noise_power * 10.0 ** (snr_db / 10.0)))
    return (y + scale * noise[: y.size]).astype(np.float32)


def room_impulse_response(sr: int, *, rt60_s: float, rng: np.random.Generator, direct_gain: float = 1.0) -> np.ndarray:
    """A synthetic room: a direct path then exponentially decaying noise reaching −60 dB at ``rt60_s``."""
    if rt60_s <= 0:
        raise ParameterError(f"rt60_s must be positive, got {rt60_s}")
    n = max(int(rt60_s * sr), 1)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * 10.0 ** (-3.0 * t / rt60_s)
    tail *= 0.3 / (np.sqrt(np.sum(tail**2)) + 1e-12)
    impulse = np.concatenate([[direct_gain], tail]).astype(np.float32)
    return impulse / np.sqrt(np.sum(impulse**2))


def reverberate(y: np.ndarray, sr: int, *, rt60_s: float, rng: np.random.Generator) -> np.ndarray:
    """``y`` heard in a synthetic room (same length, energy kept)."""
    from scipy import signal as sps

    y = _check_mono(y)
    wet = sps.fftconvolve(y, room_impulse_response(sr, rt60_s=rt60_s, rng=rng))[: y.size]
    return wet.astype(np.float32)


def band_limit(y: np.ndarray, sr: int, *, low_hz: float, high_hz: float) -> np.ndarray:
    """A microphone's band: 4th-order Butterworth band-pass from ``low_hz`` to ``high_hz``."""
    y = _check_mono(y)
    high_hz = min(high_hz, 0.45 * sr)
    if not 0 < low_hz < high_hz:
        raise ParameterError(f"band {low_hz}–{high_hz} Hz does not fit a signal sampled at {sr} Hz")
    from scipy import signal as sps

    sos = sps.butter(4, [low_hz, high_hz], btype="bandpass", fs=sr, output="sos")
    return sps.sosfilt(sos, y).astype(np.float32)


def eq_tilt(y: np.ndarray, sr: int, *, db_per_octave: float) -> np.ndarray:
    """Tilt the spectrum by ``db_per_octave`` around 1 kHz (negative: darker, positive: brighter)."""
    y = _check_mono(y)
    spectrum = np.fft.rfft(y)
    freqs = np.fft.rfftfreq(y.size, d=1.0 / sr)
    octaves = np.log2(np.maximum(freqs, 20.0) / 1000.0)
    gain = 10.0 ** (db_per_octave * octaves / 20.0)
    return np.fft.irfft(spectrum * gain, n=y.size).astype(np.float32)


def apply_gain(y: np.ndarray, *, gain_db: float) -> np.ndarray:
    return (_check_mono(y) * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


@dataclass(frozen=True)
class RoomCapture:
    """The evaluation's fixed recipe for "music played in a room, heard by a laptop".

    Reverb with an RT60 drawn from ``rt60_s``, the microphone band, pink noise at
    ``snr_db``, then a gain drawn from ``gain_db``.
    """

    rt60_s: tuple[float, float] = (0.3, 0.7)
    band_hz: tuple[float, float] = (120.0, 7000.0)
    snr_db: float = 10.0
    gain_db: tuple[float, float] = (-20.0, 0.0)


def room_capture(y: np.ndarray, sr: int, rng: np.random.Generator, recipe: RoomCapture | None = None) -> np.ndarray:
    """``y`` as a room microphone would record it (see :class:`RoomCapture`)."""
    recipe = recipe or RoomCapture()
    out = reverberate(y, sr, rt60_s=float(rng.uniform(*recipe.rt60_s)), rng=rng)
    out = band_limit(out, sr, low_hz=recipe.band_hz[0], high_hz=recipe.band_hz[1])
    out = add_noise(out, pink_noise(out.size, rng), snr_db=recipe.snr_db)
    return apply_gain(out, gain_db=float(rng.uniform(*recipe.gain_db)))


def random_view(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One random training view of ``y``: each degradation applied with some probability.

    Stronger and more varied than :func:`room_capture` on purpose (noise down to 5 dB SNR,
    narrower bands, tilts of ±3 dB/octave), so the code learns invariance to a family of
    chains rather than to the one recipe it is evaluated on.
    """
    out = _check_mono(y)
    if rng.random() < 0.5:
        out = eq_tilt(out, sr, db_per_octave=float(rng.uniform(-3.0, 3.0)))
    if rng.random() < 0.6:
        out = reverberate(out, sr, rt60_s=float(rng.uniform(0.1, 0.9)), rng=rng)
    if rng.random() < 0.6:
        out = band_limit(out, sr, low_hz=float(rng.uniform(60.0, 300.0)), high_hz=float(rng.uniform(3500.0, 8000.0)))
    if rng.random() < 0.7:
        noise = pink_noise(out.size, rng) if rng.random() < 0.7 else rng.standard_normal(out.size).astype(np.float32)
        out = add_noise(out, noise, snr_db=float(rng.uniform(5.0, 25.0)))
    return apply_gain(out, gain_db=float(rng.uniform(-20.0, 6.0)))

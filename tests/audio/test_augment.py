"""The degradations that make training views and the evaluation's room captures."""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.audio.augment import add_noise, band_limit, eq_tilt, pink_noise, random_view, room_capture
from musictagger.errors import ParameterError

SR = 16000


def tone_mix(seconds: float = 3.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.3 * np.sin(2 * np.pi * 40 * t) + 0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def band_power(y: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(y.size, 1 / SR)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum())


def test_room_capture_keeps_length_leaves_input_alone_and_is_reproducible() -> None:
    y = tone_mix()
    before = y.copy()
    a = room_capture(y, SR, np.random.default_rng(7))
    b = room_capture(y, SR, np.random.default_rng(7))
    c = room_capture(y, SR, np.random.default_rng(8))
    assert a.shape == y.shape and a.dtype == np.float32
    assert np.array_equal(y, before)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_room_capture_cuts_below_the_microphone_band() -> None:
    y = tone_mix()
    captured = room_capture(y, SR, np.random.default_rng(0))
    ratio_before = band_power(y, 30, 50) / band_power(y, 900, 1100)
    ratio_after = band_power(captured, 30, 50) / band_power(captured, 900, 1100)
    assert ratio_after < ratio_before / 100, "a 40 Hz tone must lose > 20 dB against 1 kHz through a 120 Hz high-pass"


def test_noise_is_added_at_the_requested_snr() -> None:
    y = tone_mix()
    noise = pink_noise(y.size, np.random.default_rng(1))
    noisy = add_noise(y, noise, snr_db=10.0)
    residual = noisy - y
    snr = 10 * np.log10(np.mean(y**2) / np.mean(residual**2))
    assert snr == pytest.approx(10.0, abs=0.01)


def test_pink_noise_falls_with_frequency() -> None:
    noise = pink_noise(SR * 4, np.random.default_rng(2))
    per_hz_low = band_power(noise, 100, 200) / 100
    per_hz_high = band_power(noise, 3200, 6400) / 3200
    assert per_hz_low / per_hz_high == pytest.approx(32, rel=0.3), "1/f: 5 octaves apart is a factor of 32 per Hz"


def test_eq_tilt_brightens_or_darkens() -> None:
    y = tone_mix()
    bright, dark = eq_tilt(y, SR, db_per_octave=3.0), eq_tilt(y, SR, db_per_octave=-3.0)
    assert band_power(bright, 30, 50) < band_power(y, 30, 50) < band_power(dark, 30, 50)


def test_random_views_differ_and_stay_finite() -> None:
    y = tone_mix()
    rng = np.random.default_rng(3)
    views = [random_view(y, SR, rng) for _ in range(4)]
    assert all(v.shape == y.shape and np.isfinite(v).all() for v in views)
    assert len({v.tobytes() for v in views}) == 4


def test_a_band_that_does_not_fit_the_rate_is_refused() -> None:
    with pytest.raises(ParameterError, match="does not fit"):
        band_limit(tone_mix(), SR, low_hz=9000.0, high_hz=12000.0)

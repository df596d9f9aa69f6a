"""The whole front end (mono → resample → normalise → mel → log → windows) on generated audio."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.audio.overview import overview_from_reader
from musictagger.audio.params import FeatureParams
from musictagger.audio.reader import ArrayReader
from musictagger.audio.signal import SignalReport
from musictagger.errors import AudioTooShortError, SilentAudioError
from tests.audio.signals import (
    at_level,
    channels_of,
    chirp,
    drum_pattern,
    music,
    noise,
    square,
    tone,
    write,
)

PARAMS = FeatureParams()
FRAMES_PER_S = PARAMS.sample_rate / PARAMS.hop_length  # 62.5


@dataclass(frozen=True)
class Seen:
    """The front end's windows, and the whole signal's log-mel frame by frame as the display overview gives it."""

    windows: np.ndarray
    window_starts: np.ndarray
    report: SignalReport
    log_mel: np.ndarray


def features(y: np.ndarray, sr: int, *, n_windows: int = 1, source: str = "<signal>") -> Seen:
    result = features_from_signal(y, sr=sr, params=PARAMS, n_windows=n_windows, source=source)
    whole = overview_from_reader(ArrayReader(y, sr), params=PARAMS, report=result.report, max_columns=10**9)
    assert whole.frames_per_column == 1
    return Seen(result.windows, result.window_starts, result.report, whole.log_mel)


def peak_band(log_mel: np.ndarray) -> int:
    """The mel band holding most energy over the whole signal."""
    return int(np.argmax(log_mel.mean(axis=0)))


def undo_log(log_mel: np.ndarray) -> np.ndarray:
    """Undo the log compression ``log10(1 + C·mel)``."""
    return (10.0 ** log_mel.astype(np.float64) - 1.0) / PARAMS.log_multiplier


# --- rate and channel independence --------------------------------------------------------


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_any_rate_and_channel_count_gives_the_same_shapes_and_peak_band(sr: int, channels: int) -> None:
    reference = features(tone(1000.0, sr=PARAMS.sample_rate, seconds=3.0), PARAMS.sample_rate)

    result = features(channels_of(tone(1000.0, sr=sr, seconds=3.0), channels), sr)

    assert (
        result.log_mel.shape
        == reference.log_mel.shape
        == (1 + 3 * PARAMS.sample_rate // PARAMS.hop_length, PARAMS.n_mels)
    )
    assert result.windows.shape == (1, PARAMS.window_frames, PARAMS.n_mels)
    assert result.windows.dtype == result.log_mel.dtype == np.float32
    assert peak_band(result.log_mel) == peak_band(reference.log_mel)


def test_a_signal_in_one_stereo_channel_is_mixed_in_not_dropped() -> None:
    y = tone(1000.0, sr=44100, seconds=3.0)
    mono = features(y, 44100)
    left_only = features(np.stack([y, np.zeros_like(y)]), 44100)
    right_only = features(np.stack([np.zeros_like(y), y]), 44100)

    for one_sided in (left_only, right_only):
        assert one_sided.report.rms_dbfs == pytest.approx(mono.report.rms_dbfs - 6.02, abs=0.05)
        assert peak_band(one_sided.log_mel) == peak_band(mono.log_mel)
        # Normalisation brings it back to the same level as the mono tone.
        np.testing.assert_allclose(one_sided.log_mel, mono.log_mel, atol=1e-3)


# --- time structure -----------------------------------------------------------------------


def test_a_chirps_peak_band_rises_over_time() -> None:
    result = features(chirp(150.0, 6000.0, sr=44100, seconds=6.0), 44100)

    per_frame = np.argmax(result.log_mel, axis=1)
    half_seconds = [int(np.median(per_frame[i : i + 31])) for i in range(16, len(per_frame) - 31, 31)]
    assert all(later > earlier for earlier, later in itertools.pairwise(half_seconds))
    assert half_seconds[-1] - half_seconds[0] > PARAMS.n_mels // 2


def test_a_drum_patterns_onsets_appear_at_the_right_frames() -> None:
    onsets_s = [0.5, 1.0, 1.75, 2.25, 3.0, 3.125]
    result = features(drum_pattern(onsets_s, sr=44100, seconds=4.0), 44100)

    energy = result.log_mel.sum(axis=1)
    rise = np.diff(energy, prepend=0.0)
    jumps = np.flatnonzero(rise > 0.3 * rise.max())
    detected = jumps[np.diff(jumps, prepend=-10) > 2]  # first frame of each jump
    expected = np.round(np.array(onsets_s) * FRAMES_PER_S)
    assert len(detected) == len(onsets_s)
    np.testing.assert_allclose(detected, expected, atol=1)


# --- loudness -----------------------------------------------------------------------------


def test_the_same_music_at_minus_30_and_minus_10_dbfs_gives_the_same_log_mel() -> None:
    y = music(sr=44100, seconds=4.0)
    quiet, loud = features(at_level(y, -30.0), 44100), features(at_level(y, -10.0), 44100)

    assert quiet.report.gain_db - loud.report.gain_db == pytest.approx(20.0, abs=0.01)
    np.testing.assert_allclose(quiet.log_mel, loud.log_mel, atol=1e-3)


def test_very_quiet_noise_is_boosted_by_at_most_max_gain_db() -> None:
    quiet = features(noise(sr=PARAMS.sample_rate, seconds=3.0, rms_dbfs=-55.0), PARAMS.sample_rate)
    normal = features(noise(sr=PARAMS.sample_rate, seconds=3.0, rms_dbfs=-25.0), PARAMS.sample_rate)

    assert quiet.report.gain_db == PARAMS.max_gain_db
    # -55 dBFS + 20 dB gain lands 15 dB below the -20 dBFS the normal noise reaches.
    level_db = 10 * np.log10(undo_log(quiet.log_mel).mean() / undo_log(normal.log_mel).mean())
    assert level_db == pytest.approx(-15.0, abs=0.5)


@pytest.mark.parametrize("level_dbfs", [None, -80.0], ids=["digital-zero", "hiss-at-minus-80-dbfs"])
def test_silence_raises_silent_audio_error_naming_the_source(level_dbfs: float | None) -> None:
    sr = 22050
    y = np.zeros(3 * sr, np.float32) if level_dbfs is None else noise(sr=sr, seconds=3.0, rms_dbfs=level_dbfs)

    with pytest.raises(SilentAudioError, match=r"quiet-room\.wav"):
        features(y, sr, source="quiet-room.wav")


def test_digital_silence_is_called_so_not_minus_infinity_dbfs() -> None:
    with pytest.raises(SilentAudioError, match=r"the audio is silent \(every sample is zero\)"):
        features_from_signal(np.zeros(22050 * 5, np.float32), sr=22050, params=FeatureParams(), n_windows=1)


def test_a_full_scale_square_wave_is_reported_clipped_and_a_clean_tone_is_not() -> None:
    for sr in (PARAMS.sample_rate, 44100):
        assert features(square(220.0, sr=sr, seconds=2.0), sr).report.clipped
    assert not features(tone(220.0, sr=44100, seconds=2.0, amplitude=0.9), 44100).report.clipped


@pytest.mark.parametrize("sr", [16000, 44100, 48000])
def test_hard_clipped_music_is_reported_clipped_at_any_input_rate(sr: int) -> None:
    y = np.clip(3.0 * music(sr=sr, seconds=4.0), -1.0, 1.0)
    assert np.mean(np.abs(y) >= PARAMS.clip_level) > 2 * PARAMS.clip_fraction  # the source is clipped

    assert features(y, sr).report.clipped


def test_one_clipped_channel_of_a_stereo_file_is_reported_clipped() -> None:
    sr = PARAMS.sample_rate
    clipped = np.clip(5.0 * music(sr=sr, seconds=4.0), -1.0, 1.0)
    y = np.stack([clipped, 0.3 * music(sr=sr, seconds=4.0, seed=1)])
    assert np.mean(np.abs(y[0]) >= PARAMS.clip_level) > 10 * PARAMS.clip_fraction

    assert features(y, sr).report.clipped


# --- length and windows -------------------------------------------------------------------


def test_half_a_second_raises_audio_too_short_error_naming_the_source() -> None:
    with pytest.raises(AudioTooShortError, match=r"blip\.wav.*0\.500 s"):
        features(tone(440.0, sr=44100, seconds=0.5), 44100, source="blip.wav")


def test_one_and_a_half_seconds_is_repeated_to_fill_one_window() -> None:
    result = features(music(sr=44100, seconds=1.5), 44100)

    n_frames = result.log_mel.shape[0]
    assert n_frames == 1 + int(1.5 * PARAMS.sample_rate) // PARAMS.hop_length
    assert result.windows.shape == (1, PARAMS.window_frames, PARAMS.n_mels)
    np.testing.assert_array_equal(result.window_starts, [0])
    np.testing.assert_array_equal(result.windows[0], result.log_mel[np.arange(PARAMS.window_frames) % n_frames])


def test_ninety_seconds_in_three_windows_span_the_whole_track_without_overlapping() -> None:
    result = features(music(sr=PARAMS.sample_rate, seconds=90.0), PARAMS.sample_rate, n_windows=3)

    n_frames = result.log_mel.shape[0]
    assert result.windows.shape == (3, PARAMS.window_frames, PARAMS.n_mels)
    assert result.window_starts[0] == 0
    assert result.window_starts[-1] + PARAMS.window_frames == n_frames
    assert np.all(np.diff(result.window_starts) >= PARAMS.window_frames)
    for window, start in zip(result.windows, result.window_starts, strict=True):  # FFTs of other lengths: rounding
        np.testing.assert_allclose(window, result.log_mel[start : start + PARAMS.window_frames], atol=1e-5)


@pytest.mark.parametrize(("seconds", "expected"), [(20.0, 1), (30.0, 1), (58.0, 1), (60.0, 2), (80.0, 2), (240.0, 3)])
def test_windows_never_overlap_so_a_track_shorter_than_two_windows_is_one(seconds: float, expected: int) -> None:
    y = music(sr=PARAMS.sample_rate, seconds=seconds)

    result = features_from_signal(y, sr=PARAMS.sample_rate, params=PARAMS, n_windows=3)

    assert len(result.window_starts) == expected
    assert result.n_frames == 1 + round(seconds * PARAMS.sample_rate) // PARAMS.hop_length


def test_windows_read_from_a_resampled_excerpt_match_the_whole_track_resampled() -> None:
    result = features(music(sr=44100, seconds=95.0), 44100, n_windows=3)

    assert len(result.window_starts) == 3
    for window, start in zip(result.windows, result.window_starts, strict=True):
        np.testing.assert_allclose(window, result.log_mel[start : start + PARAMS.window_frames], atol=1e-4)


def test_features_from_a_file_match_features_from_its_samples(tmp_path: Path) -> None:
    y = channels_of(music(sr=44100, seconds=3.0), 2)
    path = write(tmp_path / "song.flac", y, 44100, "flac")

    from_file = features_from_file(path, params=PARAMS, n_windows=1)

    np.testing.assert_allclose(from_file.windows, features(y, 44100).windows, atol=1e-3)


# --- any short signal ---------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seconds=st.floats(0.0, 2.5),
    sr=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]),
    channels=st.integers(1, 6),
    kind=st.sampled_from(["noise", "tone", "zeros", "dc", "impulse"]),
    level_dbfs=st.floats(-100.0, 0.0),
    seed=st.integers(0, 2**16),
)
def test_any_short_signal_gives_finite_windows_or_a_clear_error(
    seconds: float, sr: int, channels: int, kind: str, level_dbfs: float, seed: int
) -> None:
    n = round(seconds * sr)
    rng = np.random.default_rng(seed)
    amplitude = np.float32(10 ** (level_dbfs / 20))
    mono = {
        "noise": lambda: amplitude * rng.standard_normal(n).astype(np.float32),
        "tone": lambda: tone(float(rng.uniform(30, sr / 2)), sr=sr, seconds=n / sr, amplitude=float(amplitude)),
        "zeros": lambda: np.zeros(n, np.float32),
        "dc": lambda: np.full(n, amplitude, np.float32),
        "impulse": lambda: np.where(np.arange(n) == n // 2, amplitude, 0).astype(np.float32),
    }[kind]()
    y = rng.uniform(0, 1, size=(channels, 1)).astype(np.float32) * mono

    try:
        result = features(y, sr, n_windows=2)
    except (AudioTooShortError, SilentAudioError):
        return
    assert result.windows.dtype == np.float32
    assert result.windows.shape[1:] == (PARAMS.window_frames, PARAMS.n_mels)
    assert 1 <= result.windows.shape[0] <= 2
    assert np.isfinite(result.windows).all() and np.isfinite(result.log_mel).all()

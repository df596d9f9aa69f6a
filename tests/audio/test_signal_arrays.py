"""Arrays a researcher hands the front end (``GenreModel.analyze_signal``): what soundfile, librosa or a
recording gives, in any layout and sample type, and the arrays that are not audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.frontend import Features, features_from_file, features_from_signal
from musictagger.audio.params import FeatureParams
from musictagger.errors import ParameterError
from tests.audio.signals import music

PARAMS = FeatureParams()
SR = 22050


def features(y: object, sr: object = SR) -> Features:
    return features_from_signal(y, sr=sr, params=PARAMS, n_windows=1)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stereo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of stereo music, 16-bit, as a WAV is usually stored."""
    path = tmp_path_factory.mktemp("arrays") / "song.wav"
    y = np.stack([music(sr=SR, seconds=4.0, seed=1), music(sr=SR, seconds=4.0, seed=2)], axis=1)
    sf.write(path, 0.9 * y / np.abs(y).max(), SR, subtype="PCM_16")
    return path


def test_soundfiles_samples_by_channels_are_read_as_the_file_is(stereo_file: Path) -> None:
    """``sf.read`` gives ``(samples, channels)``: it was taken for 88200 channels of 2 samples each and refused
    as 'only 0.000 s of audio'."""
    y, sr = sf.read(stereo_file, dtype="float32")
    assert y.shape == (4 * SR, 2)

    from_file = features_from_file(stereo_file, params=PARAMS, n_windows=1)
    np.testing.assert_array_equal(features(y, sr).windows, from_file.windows)
    np.testing.assert_array_equal(features(y.T, sr).windows, from_file.windows)
    np.testing.assert_array_equal(features(y[:, :1], sr).windows, features(y[:, 0], sr).windows)


@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_integer_pcm_is_scaled_to_full_scale_as_soundfile_reads_it(stereo_file: Path, dtype: str) -> None:
    """16-bit samples were taken as they are, thousands of times full scale: every analysis said
    'clipped: 100.0% of samples at full scale', and a quiet one was not silent."""
    as_integers, sr = sf.read(stereo_file, dtype=dtype)
    as_floats, _ = sf.read(stereo_file, dtype="float32")

    scaled = features(as_integers, sr)
    assert not scaled.report.clipped
    assert scaled.report.peak_dbfs == pytest.approx(features(as_floats, sr).report.peak_dbfs, abs=1e-3)
    np.testing.assert_allclose(scaled.windows, features(as_floats, sr).windows, atol=1e-5)


def test_unsigned_8_bit_pcm_is_centred_on_128() -> None:
    y = music(sr=SR, seconds=2.0)
    y = 0.5 * y / np.abs(y).max()
    unsigned = np.round(y * 128 + 128).astype(np.uint8)

    report, as_floats = features(unsigned).report, features(y).report
    assert not report.clipped
    assert abs(report.dc_offset) < 0.01
    assert report.rms_dbfs == pytest.approx(as_floats.rms_dbfs, abs=0.1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_nan_or_infinite_sample_is_named_not_called_silence(bad: float) -> None:
    """One NaN among loud music was refused as 'the audio is silent (every sample is zero)'."""
    y = music(sr=SR, seconds=2.0)
    y[1000] = bad
    with pytest.raises(ParameterError, match=r"NaN or infinite samples \(the first at sample 1000\)"):
        features(y)


@pytest.mark.parametrize("kind", ["complex64", "bool"])
def test_samples_that_are_not_real_numbers_are_refused(kind: str) -> None:
    """A complex array lost its imaginary part with only a NumPy warning, a boolean one was read as 0 and 1."""
    y = music(sr=SR, seconds=2.0)
    with pytest.raises(ParameterError, match=f"float or integer PCM, got {kind}"):
        features(y.astype(kind))


@pytest.mark.parametrize("sr", [0.5, 44100.5, "44100", None, True])
def test_a_sample_rate_that_is_not_a_positive_whole_number_is_refused(sr: object) -> None:
    """0.5 ended in ZeroDivisionError, 44100.5 was taken for 44100, '44100' and None in a TypeError."""
    with pytest.raises(ParameterError, match="sample rate must be a positive whole number"):
        features(music(sr=SR, seconds=2.0), sr)


def test_a_whole_rate_given_as_a_float_or_numpy_integer_is_taken() -> None:
    y = music(sr=SR, seconds=2.0)
    expected = features(y).windows
    np.testing.assert_array_equal(features(y, float(SR)).windows, expected)
    np.testing.assert_array_equal(features(y, np.int64(SR)).windows, expected)

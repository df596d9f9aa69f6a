"""The front end's STFT and mel filterbank give the values of librosa's, the reference musicnn used.

The front end computes them with NumPy alone (see :mod:`musictagger.audio.features`); the model
was trained on librosa's, so they must agree to float32 precision on real signals.
"""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.audio.features import band_centres_hz, log_compress, mel_filterbank, mel_power, power_spectrogram
from musictagger.audio.params import FeatureParams
from tests.audio.signals import music

librosa = pytest.importorskip("librosa", reason="librosa (the train extra) is the reference to compare with")

PARAMS = FeatureParams()


@pytest.mark.parametrize(("sr", "n_fft", "n_mels"), [(16000, 512, 96), (22050, 1024, 128), (8000, 256, 40)])
def test_the_mel_filterbank_and_band_centres_are_librosas(sr: int, n_fft: int, n_mels: int) -> None:
    reference = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
    np.testing.assert_allclose(mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels), reference, rtol=1e-5, atol=1e-8)
    edges = librosa.mel_frequencies(n_mels=PARAMS.n_mels + 2, fmin=0.0, fmax=PARAMS.sample_rate / 2)
    np.testing.assert_allclose(band_centres_hz(PARAMS), edges[1:-1], rtol=1e-9)


@pytest.mark.parametrize("center", [True, False])
def test_the_log_mel_of_music_is_librosas(center: bool) -> None:
    y = music(sr=PARAMS.sample_rate, seconds=5.0)
    spectrum = librosa.stft(y, n_fft=PARAMS.n_fft, hop_length=PARAMS.hop_length, center=center, pad_mode="constant")
    power = np.abs(spectrum) ** 2
    np.testing.assert_allclose(
        power_spectrogram(y, n_fft=PARAMS.n_fft, hop_length=PARAMS.hop_length, center=center),
        power.T,
        rtol=1e-3,
        atol=1e-6 * power.max(),
    )
    reference = librosa.filters.mel(sr=PARAMS.sample_rate, n_fft=PARAMS.n_fft, n_mels=PARAMS.n_mels) @ power
    ours = log_compress(mel_power(y, params=PARAMS, center=center), multiplier=PARAMS.log_multiplier)
    np.testing.assert_allclose(ours, log_compress(reference.T, multiplier=PARAMS.log_multiplier), atol=1e-4)


def test_a_signal_shorter_than_one_frame_has_no_uncentred_frames() -> None:
    y = np.ones(PARAMS.n_fft - 1, dtype=np.float32)
    assert mel_power(y, params=PARAMS, center=False).shape == (0, PARAMS.n_mels)
    assert mel_power(y, params=PARAMS).shape == (1 + len(y) // PARAMS.hop_length, PARAMS.n_mels)

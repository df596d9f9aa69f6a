"""The scrolling spectrogram: chunked frames equal the whole signal's, at any device rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.capture import FileSource
from musictagger.audio.features import log_compress, mel_filterbank, mel_power
from musictagger.audio.params import FeatureParams
from musictagger.live.display import ScrollingMel
from tests.audio.signals import at_level, noise, tone

PARAMS = FeatureParams()


def fed(path: Path, *, block_frames: int, seconds: float = 10.0) -> ScrollingMel:
    """Play ``path`` into a source in blocks, updating the view after every few blocks like a timer would."""
    source = FileSource(path, realtime=False)  # not started: the test writes its ring itself
    samples, _ = sf.read(path, dtype="float32", always_2d=True)
    view = ScrollingMel(source, PARAMS, seconds=seconds)
    for offset in range(0, len(samples), block_frames * 3):
        source.ring.write(samples[offset : offset + block_frames * 3])
        view.update()
    return view


def test_chunked_frames_equal_the_whole_signals_frames(tmp_path: Path) -> None:
    y = at_level(noise(sr=16000, seconds=4.0, rms_dbfs=-20.0), -20.0)  # at the target level: display gain ≈ 1
    sf.write(tmp_path / "n.wav", y, 16000, subtype="FLOAT")
    view = fed(tmp_path / "n.wav", block_frames=333)
    whole = log_compress(mel_power(y, params=PARAMS, center=False), multiplier=PARAMS.log_multiplier)
    assert view.frames_added == len(whole)
    np.testing.assert_allclose(view.frames[-len(whole) :], whole, atol=0.02)
    assert not view.frames[: -len(whole)].any()  # the rest of the history is still empty


@pytest.mark.parametrize("device_rate", [44100, 48000, 8000])
def test_a_tone_at_any_device_rate_lights_its_own_mel_band(tmp_path: Path, device_rate: int) -> None:
    sf.write(tmp_path / "t.wav", np.stack([tone(1000.0, sr=device_rate, seconds=3.0)] * 2).T, device_rate)
    view = fed(tmp_path / "t.wav", block_frames=device_rate // 50)
    expected = int(np.argmax(mel_filterbank(sr=PARAMS.sample_rate, n_fft=PARAMS.n_fft, n_mels=PARAMS.n_mels)[:, 32]))
    recent = view.frames[-50:]  # 1000 Hz is FFT bin 32 at 16 kHz / 512
    assert abs(int(np.argmax(recent.mean(axis=0))) - expected) <= 1
    assert view.frames_added == pytest.approx(3.0 / view.seconds_per_frame, abs=12)  # minus the resampler's delay

"""The one set of front-end parameters, shared by training, the CLI, the GUI and the microphone.

Every number that shapes the model's input lives in :class:`FeatureParams`.  Training writes
it into the model's JSON sidecar; the runtime reads it back from there and refuses to run a
model whose front end it cannot reproduce (see :mod:`musictagger.model.manifest`).

The defaults match the front end the pre-trained musicnn ``MTT_vgg`` backbone was trained
with (16 kHz, 512-point FFT, hop 256, 96 Slaney mel bands, ``log10(1 + 10000·mel)``), not the
paper's 12 kHz: the backbone's weights only make sense on the input they were trained on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from musictagger.errors import ParameterError


@dataclass(frozen=True)
class FeatureParams:
    """Parameters of the audio front end (decode → mono → resample → normalise → mel → log).

    Attributes
    ----------
    sample_rate
        Rate (Hz) every signal is resampled to before analysis.
    n_fft, hop_length
        STFT frame length and hop, in samples at ``sample_rate``.
    n_mels
        Number of mel bands (Slaney mel scale and area normalisation, librosa's default).
    log_multiplier
        ``C`` in the log compression ``log10(1 + C·mel)``.
    window_frames
        Frames in one analysis window (1820 frames = 29.12 s at 16 kHz, hop 256).
    target_rms_dbfs
        Loudness normalisation target: the signal's RMS is brought to this level …
    max_gain_db
        … but never amplified by more than this, so quiet recordings and noise are not
        blown up into something that looks like music.
    silence_dbfs
        A signal whose RMS is below this level is treated as silence.
    clip_level, clip_fraction
        A signal with more than ``clip_fraction`` of its samples at or above ``clip_level``
        (absolute, full scale 1.0) is reported as clipped.
    min_duration_s
        Shortest input the model is asked about; shorter input is an error.
    noise_reduction
        Strength (0 = off, 1 = full) of the stationary-noise floor subtracted from each mel
        band (see :func:`musictagger.audio.features.reduce_noise`).
    noise_quantile
        Quantile over time of a band's power taken as that band's noise floor.
    """

    sample_rate: int = 16000
    n_fft: int = 512
    hop_length: int = 256
    n_mels: int = 96
    log_multiplier: float = 10000.0
    window_frames: int = 1820
    target_rms_dbfs: float = -20.0
    max_gain_db: float = 20.0
    silence_dbfs: float = -60.0
    clip_level: float = 0.999
    clip_fraction: float = 0.001
    min_duration_s: float = 1.0
    noise_reduction: float = 0.0
    noise_quantile: float = 0.1

    def __post_init__(self) -> None:
        for name in ("sample_rate", "n_fft", "hop_length", "n_mels", "window_frames", "log_multiplier"):
            if getattr(self, name) <= 0:
                raise ParameterError(f"FeatureParams.{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.noise_reduction <= 1.0:
            raise ParameterError(f"FeatureParams.noise_reduction must be in [0, 1], got {self.noise_reduction}")
        if not 0.0 < self.noise_quantile < 1.0:
            raise ParameterError(f"FeatureParams.noise_quantile must be in (0, 1), got {self.noise_quantile}")

    @property
    def window_seconds(self) -> float:
        """Length of one analysis window in seconds."""
        return self.window_frames * self.hop_length / self.sample_rate

    def frames_to_seconds(self, frames: float) -> float:
        """Time (s) of a frame index or frame count."""
        return frames * self.hop_length / self.sample_rate

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary, as stored in the model sidecar."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureParams:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error, not ignored."""
        kinds = {f.name: (int,) if f.type == "int" else (int, float) for f in fields(cls)}
        unknown = set(data) - set(kinds)
        if unknown:
            raise ParameterError(f"unknown front-end parameters: {', '.join(sorted(unknown))}")
        for name, value in data.items():  # a hand edit's "-60" or null failed as a TypeError deep in an analysis
            if isinstance(value, bool) or not isinstance(value, kinds[name]):
                kind = "a whole number" if kinds[name] == (int,) else "a number"
                raise ParameterError(f"front-end parameter {name} must be {kind}, got {value!r}")
        return cls(**data)

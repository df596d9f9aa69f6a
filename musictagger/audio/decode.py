"""Decode an audio file to float32 samples.

libsndfile (through soundfile) is tried first: it is fast and exact for wav, flac, ogg,
opus, aiff and mp3.  What it cannot read (m4a/aac, some mp3 variants) goes to PyAV, which
bundles FFmpeg.  Every failure becomes a :class:`~musictagger.errors.DecodeError` naming
the file and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from musictagger.errors import DecodeError


@dataclass(frozen=True)
class DecodedAudio:
    """Samples ``y`` shaped ``(channels, samples)`` in [-1, 1] (float32) at rate ``sr``."""

    y: np.ndarray
    sr: int

    @property
    def duration_s(self) -> float:
        return self.y.shape[1] / self.sr


def _decode_soundfile(path: Path) -> DecodedAudio:
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return DecodedAudio(y=np.ascontiguousarray(data.T), sr=int(sr))


def _decode_pyav(path: Path) -> DecodedAudio:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise DecodeError(path, "the file has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp")
        chunks: list[np.ndarray] = []
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                chunks.append(converted.to_ndarray())
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray())
        sr = stream.codec_context.sample_rate or stream.rate
    if not chunks:
        raise DecodeError(path, "the audio stream holds no decodable samples")
    return DecodedAudio(y=np.concatenate(chunks, axis=1).astype(np.float32, copy=False), sr=int(sr))


def decode(path: str | Path) -> DecodedAudio:
    """Decode ``path`` to ``(channels, samples)`` float32.

    Raises
    ------
    DecodeError
        The file does not exist, is empty, is not audio, or is too damaged to decode.
    """
    path = Path(path)
    if not path.is_file():
        raise DecodeError(path, "no such file")
    if path.stat().st_size == 0:
        raise DecodeError(path, "the file is empty")
    try:
        return _decode_soundfile(path)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        pass
    try:
        audio = _decode_pyav(path)
    except av.FFmpegError as exc:
        raise DecodeError(path, f"not a readable audio file ({exc.strerror or exc})") from exc
    if audio.y.shape[1] == 0:
        raise DecodeError(path, "the file holds no audio samples")
    return audio

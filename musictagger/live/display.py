"""The scrolling spectrogram of what a live source hears, computed as audio arrives.

Each call to :meth:`ScrollingMel.update` (the window's ~30 Hz timer) takes the audio
written to the source's ring since the last call, and turns it into new log-mel frames
with the shared front end's own pieces — mono mixdown, soxr resampling to the model's rate
(streaming), the same STFT and mel filterbank (:func:`~musictagger.audio.features.mel_power`
with ``center=False`` over a carried-over tail, so chunked frames equal whole-signal
frames), and the same log compression — after a display gain that brings the last few
seconds to the front end's target level, as the model's own normalisation would.
The history is a fixed ``(frames, n_mels)`` array that scrolls left.
"""

from __future__ import annotations

import numpy as np

from musictagger.audio.capture import AudioSource
from musictagger.audio.features import log_compress, mel_power
from musictagger.audio.params import FeatureParams
from musictagger.audio.signal import StreamResampler, normalising_gain_db, rms_dbfs, to_mono

LEVEL_SECONDS = 3.0


class ScrollingMel:
    """The last ``seconds`` of log-mel frames of ``source``, oldest first."""

    def __init__(self, source: AudioSource, params: FeatureParams, *, seconds: float = 10.0) -> None:
        self.source, self.params = source, params
        self.frames = np.zeros((int(seconds * params.sample_rate / params.hop_length), params.n_mels), np.float32)
        self.frames_added = 0
        self.lost_frames = 0
        self._position = source.ring.written
        self._resample = StreamResampler(orig_sr=source.sample_rate, target_sr=params.sample_rate)
        self._tail = np.zeros(0, np.float32)

    @property
    def seconds_per_frame(self) -> float:
        return self.params.hop_length / self.params.sample_rate

    def update(self) -> int:
        """Fold in the audio heard since the last update; returns how many new frames scrolled in."""
        block, self._position, lost = self.source.ring.since(self._position)
        self.lost_frames += lost
        if not len(block):
            return 0
        self._tail = np.concatenate([self._tail, self._resample(to_mono(block.T))])
        n_fft, hop = self.params.n_fft, self.params.hop_length
        if len(self._tail) < n_fft:
            return 0
        usable = (len(self._tail) - n_fft) // hop * hop + n_fft
        mel = mel_power(self._tail[:usable] * self._display_gain(), params=self.params, center=False)
        self._tail = self._tail[usable - n_fft + hop :]
        new = log_compress(mel, multiplier=self.params.log_multiplier)[-len(self.frames) :]
        self.frames = np.roll(self.frames, -len(new), axis=0)
        self.frames[-len(new) :] = new
        self.frames_added += len(new)
        return len(new)

    def _display_gain(self) -> np.float32:
        recent = self.source.ring.latest(int(LEVEL_SECONDS * self.source.sample_rate))
        gain_db = normalising_gain_db(rms_dbfs(recent), params=self.params)
        return np.float32(10.0 ** (gain_db / 20.0))

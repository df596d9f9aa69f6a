"""A mirrored ring buffer of multichannel audio, written by a real-time callback.

Friture's design: the buffer is allocated twice as long as its capacity and every block is
written to both halves, so the most recent ``n`` frames are always one contiguous slice —
readers never stitch the wrap-around, and the writer only does two ``copyto`` calls (no
allocation, no locks: safe inside a PortAudio callback).

One writer (the audio callback); any number of readers, each keeping its own position as
the absolute frame count :attr:`written` it has consumed up to.  A reader that falls more
than ``capacity`` frames behind has lost audio; :meth:`since` reports how much.
"""

from __future__ import annotations

import numpy as np

from musictagger.errors import ParameterError


class RingBuffer:
    """The last ``capacity`` frames of ``channels``-channel float32 audio."""

    def __init__(self, capacity: int, channels: int) -> None:
        if capacity < 1 or channels < 1:
            raise ParameterError(f"a ring buffer needs capacity ≥ 1 and channels ≥ 1, got {capacity}, {channels}")
        self.capacity = capacity
        self.channels = channels
        self._data = np.zeros((2 * capacity, channels), dtype=np.float32)
        self.written = 0
        """Frames written since creation (monotonic); readers compare against it."""

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` ``(frames, channels)``; only the last ``capacity`` frames are kept."""
        total = block.shape[0]
        skipped = max(0, total - self.capacity)
        block = block[skipped:]
        frames = block.shape[0]
        start = (self.written + skipped) % self.capacity
        first = min(frames, self.capacity - start)
        np.copyto(self._data[start : start + first], block[:first])
        np.copyto(self._data[start + self.capacity : start + self.capacity + first], block[:first])
        rest = frames - first
        if rest:
            np.copyto(self._data[:rest], block[first:])
            np.copyto(self._data[self.capacity : self.capacity + rest], block[first:])
        self.written += total

    def latest(self, frames: int) -> np.ndarray:
        """The most recent ``frames`` frames (fewer if fewer were written), oldest first, as a copy."""
        written = self.written
        return self._ending_at(written, min(frames, self.capacity, written))

    def since(self, position: int) -> tuple[np.ndarray, int, int]:
        """Frames written after absolute ``position``: ``(frames, new position, frames lost)``.

        ``frames lost`` is non-zero when the reader fell more than ``capacity`` behind.
        """
        written = self.written
        wanted = written - position
        lost = max(0, wanted - self.capacity)
        return self._ending_at(written, wanted - lost), written, lost

    def _ending_at(self, end_position: int, frames: int) -> np.ndarray:
        end = end_position % self.capacity + self.capacity
        return self._data[end - frames : end].copy()

"""A Shorten (.shn) writer, enough for FFmpeg's decoder: nothing here writes the format (FFmpeg only decodes it, and
Debian packages no encoder), so the tests write their files with this.  Version 2, 16-bit little-endian PCM, blocks
of 256 samples a channel (the last one shorter, FN_BLOCKSIZE), each sample predicted by the one before (FN_DIFF1)
with Rice-coded residuals, after the WAV header kept verbatim, as FFmpeg's decoder (libavcodec/shorten.c) reads
them."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

BLOCK = 256
TYPE_S16LH, FN_DIFF1, FN_QUIT, FN_BLOCKSIZE, FN_VERBATIM = 5, 1, 4, 5, 9


class _Bits:
    def __init__(self) -> None:
        self.bits: list[str] = []

    def uvar(self, value: int, k: int) -> None:
        """Shorten's unsigned Rice code: ``value >> k`` zeros, a one, then the low ``k`` bits."""
        self.bits.append("0" * (value >> k) + "1" + (format(value & ((1 << k) - 1), f"0{k}b") if k else ""))

    def uint(self, value: int) -> None:
        """A header number: its bit length in a Rice code of 2, then the number in a Rice code of that length."""
        k = value.bit_length()
        self.uvar(k, 2)
        self.uvar(value, k)

    def svar(self, value: int, k: int) -> None:
        self.uvar(2 * value if value >= 0 else -2 * value - 1, k + 1)

    def bytes(self) -> bytes:
        text = "".join(self.bits)
        text += "0" * (-len(text) % 8)
        return int(text, 2).to_bytes(len(text) // 8, "big") if text else b""


def write_shorten(path: Path, samples: np.ndarray, sr: int) -> Path:
    """``samples`` (frames × channels, int16) as a Shorten file at ``path``."""
    frames, channels = samples.shape
    wav_header = (
        b"RIFF"
        + struct.pack("<I", 36 + frames * channels * 2)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sr, sr * channels * 2, channels * 2, 16)
        + b"data"
        + struct.pack("<I", frames * channels * 2)
    )
    bits = _Bits()
    for value in (TYPE_S16LH, channels, BLOCK, 0, 0, 0):  # type, channels, block size, LPC order, means, skipped bytes
        bits.uint(value)
    bits.uvar(FN_VERBATIM, 2)
    bits.uvar(len(wav_header), 5)
    for byte in wav_header:
        bits.uvar(byte, 8)
    samples = samples.astype(np.int64)
    previous = np.zeros(channels, dtype=np.int64)
    for start in range(0, frames, BLOCK):
        if frames - start < BLOCK:
            bits.uvar(FN_BLOCKSIZE, 2)
            bits.uint(frames - start)
        for channel in range(channels):
            block = samples[start : start + BLOCK, channel]
            residuals = np.diff(block, prepend=previous[channel])
            previous[channel] = block[-1]
            energy = max(0, int(np.log2(np.mean(np.abs(residuals)) + 1)))
            bits.uvar(FN_DIFF1, 2)
            bits.uvar(energy, 3)
            for residual in residuals.tolist():
                bits.svar(residual, energy)
    bits.uvar(FN_QUIT, 2)
    path.write_bytes(b"ajkg\x02" + bits.bytes())
    return path

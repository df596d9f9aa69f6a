"""An AMR-NB (.amr) writer through libopencore-amrnb's encoder (Debian's libopencore-amrnb0), as phones and voice
recorders write the format: this FFmpeg decodes AMR but has no encoder for it.  None where the library is absent."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

import numpy as np

AMR_RATE = 8000
FRAME = 160
"""Samples of one 20-ms frame at 8 kHz."""
MR122 = 7
"""The 12.2 kbit/s mode, the highest."""


def amr_encoder() -> ctypes.CDLL | None:
    """libopencore-amrnb, or None where it is not installed."""
    name = ctypes.util.find_library("opencore-amrnb")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.Encoder_Interface_init.restype = ctypes.c_void_p
    lib.Encoder_Interface_init.argtypes = [ctypes.c_int]
    lib.Encoder_Interface_Encode.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_short),
        ctypes.POINTER(ctypes.c_ubyte),
        ctypes.c_int,
    ]
    lib.Encoder_Interface_exit.argtypes = [ctypes.c_void_p]
    return lib


def write_amr(lib: ctypes.CDLL, path: Path, y: np.ndarray) -> Path:
    """Mono float samples ``y`` at 8 kHz as an AMR-NB file (its magic, then a frame each 160 samples, the last
    padded with silence)."""
    pcm = (np.clip(y, -1.0, 1.0) * 32767).astype(np.int16)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % FRAME, np.int16)])
    encoder = lib.Encoder_Interface_init(0)
    out = bytearray(b"#!AMR\n")
    packet = (ctypes.c_ubyte * 64)()
    try:
        for start in range(0, len(pcm), FRAME):
            frame = np.ascontiguousarray(pcm[start : start + FRAME])
            size = lib.Encoder_Interface_Encode(
                encoder, MR122, frame.ctypes.data_as(ctypes.POINTER(ctypes.c_short)), packet, 0
            )
            out += bytes(packet[:size])
    finally:
        lib.Encoder_Interface_exit(encoder)
    path.write_bytes(bytes(out))
    return path

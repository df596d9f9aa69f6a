"""AMR writers, as phones and voice recorders write the format: AMR-NB (.amr) through libopencore-amrnb's encoder
(Debian's libopencore-amrnb0), AMR-WB (.awb) through VisualOn's (libvo-amrwbenc0).  This FFmpeg decodes AMR but has no
encoder for it.  None where the library is absent."""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Amr:
    """One AMR band: its encoder library and entry points, file magic, rate, samples a 20-ms frame, highest mode."""

    library: str
    init: str
    encode: str
    exit: str
    magic: bytes
    rate: int
    frame: int
    mode: int


NARROW = Amr(
    "opencore-amrnb",
    "Encoder_Interface_init",
    "Encoder_Interface_Encode",
    "Encoder_Interface_exit",
    b"#!AMR\n",
    8000,
    160,
    7,  # MR122, 12.2 kbit/s
)
WIDE = Amr("vo-amrwbenc", "E_IF_init", "E_IF_encode", "E_IF_exit", b"#!AMR-WB\n", 16000, 320, 8)  # 23.85 kbit/s


def amr_encoder(band: Amr = NARROW) -> ctypes.CDLL | None:
    """``band``'s encoder library, or None where it is not installed."""
    name = ctypes.util.find_library(band.library)
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    getattr(lib, band.init).restype = ctypes.c_void_p
    getattr(lib, band.encode).argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_short),
        ctypes.POINTER(ctypes.c_ubyte),
        ctypes.c_int,
    ]
    getattr(lib, band.exit).argtypes = [ctypes.c_void_p]
    return lib


def write_amr(lib: ctypes.CDLL, path: Path, y: np.ndarray, band: Amr = NARROW) -> Path:
    """Mono float samples ``y`` at ``band``'s rate as an AMR file (its magic, then a frame each 20 ms, the last
    padded with silence)."""
    pcm = (np.clip(y, -1.0, 1.0) * 32767).astype(np.int16)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % band.frame, np.int16)])
    encoder = getattr(lib, band.init)(0)  # AMR-NB's argument (no DTX); AMR-WB's takes none, and ignores it
    out = bytearray(band.magic)
    packet = (ctypes.c_ubyte * 64)()
    try:
        for start in range(0, len(pcm), band.frame):
            frame = np.ascontiguousarray(pcm[start : start + band.frame])
            size = getattr(lib, band.encode)(
                encoder, band.mode, frame.ctypes.data_as(ctypes.POINTER(ctypes.c_short)), packet, 0
            )
            out += bytes(packet[:size])
    finally:
        getattr(lib, band.exit)(encoder)
    path.write_bytes(bytes(out))
    return path

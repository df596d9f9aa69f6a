"""A Musepack SV8 (.mpc) writer through Debian's ``mpcenc`` (musepack-tools): FFmpeg decodes Musepack but has no
encoder for it.  None where ``mpcenc`` is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf


def write_musepack(path: Path, y: np.ndarray, sr: int) -> Path | None:
    """``y`` (``(samples,)`` or ``(channels, samples)``) at ``sr`` as a Musepack file at ``path``, by way of a WAV
    beside it; None without ``mpcenc``."""
    encoder = shutil.which("mpcenc")
    if encoder is None:
        return None
    wav = path.with_suffix(".wav")
    sf.write(wav, np.atleast_2d(y).T, sr, subtype="PCM_16")
    subprocess.run([encoder, "--silent", "--overwrite", str(wav), str(path)], check=True, capture_output=True)
    wav.unlink()
    return path

"""Test signals and audio files, generated on the fly so that the tests ship no audio.

Signals are float32, mono ``(samples,)`` unless said otherwise.  Files are written with
soundfile (libsndfile: wav, flac, ogg/vorbis, opus, aiff, mp3) and PyAV (m4a/aac), the
same libraries the decoder reads with, so no ``ffmpeg`` binary is needed.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
import soxr

NOTE = 2 ** (1 / 12)
"""A semitone's frequency ratio."""


def tone(freq: float, *, sr: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    """A sine at ``freq`` Hz."""
    t = np.arange(round(sr * seconds)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def square(freq: float, *, sr: int, seconds: float) -> np.ndarray:
    """A square wave at full scale (±1): every sample is clipped."""
    return np.sign(tone(freq, sr=sr, seconds=seconds) + np.float32(1e-9)).astype(np.float32)


def noise(*, sr: int, seconds: float, rms_dbfs: float, seed: int = 0) -> np.ndarray:
    """White Gaussian noise whose RMS is exactly ``rms_dbfs``."""
    y = np.random.default_rng(seed).standard_normal(round(sr * seconds))
    return at_level(y, rms_dbfs)


def chirp(f0: float, f1: float, *, sr: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    """An exponential sweep from ``f0`` to ``f1`` Hz: its pitch rises steadily on a mel scale."""
    t = np.arange(round(sr * seconds)) / sr
    k = np.log(f1 / f0) / seconds
    return (amplitude * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)).astype(np.float32)


def drum_pattern(onsets_s: list[float], *, sr: int, seconds: float, seed: int = 0) -> np.ndarray:
    """Decaying 60 ms noise bursts (a dry snare, peak 0.4) starting at ``onsets_s``, silence between."""
    rng = np.random.default_rng(seed)
    y = np.zeros(round(sr * seconds), dtype=np.float32)
    n = round(0.06 * sr)
    envelope = np.exp(-np.arange(n) / (0.012 * sr))
    for onset in onsets_s:
        start = round(onset * sr)
        burst = 0.4 * envelope * rng.uniform(-1.0, 1.0, n)
        y[start : start + n] += burst[: len(y) - start].astype(np.float32)
    return y


def music(*, sr: int, seconds: float, seed: int = 0) -> np.ndarray:
    """A few seconds of "music": an A-minor chord over a drum beat, at about -18 dBFS, peaks below 0.7."""
    chord = sum(tone(f, sr=sr, seconds=seconds, amplitude=0.1) for f in (220.0, 261.63, 329.63))
    beats = list(np.arange(0.0, seconds, 0.5))
    return (chord + drum_pattern(beats, sr=sr, seconds=seconds, seed=seed)).astype(np.float32)


def piece(seed: int, *, sr: int, seconds: float = 30.0) -> np.ndarray:
    """A generated piece of its own key, tempo, chords, melody timbre and drum pattern."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    beat = 60.0 / rng.uniform(70, 160)
    root = 110.0 * NOTE ** rng.integers(0, 12)
    progression = rng.choice([0, 2, 4, 5, 7, 9], size=4)
    bar = (t // (4 * beat)).astype(int) % 4
    harmonics = rng.integers(1, 6)
    y = np.zeros_like(t)
    for interval in (0, 4 if rng.random() < 0.5 else 3, 7):
        freq = root * NOTE ** (progression[bar] + interval)
        phase = 2 * np.pi * np.cumsum(freq) / sr
        y += sum(np.sin(k * phase) / k for k in range(1, harmonics + 1)) * 0.08
    melody = root * 4 * NOTE ** rng.choice([0, 2, 4, 5, 7, 9, 11, 12], size=int(seconds / beat) + 1)
    step = (t // beat).astype(int)
    envelope = np.exp(-(t % beat) * rng.uniform(2, 10))
    y += 0.15 * np.sign(np.sin(2 * np.pi * np.cumsum(melody[step]) / sr)) * envelope * (rng.random() < 0.5)
    y += 0.15 * np.sin(2 * np.pi * np.cumsum(melody[step]) / sr) * envelope
    hits = rng.random(16) < 0.5
    drum_step = (t // (beat / 4)).astype(int) % 16
    y += 0.3 * rng.standard_normal(t.size) * np.exp(-(t % (beat / 4)) * 40) * hits[drum_step]
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def at_level(y: np.ndarray, rms_dbfs: float) -> np.ndarray:
    """``y`` scaled so that its RMS is ``rms_dbfs`` (full scale 1.0)."""
    rms = np.sqrt(np.mean(np.square(y, dtype=np.float64)))
    return (y * (10.0 ** (rms_dbfs / 20.0) / rms)).astype(np.float32)


def channels_of(y: np.ndarray, channels: int) -> np.ndarray:
    """``(channels, samples)``: channel ``k`` is ``y`` at gain ``1/(k+1)``, so channels stay distinguishable."""
    return np.stack([y / (k + 1) for k in range(channels)]).astype(np.float32)


# name → (file suffix, libsndfile format, subtype); a format of None is written with PyAV.
FORMATS: dict[str, tuple[str, str | None, str | None]] = {
    "wav-pcm16": ("wav", "WAV", "PCM_16"),
    "wav-pcm24": ("wav", "WAV", "PCM_24"),
    "wav-float": ("wav", "WAV", "FLOAT"),
    "wav-pcm8": ("wav", "WAV", "PCM_U8"),
    "flac": ("flac", "FLAC", "PCM_16"),
    "ogg-vorbis": ("ogg", "OGG", "VORBIS"),
    "opus": ("opus", "OGG", "OPUS"),
    "aiff": ("aiff", "AIFF", "PCM_16"),
    "mp3": ("mp3", "MP3", "MPEG_LAYER_III"),
    "m4a-aac": ("m4a", None, None),
    "mp3-lame": ("mp3", None, None),  # LAME through FFmpeg, one stream: libsndfile's encoder restarts every write
    "wavpack": ("wv", None, None),
}

# Samples a lossy codec may add (encoder delay, padding to whole frames): two AAC frames.
CODEC_PADDING = 2048


def write(path: Path, y: np.ndarray, sr: int, kind: str) -> Path:
    """Write ``y`` (``(samples,)`` or ``(channels, samples)``) as format ``kind`` of :data:`FORMATS`."""
    _, fmt, subtype = FORMATS[kind]
    y2 = np.atleast_2d(y)
    if fmt is None:
        return write_aac(path, y2, sr, codec={"mp3-lame": "libmp3lame", "wavpack": "wavpack"}.get(kind, "aac"))
    # In blocks: libsndfile 1.2.2 overflows its stack writing ~1M+ vorbis frames in one call.
    with sf.SoundFile(path, "w", samplerate=sr, channels=y2.shape[0], format=fmt, subtype=subtype) as f:
        for start in range(0, y2.shape[1], 1 << 16):
            f.write(y2[:, start : start + (1 << 16)].T)
    return path


def write_aac(
    path: Path,
    y: np.ndarray,
    sr: int,
    *,
    container: str | None = None,
    metadata: dict[str, str] | None = None,
    codec: str = "aac",
    stamped: bool = False,
) -> Path:
    """Write ``(channels, samples)`` as AAC (or ``codec``) with PyAV, in the container the name says or ``container``.

    The frame is built packed (``flt``): PyAV 18's planar ``from_ndarray`` fails at 8 channels.
    ``metadata`` is stored as Latin-1, as old taggers do, so it is not valid UTF-8.  ``stamped``: the frame is
    stamped 0, as FFmpeg's command line stamps it, so the encoder's delay is stamped before 0 (an M4A's AAC
    priming packet at -1024 samples, a WebM Opus stream's first packet at -7 ms), as in the files users have.
    """
    channels = y.shape[0]
    layout = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}[channels]
    with av.open(str(path), "w", format=container, metadata_encoding="latin-1") as out:
        out.metadata.update(metadata or {})
        stream = out.add_stream(codec, rate=sr, layout=layout)
        if codec.startswith("wma"):
            stream.bit_rate = 128_000  # WMA's encoder has no default
        if codec == "wavpack":
            stream.codec_context.format = "s16p"  # its first format, which PyAV would pick, is 8-bit
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T).reshape(1, -1), format="flt", layout=layout)
        frame.sample_rate = sr
        if stamped:
            frame.pts, frame.time_base = 0, Fraction(1, sr)
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def encode_with_ffmpeg(path: Path, y: np.ndarray, sr: int, *options: str, why: str) -> Path:
    """``y`` (``(samples,)`` or ``(channels, samples)``) encoded into ``path`` by the ``ffmpeg`` command with
    ``options`` (the encoder ``path``'s extension calls for where they name none), for what PyAV's FFmpeg cannot write
    (``why``): the test skips without the command."""
    if shutil.which("ffmpeg") is None:
        pytest.skip(f"no ffmpeg command: {why}")
    source = write(path.with_suffix(".source.wav"), y, sr, "wav-float")
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(source), *options, str(path)], check=True)
    return path


DSD_RATE = 2_822_400
"""DSD64's bit rate per channel: 64 × 44.1 kHz."""


def dsd_bits(y: np.ndarray, sr: int) -> np.ndarray:
    """``(channels, samples)`` as DSD64 bits (0 or 1 per sample), by a first-order sigma-delta modulator: a 1
    wherever the running sum of the pulse density ``(y + 1) / 2`` passes a whole number.  The signal is
    resampled to 8 × 44.1 kHz and each sample held 8 times, a second at a time (a 2.8-MHz signal is big)."""
    held = DSD_RATE // 8
    bits = []
    for channel in y:
        up = soxr.resample(channel.astype(np.float64), sr, held)
        parts, carry = [], 0.0
        for start in range(0, up.size, held):
            density = carry + np.cumsum(np.repeat((np.clip(up[start : start + held], -1.0, 1.0) + 1.0) / 2.0, 8))
            parts.append(np.diff(np.floor(density), prepend=np.floor(carry)).astype(np.uint8))
            carry = density[-1]
        bits.append(np.concatenate(parts))
    return np.stack(bits)


def write_dsf(path: Path, y: np.ndarray, sr: int) -> Path:
    """``(channels, samples)`` (one or two channels) as a Sony DSF file: a ``DSD `` chunk, a ``fmt `` chunk and a
    ``data`` chunk of 4096-byte blocks, one per channel in turn, least significant bit first."""
    bits = dsd_bits(y, sr)
    channels, n = bits.shape
    packed = np.packbits(bits, axis=1, bitorder="little")
    blocks = -(-packed.shape[1] // 4096)
    padded = np.zeros((channels, blocks * 4096), np.uint8)
    padded[:, : packed.shape[1]] = packed
    data = padded.reshape(channels, blocks, 4096).transpose(1, 0, 2).tobytes()
    fmt = b"fmt " + struct.pack("<QIIIIIIQII", 52, 1, 0, channels, channels, DSD_RATE, 1, n, 4096, 0)
    chunk = b"data" + struct.pack("<Q", 12 + len(data)) + data
    path.write_bytes(b"DSD " + struct.pack("<QQQ", 28, 28 + len(fmt) + len(chunk), 0) + fmt + chunk)
    return path


def write_dff(path: Path, y: np.ndarray, sr: int) -> Path:
    """``(channels, samples)`` (one or two channels) as a DSDIFF file: ``FRM8`` holding ``FVER``, ``PROP`` (rate,
    channels, no compression) and a ``DSD `` chunk of bytes interleaved by channel, most significant bit first."""
    bits = dsd_bits(y, sr)

    def chunk(name: bytes, body: bytes) -> bytes:
        return name + struct.pack(">Q", len(body)) + body + b"\0" * (len(body) % 2)

    ids = b"C   " if bits.shape[0] == 1 else b"SLFTSRGT"
    prop = (
        b"SND " + chunk(b"FS  ", struct.pack(">I", DSD_RATE)) + chunk(b"CHNL", struct.pack(">H", bits.shape[0]) + ids)
    )
    prop += chunk(b"CMPR", b"DSD " + bytes([14]) + b"not compressed")
    sound = np.packbits(bits, axis=1, bitorder="big").T.tobytes()
    body = b"DSD " + chunk(b"FVER", struct.pack(">I", 0x01050000)) + chunk(b"PROP", prop) + chunk(b"DSD ", sound)
    path.write_bytes(chunk(b"FRM8", body))
    return path


def peak_frequency(y: np.ndarray, sr: int) -> float:
    """Frequency (Hz) of the strongest component of a mono signal (Hann-windowed FFT)."""
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.argmax(spectrum) * sr / len(y))

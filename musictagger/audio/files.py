"""Which files are audio: the extensions the decoder is expected to read."""

from __future__ import annotations

from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav", ".aif", ".aiff", ".aifc", ".m4a", ".mp4", ".aac", ".wma"}
    | {".wv", ".tta", ".mka", ".m4b", ".mp2", ".ac3"}  # WavPack, TTA, Matroska audio, audiobooks, MPEG-1 Layer II, AC-3
    | {".ape", ".dsf", ".dff", ".webm", ".caf", ".w64"}  # Monkey's Audio, DSD (Sony, Philips), WebM, Core Audio, Wave64
    | {".au", ".snd", ".dts", ".mkv"}  # Sun/NeXT audio, DTS (a 5.1 music disc's), Matroska video (music videos)
    | {".amr", ".shn"}  # AMR (a phone's or a voice recorder's), Shorten (lossless, in old live-music trading)
    | {".mpc"}  # Musepack SV8, decoded whole (FFmpeg reads its length short) and without its decoder's delay
)


def is_audio_file(path: Path) -> bool:
    """True for a regular file whose extension names an audio format we decode."""
    return path.suffix.lower() in AUDIO_EXTENSIONS and path.is_file()

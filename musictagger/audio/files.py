"""Which files are audio: the extensions the decoder is expected to read."""

from __future__ import annotations

from pathlib import Path

AUDIO_EXTENSIONS = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav", ".aif", ".aiff", ".aifc", ".m4a", ".mp4", ".aac", ".wma"}
    | {".wv", ".tta", ".mka", ".m4b", ".mp2", ".ac3"}  # WavPack, TTA, Matroska audio, audiobooks, MPEG-1 Layer II, AC-3
    | {".ape", ".dsf", ".dff", ".webm", ".caf", ".w64"}  # Monkey's Audio, DSD (Sony, Philips), WebM, Core Audio, Wave64
    | {".au", ".snd", ".dts", ".mkv"}  # Sun/NeXT audio, DTS (a 5.1 music disc's), Matroska video (music videos)
    | {".amr", ".awb", ".3ga"}  # AMR-NB and AMR-WB (a phone's or a voice recorder's), 3GPP audio (Android's recorder)
    | {".shn"}  # Shorten (lossless, in old live-music trading)
    | {".eac3", ".ec3"}  # E-AC-3 (Dolby Digital Plus, a streaming service's or a Blu-ray's audio)
    | {".mpc"}  # Musepack SV8, decoded whole (FFmpeg reads its length short) and without its decoder's delay
    | {".spx"}  # Ogg Speex (speech codec: podcasts, radio archives, audiobooks)
    | {".rf64", ".bw64"}  # WAV with 64-bit sizes (EBU RF64, ITU BW64): a broadcast recorder's, or one past 4 GB
)


def is_audio_file(path: Path) -> bool:
    """True for a regular file whose extension names an audio format we decode."""
    return path.suffix.lower() in AUDIO_EXTENSIONS and path.is_file()

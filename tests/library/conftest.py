"""A small real music folder for the library tests: generated audio in several formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio.signals import chirp, music, tone, write

SR = 22050


def write_track(path: Path, kind: str, *, seed: int = 0, seconds: float = 3.0) -> Path:
    """A short real audio file: 'music' (chord and drums), 'tone' or 'chirp', by seed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    signal = (
        music(sr=SR, seconds=seconds, seed=seed),
        tone(220.0 * (seed + 1), sr=SR, seconds=seconds),
        chirp(100.0, 4000.0, sr=SR, seconds=seconds),
    )[seed % 3]
    return write(path, signal, SR, kind)


@pytest.fixture
def music_folder(tmp_path: Path) -> Path:
    """Five tracks in two sub-folders (FLAC, WAV, OGG), a non-audio file and a corrupt 'mp3'."""
    root = tmp_path / "Music"
    write_track(root / "album1" / "01.flac", "flac", seed=0)
    write_track(root / "album1" / "02.flac", "flac", seed=1)
    write_track(root / "album2" / "03.wav", "wav-pcm16", seed=2)
    write_track(root / "album2" / "04.ogg", "ogg-vorbis", seed=3)
    write_track(root / "05.wav", "wav-pcm16", seed=4)
    (root / "cover.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (root / "album2" / "broken.mp3").write_bytes(b"this is not an mp3 at all" * 40)
    return root


@pytest.fixture(autouse=True)
def machinery_on_the_first_model(first_model_as_default: Path) -> None:
    """These tests exercise the machinery on generated audio, which the shipped model calls "not music"."""

"""Walking music folders: links, loops, hidden files, unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.audio.reader import open_reader
from musictagger.library.scan import scan
from tests.library.conftest import write_track

MUSIC_FOLDER_FILES = [
    "05.wav",
    "album1/01.flac",
    "album1/02.flac",
    "album2/03.wav",
    "album2/04.ogg",
    "album2/broken.mp3",
]
"""The audio files of the ``music_folder`` fixture, as the walk lists them (path order)."""


def test_finds_audio_files_in_path_order_and_ignores_other_files(music_folder: Path) -> None:
    result = scan([music_folder])
    names = [os.path.relpath(f.path, music_folder) for f in result.files]
    assert names == MUSIC_FOLDER_FILES
    assert result.problems == []
    first = result.files[0]
    assert first.stamp.size == os.stat(first.path).st_size


def test_rf64_and_bw64_files_are_found_and_read_as_the_wav_they_are(tmp_path: Path) -> None:
    """A WAV in the 64-bit forms (EBU RF64, ITU BW64: a broadcast recorder's, or one past 4 GB) named .rf64 or .bw64
    was passed over by a folder's scan, though libsndfile reads RF64 and FFmpeg both."""
    wav = write_track(tmp_path / "Music" / "take.wav", "wav-pcm16", seed=1)
    y, sr = sf.read(wav, dtype="float32", always_2d=True)
    rf64 = tmp_path / "Music" / "take.rf64"
    sf.write(rf64, y, sr, format="RF64", subtype="PCM_16")
    bw64 = tmp_path / "Music" / "take.bw64"
    bw64.write_bytes(b"BW64" + rf64.read_bytes()[4:])  # ITU-R BS.2088's mark on the same chunks

    names = [os.path.basename(f.path) for f in scan([tmp_path / "Music"]).files]

    assert names == ["take.bw64", "take.rf64", "take.wav"]
    for path in (rf64, bw64):
        with open_reader(path) as reader:
            assert (reader.sr, reader.n_samples) == (sr, len(y))
            np.testing.assert_array_equal(reader.read(0, len(y)), y.T)


def test_symlink_loops_and_links_to_the_same_file_are_followed_once(music_folder: Path) -> None:
    (music_folder / "album1" / "back-to-root").symlink_to(music_folder)
    (music_folder / "alias.flac").symlink_to(music_folder / "album1" / "01.flac")
    result = scan([music_folder])
    assert len(result.files) == 6
    assert sum(f.path.endswith("01.flac") or f.path.endswith("alias.flac") for f in result.files) == 1


def test_a_file_reached_through_a_link_and_without_one_keeps_its_own_path(music_folder: Path) -> None:
    """A link inside the library to one of its folders or files: the walk met the link first (a folder's files
    before its sub-folders, its sub-folders last name first), so the tracks were listed under the link's name."""
    (music_folder / "linked album").symlink_to(music_folder / "album1")
    (music_folder / "alias.wav").symlink_to(music_folder / "album2" / "03.wav")
    elsewhere = music_folder.parent / "Elsewhere"
    write_track(elsewhere / "06.flac", "flac", seed=5)
    (music_folder / "z link out").symlink_to(elsewhere)  # a folder the library reaches by a link alone
    result = scan([music_folder])
    names = [os.path.relpath(f.path, music_folder) for f in result.files]
    assert names == [*MUSIC_FOLDER_FILES, "z link out/06.flac"]
    both = [f.path for f in scan([music_folder, elsewhere]).files]
    assert str(elsewhere / "06.flac") in both and len(both) == 7  # a root of its own: its own path


def test_hidden_files_and_broken_links(music_folder: Path) -> None:
    write_track(music_folder / "._05.wav", "wav-pcm16")  # a macOS AppleDouble sidecar
    write_track(music_folder / ".hidden" / "x.wav", "wav-pcm16")
    (music_folder / "dangling.mp3").symlink_to(music_folder / "nowhere.mp3")
    result = scan([music_folder])
    assert not any("/." in f.path for f in result.files)
    assert result.problems == [(str(music_folder / "dangling.mp3"), "broken link")]


def test_missing_root_is_reported_not_raised(tmp_path: Path) -> None:
    result = scan([tmp_path / "unplugged-drive"])
    assert result.files == []
    assert result.problems == [(str(tmp_path / "unplugged-drive"), "no such file or folder")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_unreadable_folder_is_reported_and_the_walk_goes_on(music_folder: Path) -> None:
    locked = music_folder / "album2"
    locked.chmod(0)
    try:
        result = scan([music_folder])
    finally:
        locked.chmod(0o755)
    assert [f.path for f in result.files if "album2" in f.path] == []
    assert result.unreadable_dirs == [str(locked)]
    assert len(result.files) == 3

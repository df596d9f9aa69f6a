"""A library on a case-insensitive drive (exFAT, FAT: a DJ's USB stick, NTFS as Windows has it), where ``song.wav``
renamed ``Song.wav`` is found by either name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from musictagger.library import Library, index_folders
from musictagger.library.scan import scan
from musictagger.presence import missing
from tests.drives import exfat_drive  # noqa: F401 - a fixture
from tests.library.conftest import write_track


def test_a_file_renamed_in_other_case_keeps_its_track(exfat_drive: Path) -> None:  # noqa: F811 - the fixture
    """The old name still reached the file, so the index kept its track beside the new name's, which it analysed
    again: the track twice in the index and in `similar`'s matches."""
    write_track(exfat_drive / "Album" / "song.wav", "wav-pcm16", seconds=2.0)
    index_folders([exfat_drive], workers=1)
    with Library() as library:
        (before,) = library.tracks()
    (exfat_drive / "Album" / "song.wav").rename(exfat_drive / "Album" / "Song.wav")

    summary = index_folders([exfat_drive], workers=1)

    assert (summary.analysed, summary.moved, summary.pruned) == (0, 1, 0)
    with Library() as library:
        assert [(track.id, track.path) for track in library.tracks()] == [
            (before.id, str(exfat_drive / "Album/Song.wav"))
        ]


def test_a_file_named_in_other_case_is_found_by_its_own_name(exfat_drive: Path) -> None:  # noqa: F811 - the fixture
    """`index /media/stick/SONG.WAV` for `Song.wav`: the file is known by the name its folder lists, as a walk of the
    folder finds it, so that the two do not make two tracks, and a later run does not take the typed name for gone."""
    write_track(exfat_drive / "Song.wav", "wav-pcm16", seconds=1.0)

    assert [found.path for found in scan([exfat_drive / "SONG.WAV"]).files] == [str(exfat_drive / "Song.wav")]


def test_a_folders_files_are_looked_at_through_one_listing(
    exfat_drive: Path,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tag's plan asks of each file whether it is still there: on a case-insensitive drive, whether its folder lists it
    by that name. The folder was listed for each file: 3,000 files of one folder on an exFAT stick took 17 s more."""
    files = [exfat_drive / f"Track {i:02d}.mp3" for i in range(40)]
    for path in files:
        path.touch()
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(folder: str) -> list[str]:
        listed.append(folder)
        return real_listdir(folder)

    monkeypatch.setattr(os, "listdir", listdir)

    assert not any(missing(path) for path in files)
    assert listed == [str(exfat_drive)]

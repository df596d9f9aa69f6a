"""A library on a FAT drive read in another time zone: FAT keeps local times, so summer time begun or ended, or the
drive read where the clocks are set to another zone, moves every file's mtime by whole quarter hours (to FAT's 2 s).
Made here as such a drive gives the times, by setting them."""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.library import Library, index_folders
from tests.library.conftest import write_track

SECOND = 1_000_000_000
HOUR = 3600 * SECOND


def shift_mtimes(folder: Path, shift_ns: int) -> None:
    for path in folder.rglob("*.wav"):
        os.utime(path, ns=(0, path.stat().st_mtime_ns + shift_ns))


def test_a_fat_drive_read_after_the_clocks_change_is_not_analysed_again(tmp_path: Path) -> None:
    """Summer time ended: every file's mtime an hour earlier, and every file was analysed again (a DJ's stick of
    5,000 tracks: hours). An edit that keeps the size and lands 2 s off the hour is still analysed again."""
    stick = tmp_path / "stick"
    tracks = [write_track(stick / f"{i}.wav", "wav-pcm16", seed=i, seconds=1.5) for i in range(2)]
    for i, track in enumerate(tracks):
        os.utime(track, ns=(0, (1_700_000_000 + 10 * i) * SECOND))  # FAT's whole 2 s
    index_folders([stick], workers=1)

    shift_mtimes(stick, -HOUR)
    assert index_folders([stick], workers=1).analysed == 0
    shift_mtimes(stick, 5 * HOUR + 30 * 60 * SECOND)  # the stick read in India
    assert index_folders([stick], workers=1).analysed == 0
    with Library() as library:  # the rows hold the mtimes now
        assert all(r.stamp.mtime_ns == Path(r.path).stat().st_mtime_ns for r in library.tracks())

    os.utime(tracks[0], ns=(0, tracks[0].stat().st_mtime_ns + HOUR + 2 * SECOND))
    assert index_folders([stick], workers=1).analysed == 1

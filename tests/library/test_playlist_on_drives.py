"""Playlists saved on the drives music is carried on (a DJ's USB stick): a FAT drive through FUSE."""

from __future__ import annotations

from pathlib import Path

import pytest

from musictagger.disk import disk_trouble
from musictagger.errors import FileError
from musictagger.library.playlist import PlaylistEntry, write_playlist
from tests.drives import fuse_fat_drive  # noqa: F401 - a fixture


def test_a_playlist_named_as_the_drive_refuses_says_so(fuse_fat_drive: Path) -> None:  # noqa: F811 - the fixture
    """`Set: Friday?` on a USB stick: FAT refuses `:` and `?` in a name, which exFAT says as `No such file or
    directory` and FAT through FUSE as `Operation not permitted`; the playlist was said to be in a folder that does not
    exist, or one the user may not write into."""
    with pytest.raises(FileError) as refused:
        write_playlist(fuse_fat_drive / "Set: Friday?", [PlaylistEntry(str(fuse_fat_drive / "a.mp3"))])

    assert refused.value.reason == (
        "the playlist cannot be saved: its name holds ':', '?', which FAT, exFAT and NTFS drives refuse in a name: "
        "choose another name"
    )
    assert list(fuse_fat_drive.iterdir()) == []


def test_a_playlist_is_saved_again_on_a_drive_that_keeps_no_permissions(
    fuse_fat_drive: Path,  # noqa: F811 - the fixture
) -> None:
    """A playlist saved again keeps its permissions, which a drive that keeps none refuses to set (`Function not
    implemented`): it was not saved, `the disk holding it is full (0 bytes free)`, as the drive gives no size, so no
    free space either."""
    entries = [PlaylistEntry(str(fuse_fat_drive / "a.mp3")), PlaylistEntry(str(fuse_fat_drive / "b.mp3"))]
    write_playlist(fuse_fat_drive / "set", entries[:1])
    saved = write_playlist(fuse_fat_drive / "set", entries)

    assert saved.read_text(encoding="utf-8").splitlines()[1:] == ["#EXTINF:-1,a", "a.mp3", "#EXTINF:-1,b", "b.mp3"]
    assert disk_trouble(fuse_fat_drive) is None

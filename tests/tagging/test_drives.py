"""Tagging on the drives music is carried on, whose file systems refuse what ext4 allows: to sync a folder, to set a
file's permissions."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.errors import FileError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Mode, Prediction, make_plan, write_preview_csv
from musictagger.tagging.undo import undo
from tests.drives import exfat_drive, fuse_fat_drive  # noqa: F401 - fixtures
from tests.tagging.media import make_file, native_genres
from tests.users import POSIX, as_a_user

ROCK = Prediction("rock", 0.9, uncertain=False)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


@POSIX
def test_a_file_whose_folder_will_not_be_synced_is_written_and_undone(tmp_path: Path, journal: Journal) -> None:
    """The new version replaces the file, then its folder is synced so that the rename is on disk. A folder that
    refuses that sync (some FUSE and network mounts; here a folder one may write and search but not read, which
    cannot be opened to be synced) made the written file `failed` and its journal entry too, so its undo restored
    nothing: the file held the new genre, and `undo` said there was nothing left to restore."""
    song = make_file(tmp_path / "drop box", "flac")
    plan = make_plan({song: ROCK}, mode=Mode.REPLACE)
    song.parent.chmod(0o300)
    try:
        with as_a_user():
            report = apply_plan(plan, journal)
            undone = undo(journal, report.run_id)
    finally:
        song.parent.chmod(0o755)

    assert [(o.status, o.reason) for o in report.outcomes] == [("written", "")]
    assert [(o.status, o.reason) for o in undone.outcomes] == [("restored", "")]
    assert native_genres(song) == []


def test_a_file_on_a_drive_that_keeps_no_permissions_is_written(
    tmp_path: Path,
    fuse_fat_drive: Path,  # noqa: F811 - the fixture
    journal: Journal,
) -> None:
    """The new version is a copy given the file's permissions, times and owner. On a FUSE FAT drive, which keeps no
    permissions to set, every file failed: `cannot make a copy beside it (Function not implemented)`. The copy has the
    permissions the drive gives every file, the file's own: it is written."""
    song = fuse_fat_drive / "song.ogg"
    shutil.copyfile(make_file(tmp_path / "made", "ogg"), song)
    report = apply_plan(make_plan({song: ROCK}, mode=Mode.REPLACE), journal)

    assert [(o.status, o.reason) for o in report.outcomes] == [("written", "")] and native_genres(song) == ["Rock"]
    assert [path.name for path in fuse_fat_drive.iterdir()] == ["song.ogg"]  # no copy left beside it


def test_a_file_renamed_in_other_case_on_a_stick_is_restored_under_its_new_name(
    tmp_path: Path,
    exfat_drive: Path,  # noqa: F811 - the fixture
    journal: Journal,
) -> None:
    """`song.flac` renamed `Song.flac` after tag, on an exFAT stick: the undo restored it under its old name, so the
    rename was undone too (exFAT finds a name in any case). It is restored as it is named now."""
    song = exfat_drive / "song.flac"
    shutil.copyfile(make_file(tmp_path / "made", "flac"), song)
    run = apply_plan(make_plan({song: ROCK}, mode=Mode.REPLACE), journal).run_id
    song.rename(exfat_drive / "Song.flac")

    (outcome,) = undo(journal, run).outcomes

    assert (outcome.path, outcome.status) == (exfat_drive / "Song.flac", "restored")
    assert [path.name for path in exfat_drive.iterdir()] == ["Song.flac"] and native_genres(
        exfat_drive / "Song.flac"
    ) == []


def test_files_of_a_drive_unplugged_while_tag_writes_say_so(tmp_path: Path, journal: Journal) -> None:
    """A stick pulled out (or unmounted) while `tag` wrote its files: each file not yet written was `is no longer there
    (moved, renamed or deleted since it was planned)`, as if the user had deleted them."""
    drive = tmp_path / "drive"
    songs = [make_file(drive / "Album", "flac", name=name) for name in ("a", "b")]
    plan = make_plan(dict.fromkeys(songs, ROCK), mode=Mode.REPLACE)

    def unplug_after_the_first(done: int, _total: int, _path: Path) -> None:
        if done == 1:
            drive.rename(tmp_path / "unplugged")

    report = apply_plan(plan, journal, on_progress=unplug_after_the_first)

    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("written", ""),
        ("skipped", f"is no longer there, nor is its folder {drive / 'Album'} (the drive unplugged?)"),
    ]


def test_a_preview_named_as_a_stick_refuses_says_so(
    tmp_path: Path,
    exfat_drive: Path,  # noqa: F811 - the fixture
) -> None:
    """`tag --csv '/media/stick/plan?.csv'`: exFAT refuses `?` in a name, as `No such file or directory`, which the
    error repeated of a folder that is there."""
    plan = make_plan({make_file(tmp_path, "flac"): ROCK}, mode=Mode.REPLACE)
    with pytest.raises(FileError) as refused:
        write_preview_csv(plan, exfat_drive / "plan?.csv")

    assert refused.value.reason == (
        "cannot write the preview (its name holds '?', which FAT, exFAT and NTFS drives refuse in a name: choose "
        "another name)"
    )

"""A library copied where its files' mtimes are kept coarser than they were indexed at: restored from a tar backup
(whole seconds) into another home folder or the same one, or carried on a FAT drive (2 s).  Its tracks keep their
rows, ids and analyses, as a folder renamed in place does; a file edited since is still analysed again."""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

from musictagger.cli.main import main
from musictagger.library import Library, index_folders
from musictagger.tags.formats import read_tags
from tests.library.conftest import write_track

SECOND = 1_000_000_000


def cut_mtimes(folder: Path, step_ns: int) -> None:
    """Give every file under ``folder`` its mtime cut to ``step_ns``, as a tar archive or a FAT drive keeps it."""
    for path in folder.rglob("*"):
        mtime = path.stat().st_mtime_ns
        os.utime(path, ns=(mtime, mtime - mtime % step_ns))


def ids_by_name(root: Path) -> dict[str, int]:
    with Library() as library:
        return {unicodedata.normalize("NFC", os.path.relpath(r.path, root)): r.id for r in library.tracks()}


def test_a_library_restored_into_another_home_keeps_its_tracks(tmp_path: Path) -> None:
    """``/home/olduser/Music`` restored from a tar backup as ``/home/newuser/Music``: every mtime cut to the second,
    and a Mac's decomposed name composed by the copy.  Every file was analysed again (hours for a large library) and
    each track was then twice in the index, its old row kept as a drive not mounted."""
    old = tmp_path / "olduser" / "Music"
    cafe = unicodedata.normalize("NFD", "Café.wav")
    for i, name in enumerate(["01.flac", "02.wav", cafe]):
        write_track(old / "Album" / name, "flac" if name.endswith("flac") else "wav-pcm16", seed=i, seconds=2.0 + i)
    os.utime(old / "Album" / "02.wav", ns=(0, 1_700_000_000 * SECOND + 123_456_789))  # a fine mtime, surely cut
    index_folders([old], workers=1)
    ids = ids_by_name(old)

    new = tmp_path / "newuser" / "Music"
    shutil.copytree(old, new)
    (new / "Album" / cafe).rename(new / "Album" / unicodedata.normalize("NFC", cafe))
    cut_mtimes(new, SECOND)
    shutil.rmtree(tmp_path / "olduser")
    summary = index_folders([new], workers=1)

    assert (summary.analysed, summary.moved, summary.pruned) == (0, 3, 0)
    assert ids_by_name(new) == ids
    with Library() as library:  # the rows hold the files' mtimes now: the next run compares them exactly
        assert all(r.stamp.mtime_ns == Path(r.path).stat().st_mtime_ns for r in library.tracks())
    assert index_folders([new], workers=1).analysed == 0


def test_a_library_restored_in_place_keeps_its_analyses_and_an_edit_is_still_seen(tmp_path: Path) -> None:
    """The same folder restored from a FAT drive (mtimes cut to 2 s): not analysed again.  A file edited there since,
    its size the same (a tag's padding absorbs an edit), is."""
    music = tmp_path / "Music"
    tracks = [write_track(music / f"{i}.wav", "wav-pcm16", seed=i, seconds=2.0) for i in range(2)]
    for i, track in enumerate(tracks):
        os.utime(track, ns=(0, (1_700_000_000 + 10 * i) * SECOND + 987_654_321))
    index_folders([music], workers=1)
    cut_mtimes(music, 2 * SECOND)

    assert index_folders([music], workers=1).analysed == 0
    write_track(tracks[0], "wav-pcm16", seed=5, seconds=2.0)  # another sound, the same size
    os.utime(tracks[0], ns=(0, (1_700_000_000 + 20) * SECOND))
    assert index_folders([music], workers=1).analysed == 1


def test_files_of_one_size_and_name_are_not_taken_for_each_other(tmp_path: Path) -> None:
    """Two albums' ``01.wav`` of one size, their mtimes within the second a copy keeps: which went where cannot be
    told, so neither is moved; both are analysed again, and nothing is lost."""
    old = tmp_path / "old"
    for album in ("A", "B"):
        write_track(old / album / "01.wav", "wav-pcm16", seed=0, seconds=2.0)
        os.utime(old / album / "01.wav", ns=(0, 1_700_000_000 * SECOND + (300 if album == "A" else 600) * 1_000_000))
    index_folders([old], workers=1)
    new = tmp_path / "new"
    shutil.copytree(old, new)
    cut_mtimes(new, SECOND)
    shutil.rmtree(old)

    summary = index_folders([new], workers=1)

    assert (summary.analysed, summary.moved) == (2, 0)


def test_a_library_restored_and_tagged_before_it_is_indexed_is_not_analysed_again(tmp_path: Path) -> None:
    """Restored in place from a tar backup (mtimes cut to the second), then tagged before ``index`` ran: the index
    kept the files' old tags and mtimes, and the next ``index`` analysed every file the run wrote again."""
    music = tmp_path / "Music"
    track = write_track(music / "01.flac", "flac", seed=0, seconds=2.0)
    os.utime(track, ns=(0, 1_700_000_000 * SECOND + 123_456_789))
    index_folders([music], workers=1)
    cut_mtimes(music, SECOND)

    assert main(["tag", str(music), "--mode", "replace", "--min-confidence", "0"]) == 0

    assert read_tags(track).genres != ()
    with Library() as library:  # the row took the tagged file's new mtime
        assert library.record(track).stamp.mtime_ns == track.stat().st_mtime_ns
    assert index_folders([music], workers=1).analysed == 0

"""Pruning removes only the tracks whose files are gone for certain: not those of a folder that cannot be
read, nor those of a drive whose mount point is left empty; and --forget forgets the folder it names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from musictagger.cli.lines import path_line, with_path
from musictagger.cli.main import main
from musictagger.library import IndexProgress, Library, index_folders
from musictagger.library.indexing_lock import indexing_lock
from musictagger.userdirs import library_db_path
from tests.library.conftest import write_track

WITHOUT_ROOTS_POWERS = [
    "setpriv",
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
]
"""As root, a command that cannot read every folder (as a user's cannot): root reads them whatever their mode."""


def stored_paths() -> set[str]:
    with Library() as library:
        return {record.path for record in library.tracks()}


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="as root, needs setpriv (util-linux)")
def test_a_folder_that_cannot_be_read_keeps_its_tracks(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    before = stored_paths()
    locked = music_folder / "album2"
    locked.chmod(0)
    try:
        completed = subprocess.run(
            [*(WITHOUT_ROOTS_POWERS if os.geteuid() == 0 else []), sys.executable, "-m", "musictagger", "index"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        locked.chmod(0o755)
    assert path_line("  skipped", locked, "cannot read folder: Permission denied") in completed.stdout, completed.stderr
    assert stored_paths() == before


def test_an_emptied_mount_point_keeps_its_tracks_and_says_so(tmp_path: Path) -> None:
    """The drive at ``Music/drive`` (its tracks in folders) and the drive that is the indexed folder itself are
    unplugged: both mount points are left empty.  A file deleted, and an album folder deleted, are pruned."""
    music, archive = tmp_path / "Music", tmp_path / "Archive"
    drive = [write_track(music / "drive" / "Artist" / f"{i}.wav", "wav-pcm16", seed=i) for i in range(2)]
    deleted = write_track(music / "album" / "gone.wav", "wav-pcm16", seed=2)
    kept = write_track(music / "album" / "kept.wav", "wav-pcm16", seed=3)
    album = [write_track(music / "old album" / f"{i}.wav", "wav-pcm16", seed=i) for i in range(2)]
    on_archive = [write_track(archive / f"{i}.wav", "wav-pcm16", seed=i) for i in range(2)]
    index_folders([music, archive], workers=1)

    shutil.rmtree(music / "drive" / "Artist")  # what an unmount leaves: the empty mount point
    for path in on_archive:
        path.unlink()
    deleted.unlink()
    shutil.rmtree(music / "old album")
    summary = index_folders([music, archive], workers=1)

    assert summary.pruned == 1 + len(album)
    assert stored_paths() == {str(p) for p in [*drive, kept, *on_archive]}
    reasons = dict(summary.problems)
    assert reasons[str(music / "drive")].startswith("is empty, so its 2 indexed tracks are kept (a drive not mounted?)")
    assert reasons[str(archive)].startswith("is empty, so its 2 indexed tracks are kept")


def test_a_missing_folder_of_the_library_keeps_its_tracks_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refresh (``index`` alone) with a folder of the library gone altogether, as a drive whose unmounting
    removed its mount point leaves it, said `skipped: DIR: no such file or folder`, not that its tracks are
    kept, as it says of an emptied mount point; and how the tracks of a folder that moved follow it, where it said
    only how to forget them (and a user who did had every track analysed again under the new name)."""
    music, archive = tmp_path / "Music", tmp_path / "Archive"
    songs = [write_track(music / f"{i}.wav", "wav-pcm16", seed=i) for i in range(2)]
    on_archive = write_track(archive / "0.wav", "wav-pcm16", seed=2)
    index_folders([music, archive], workers=1)
    capsys.readouterr()

    music.rename(tmp_path / "Away")
    archive.rename(tmp_path / "Archive away")
    main(["index"])

    assert stored_paths() == {str(p) for p in [*songs, on_archive]}
    out = capsys.readouterr().out
    why = "a drive not mounted, or moved? `musictagger index NEW_FOLDER` takes those it finds there"
    forget = "; `musictagger index --forget` removes a folder's tracks"
    assert out.endswith(
        path_line("  skipped", archive, f"no such folder, so its 1 indexed track is kept ({why}){forget}")
        + "\n"
        + path_line("  skipped", music, f"no such folder, so its 2 indexed tracks are kept ({why}){forget}")
        + "\n"
    )


def test_forget_takes_the_folder_as_named_and_refuses_one_that_is_not_the_librarys(
    music_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "link"
    link.symlink_to(music_folder)
    index_folders([link], workers=1)  # the library's folder is the link, as the user named it
    assert stored_paths() and all(path.startswith(str(link) + os.sep) for path in stored_paths())

    assert main(["index", "--forget", str(music_folder / "album1")]) == 1
    assert capsys.readouterr().err == with_path(
        "error: ", music_folder / "album1", f" is not a folder of the library (its folders: {link})\n"
    )
    assert main(["index", "--forget", str(link)]) == 0
    with Library() as library:
        assert library.roots() == [] and library.counts().total == 0


def test_a_folder_of_the_library_reached_through_a_link_is_not_indexed_twice(
    music_folder: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(music_folder)
    index_folders([music_folder], workers=1)
    before = stored_paths()

    summary = index_folders([link, link / "album1"], workers=1)

    assert stored_paths() == before and summary.analysed == 0
    assert summary.problems == [
        (str(link), f"is {music_folder} through a link, a folder the library indexes already"),
        (str(link / "album1"), f"is {music_folder / 'album1'} through a link, a folder the library indexes already"),
    ]
    with Library() as library:
        assert library.roots() == [music_folder]


def test_a_link_inside_the_library_to_a_folder_of_it_is_not_added_as_a_folder(music_folder: Path) -> None:
    """`index ~/Music/Favourites`, a link inside the library to its album1, was added to the library's folders
    without a word (0 analysed): `index --status` and the Music folders panel listed it, and a link inside album2
    back to the library's folder, added so too, was named afterwards as the folder a link outside reached
    (`is …/album2/up/album1 through a link`).  Each is reported as a folder of the library reached through a link,
    as a link from outside is (the README, "Careful walking"), and the library keeps its one folder."""
    (music_folder / "Favourites").symlink_to(music_folder / "album1")
    (music_folder / "album2" / "up").symlink_to(music_folder)
    index_folders([music_folder], workers=1)
    before = stored_paths()

    summary = index_folders([music_folder / "Favourites", music_folder / "album2" / "up"], workers=1)

    assert stored_paths() == before and summary.analysed == 0
    assert summary.problems == [
        (
            str(music_folder / "Favourites"),
            f"is {music_folder / 'album1'} through a link, a folder the library indexes already",
        ),
        (
            str(music_folder / "album2" / "up"),
            f"is {music_folder} through a link, a folder the library indexes already",
        ),
    ]
    with Library() as library:
        assert library.roots() == [music_folder]


def test_tracks_stored_under_a_link_inside_the_library_get_their_own_paths(music_folder: Path) -> None:
    """The walk met a link inside the library (``linked album`` to ``album1``) before the folder it reaches, so an
    index made then holds album1's tracks under the link's name.  The walk now finds them by their own path: the
    rows take it, with their ids and analyses, and no file has two rows."""
    (music_folder / "linked album").symlink_to(music_folder / "album1")
    index_folders([music_folder], workers=1)
    own = [str(music_folder / "album1" / name) for name in ("01.flac", "02.flac")]
    linked = [str(music_folder / "linked album" / name) for name in ("01.flac", "02.flac")]
    with Library() as library:
        ids = [library.record(path).id for path in own]
        library.rename_paths(list(zip(own, linked, strict=True)))  # as the walk stored them before
    before = sorted(stored_paths())

    summary = index_folders([music_folder], workers=1)

    assert (summary.analysed, summary.moved, summary.pruned) == (0, 2, 0)
    assert sorted(stored_paths()) == sorted(set(before) - set(linked) | set(own))
    with Library() as library:
        assert [library.record(path).id for path in own] == ids


def test_a_file_indexed_on_its_own_is_removed_once_deleted(music_folder: Path, tmp_path: Path) -> None:
    single = write_track(tmp_path / "Downloads" / "single.wav", "wav-pcm16", seed=5)
    write_track(tmp_path / "Downloads" / "other.wav", "wav-pcm16", seed=6)  # its folder still holds something
    index_folders([music_folder], workers=1)
    index_folders([single], workers=1)
    assert str(single) in stored_paths()

    single.unlink()
    summary = index_folders([music_folder], workers=1)  # a run over the library's folders (`index`)

    assert summary.pruned == 1 and str(single) not in stored_paths()


def test_a_folder_renamed_keeps_its_analyses_and_ids_and_a_new_file_is_not_taken_for_a_moved_one(
    music_folder: Path,
) -> None:
    index_folders([music_folder], workers=1)
    with Library() as library:
        ids = {Path(record.path).name: record.id for record in library.tracks()}
    (music_folder / "album1").rename(music_folder / "Album One (2024)")
    (music_folder / "05.wav").unlink()
    write_track(music_folder / "06.wav", "wav-pcm16", seed=4, seconds=4.0)  # another file: another size

    summary = index_folders([music_folder], workers=1)

    assert (summary.moved, summary.analysed, summary.pruned) == (2, 1, 1)
    with Library() as library:
        moved = {Path(r.path).name: r.id for r in library.tracks() if "Album One (2024)" in r.path}
        assert library.record(music_folder / "05.wav") is None
    assert moved == {"01.flac": ids["01.flac"], "02.flac": ids["02.flac"]}


def test_a_link_made_inside_the_library_later_does_not_index_its_files_twice(music_folder: Path) -> None:
    index_folders([music_folder], workers=1)
    before = stored_paths()
    (music_folder / "zlink").symlink_to(music_folder / "album1")

    summary = index_folders([music_folder], workers=1)

    assert stored_paths() == before and summary.analysed == 0


@pytest.mark.parametrize("how", ["unmounted", "emptied", "deleted"])
def test_a_drive_unmounted_during_a_run_keeps_its_tracks_and_says_so(tmp_path: Path, how: str) -> None:
    """The drive holding the folder goes while the run analyses its changed files again: every file still to be
    analysed was removed from the index as it was found gone (a run after a model update, an archive's drive
    unmounted mid-run, lost days of analysis in silence).  As when the run begins without the drive, its tracks are
    kept and the folder is named; files deleted from a folder that still holds others are still removed."""
    archive = tmp_path / "Archive"
    tracks = [write_track(archive / "Artist" / f"{i}.wav", "wav-pcm16", seed=i) for i in range(4)]
    index_folders([archive], workers=1)
    for track in tracks:  # changed since: analysed again, one at a time in path order
        os.utime(track, ns=(track.stat().st_atime_ns, track.stat().st_mtime_ns + 10**9))

    def drive_goes(progress: IndexProgress) -> None:
        if progress.analysed == 1 and (archive / "Artist" / "1.wav").exists():
            if how == "unmounted":  # the mount point removed with it
                archive.rename(tmp_path / "elsewhere")
            elif how == "emptied":  # the mount point left empty
                (archive / "Artist").rename(tmp_path / "elsewhere")
            else:
                tracks[1].unlink()
                tracks[2].unlink()

    summary = index_folders([archive], workers=1, on_progress=drive_goes)

    if how == "deleted":
        assert (summary.analysed, summary.pruned + summary.vanished) == (2, 2) and not summary.problems
        assert stored_paths() == {str(tracks[0]), str(tracks[3])}
        return
    assert stored_paths() == {str(track) for track in tracks}
    assert (summary.analysed, summary.vanished, summary.kept_absent) == (1, 0, 3)
    state = "went missing" if how == "unmounted" else "was emptied"
    assert summary.problems == [
        (
            str(archive),
            f"{state} during the run, so its 4 indexed tracks are kept (a drive not mounted?); "
            "`musictagger index --forget` removes a folder's tracks",
        )
    ]


@pytest.mark.parametrize("how", ["unmounted", "emptied"])
def test_a_new_drive_unmounted_before_a_file_was_analysed_says_it_holds_no_track(tmp_path: Path, how: str) -> None:
    """A folder indexed for the first time goes as the run begins analysing it: the run said 'its 0 indexed tracks
    are kept' (and, gone before the run's folders were noted, called its files removed from the index)."""
    archive = tmp_path / "Archive"
    for i in range(3):
        write_track(archive / "Artist" / f"{i}.wav", "wav-pcm16", seed=i)

    def drive_goes(progress: IndexProgress) -> None:
        if progress.done == 0:  # the first report, before any file is analysed
            (archive if how == "unmounted" else archive / "Artist").rename(tmp_path / "elsewhere")

    summary = index_folders([archive], workers=1, on_progress=drive_goes)

    assert (summary.analysed, summary.vanished, summary.kept_absent, stored_paths()) == (0, 0, 3, set())
    state = "went missing" if how == "unmounted" else "was emptied"
    assert summary.problems == [
        (
            str(archive),
            f"{state} during the run, and no track of the library is in it (a drive not mounted?); "
            "`musictagger index` analyses its files once it is back, `--forget` removes it",
        )
    ]


@pytest.mark.parametrize("forgotten", ["inner", "outer"])
def test_forgetting_a_folder_keeps_the_tracks_another_folder_of_the_library_holds(
    music_folder: Path, forgotten: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``index Music/album1`` after ``index Music`` makes album1 a folder of the library too; forgetting it took its
    tracks, which Music still holds, out of the index, and the next run analysed them all again (an archive's
    sub-folder: hours).  Forgetting Music, album1 keeps its own."""
    index_folders([music_folder], workers=1)
    inner = music_folder / "album1"
    index_folders([inner], workers=1)
    before = stored_paths()
    capsys.readouterr()

    assert main(["index", "--forget", str(inner if forgotten == "inner" else music_folder)]) == 0

    in_album1 = {path for path in before if path.startswith(f"{inner}{os.sep}")}
    assert stored_paths() == (before if forgotten == "inner" else in_album1)
    said = " ".join(capsys.readouterr().out.split())
    if forgotten == "inner":  # it said 'forgot …/album1 and its 0 tracks', 'its other 2 stay'
        assert said.startswith(f"forgot {inner} its {len(in_album1)} tracks stay in the index: {music_folder}")
    else:
        dropped = len(before) - len(in_album1)
        assert said.startswith(f"forgot {music_folder} and its {dropped} tracks its other {len(in_album1)} tracks stay")
    if forgotten == "inner":
        assert index_folders([music_folder], workers=1).analysed == 0


def test_forgetting_a_folder_of_one_track_says_track(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said 'forgot … and its 1 tracks'."""
    write_track(tmp_path / "Single" / "a.wav", "wav-pcm16", seed=1)
    index_folders([tmp_path / "Single"], workers=1)
    assert main(["index", "--forget", str(tmp_path / "Single")]) == 0
    assert capsys.readouterr().out == with_path("forgot ", tmp_path / "Single", " and its 1 track") + "\n"


def test_a_folder_is_not_forgotten_while_a_run_indexes(music_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Forgotten while a run indexed it, a folder's tracks went on being stored after it (108 of a walk's, left under
    no folder of the library): --forget waits its turn as a second run does."""
    index_folders([music_folder], workers=1)
    capsys.readouterr()
    with indexing_lock(library_db_path()):  # as a run holds it
        assert main(["index", "--forget", str(music_folder)]) == 1
    assert "is being indexed by process" in " ".join(capsys.readouterr().err.split())
    assert stored_paths() and main(["index", "--forget", str(music_folder)]) == 0 and not stored_paths()


def test_a_library_folder_renamed_or_mounted_elsewhere_keeps_its_tracks_analyses_and_ids(music_folder: Path) -> None:
    """The library's folder itself renamed (``~/Music`` to ``~/Musik``), or a drive mounted at ``Archive1`` because
    ``Archive`` was taken, and indexed by its new name: every file was analysed again (hours for an archive's drive)
    and each track was then twice in the index, once under the folder gone, kept as a drive not mounted.  Its rows
    now follow the files, as an album folder's do, and follow them back when the old name comes back."""
    index_folders([music_folder], workers=1)
    with Library() as library:
        ids = {os.path.relpath(record.path, music_folder): record.id for record in library.tracks()}
    renamed = music_folder.with_name("Musik")
    music_folder.rename(renamed)

    summary = index_folders([renamed], workers=1)

    assert (summary.analysed, summary.moved, summary.pruned, summary.problems) == (0, len(ids), 0, [])
    with Library() as library:
        assert {os.path.relpath(record.path, renamed): record.id for record in library.tracks()} == ids
    renamed.rename(music_folder)
    summary = index_folders([music_folder, renamed], workers=1)  # `musictagger index`: the library's folders

    # Not "… so its 6 indexed tracks are kept": they moved; nor "no such file or folder" alone at every run.
    gone = [
        (str(renamed), "no such folder, and no track of the library is in it: `musictagger index --forget` removes it")
    ]
    assert (summary.analysed, summary.moved, summary.pruned, summary.problems) == (0, len(ids), 0, gone)
    assert stored_paths() == {str(music_folder / path) for path in ids}


def test_a_hard_link_to_an_indexed_file_does_not_index_it_twice(music_folder: Path, tmp_path: Path) -> None:
    """A second name of an indexed file (a hard link: the downloads folder a torrent client seeds from, linked into
    the library) found before the indexed one, in a folder the walk takes first or in another folder of the library,
    was analysed again and kept as a second track of the same physical file.  The index keeps the name it holds."""
    index_folders([music_folder], workers=1)
    before = stored_paths()
    (music_folder / "zz linked").mkdir()
    os.link(music_folder / "album2" / "03.wav", music_folder / "zz linked" / "03.wav")
    (tmp_path / "Downloads").mkdir()
    os.link(music_folder / "album1" / "01.flac", tmp_path / "Downloads" / "01.flac")

    in_library = index_folders([music_folder], workers=1)
    in_another = index_folders([tmp_path / "Downloads"], workers=1)

    assert (in_library.analysed, in_another.analysed, stored_paths()) == (0, 0, before)

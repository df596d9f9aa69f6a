"""`musictagger index` and `musictagger similar` as a user runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from musictagger.cli.lines import path_line, with_path, wrap
from musictagger.cli.main import main
from musictagger.cli.table import columns
from musictagger.library import Library, index_folders
from musictagger.model.location import model_file
from musictagger.model.runtime import load_model
from musictagger.userdirs import library_db_path
from tests.library.conftest import write_track
from tests.processes import limited_to
from tests.tagging.media import pretag


def test_index_prints_a_summary_and_fails_the_batch_on_a_bad_file(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = music_folder / "album2" / "broken.mp3"
    assert main(["index", str(music_folder), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "5 analysed, 0 unchanged, 1 failed" in out
    with Library() as library:
        (failure,) = library.failures()
    assert failure.path == str(broken) and failure.error.startswith("not an audio file")
    assert path_line("  failed", broken, failure.error) in out

    # No folder: refresh the known ones. The bad file is unchanged, so not tried again: this run failed nothing
    # (status 0), but the summary said "0 failed" of a library that holds a failure, and nothing of it.
    assert main(["index", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert " ".join(out.split()).startswith(
        "0 analysed, 5 unchanged, 0 failed, 1 failed earlier, 0 removed from the index, in "
    )
    assert (
        wrap(
            "  1 failed earlier, unchanged since: `musictagger index --status` lists it, `--retry-failed` tries it "
            "again"
        )
        in out
    )
    assert main(["index", "--workers", "1", "--retry-failed"]) == 1  # tried again: this run's failure
    assert "0 analysed, 5 unchanged, 1 failed, 0 removed" in capsys.readouterr().out

    assert main(["index", "--status"]) == 0
    status = capsys.readouterr().out
    assert "6 tracks: 5 analysed, 1 failed" in status and path_line("  folder", music_folder) in status


def test_a_missing_folder_is_an_error_and_the_others_are_indexed(
    music_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unplugged = tmp_path / "unplugged drive"

    assert main(["index", str(unplugged)]) == 1
    assert capsys.readouterr().err == path_line("error", unplugged, "no such file or folder") + "\n"
    assert main(["index", str(unplugged), str(music_folder), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.err == path_line("error", unplugged, "no such file or folder") + "\n"
    assert "5 analysed, 0 unchanged, 1 failed" in captured.out
    with Library() as library:
        assert library.roots() == [music_folder]


def test_again_analyses_files_unchanged_since_indexed(music_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After an upgrade that reads a format better, a user asks for files analysed again that are unchanged on disk;
    the CLI had no way to (the window's Re-analyse alone did), short of forgetting the folder or touching the files."""
    album = music_folder / "album1"
    assert main(["index", str(music_folder), "--workers", "1"]) == 1  # the broken mp3
    with Library() as library:
        before = {str(album / name): library.record(album / name).analysed_at for name in ("01.flac", "02.flac")}
    capsys.readouterr()

    assert main(["index", str(album), "--again", "--workers", "1"]) == 0
    assert " ".join(capsys.readouterr().out.split()).startswith("2 analysed, 0 unchanged, 0 failed")
    with Library() as library:
        assert all(library.record(Path(path)).analysed_at > analysed for path, analysed in before.items())
        assert len(library.failures()) == 1  # the folder's other files untouched

    assert main(["index", str(album), "--workers", "1"]) == 0  # without it, unchanged files stay as they are
    assert " ".join(capsys.readouterr().out.split()).startswith("0 analysed, 2 unchanged")


def test_index_without_folders_on_a_new_library_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 1
    assert "no folders indexed yet" in capsys.readouterr().err


def test_forget_drops_a_folder_and_its_tracks(music_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["index", str(music_folder), "--workers", "1"])
    assert main(["index", "--forget", str(music_folder)]) == 0
    with Library() as library:
        assert library.counts().total == 0 and library.roots() == []


def test_similar_by_file_outside_the_library_by_id_and_by_text(
    music_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()
    outsider = write_track(tmp_path / "elsewhere" / "query.flac", "flac", seed=0)

    assert main(["similar", str(outsider), "-k", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == str(outsider) and len(result["matches"]) == 3
    assert result["matches"][0]["path"] == str(music_folder / "album1" / "01.flac")  # same signal, same sound
    assert result["matches"][0]["duplicate"]
    assert all(match["nearest_part"] is None for match in result["matches"])  # 3-s tracks: one window, the whole
    assert result["compared_bits"] == 64  # the first model has no identity bits: all are compared
    with Library() as library:
        assert library.record(outsider) is None  # a query does not join the library
        track_id = library.record(music_folder / "05.wav").id

    assert main(["similar", str(track_id), "-k", "2"]) == 0
    out = capsys.readouterr().out
    heading = with_path(f"nearest to track {track_id} ", music_folder / "05.wav", ", ")
    assert out.startswith(heading)
    assert str(music_folder / "05.wav") not in out.removeprefix(heading)  # the query is not among its matches
    assert "nearest part" in out and "whole track" in out
    assert "distance  bits" in out and "ordered by distance: between relaxed codes" in out

    assert main(["similar", "album1"]) == 1
    assert "matches several tracks" in capsys.readouterr().err
    assert main(["similar", str(music_folder / "album1")]) == 1  # a folder is not searched for as text
    assert capsys.readouterr().err == path_line(
        "error", music_folder / "album1", "is a folder; give an audio file, a track id or text matching one track\n"
    )
    assert main(["similar", "no-such-thing"]) == 1
    assert "neither a file nor an analysed track" in capsys.readouterr().err


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_similar_from_a_file_reached_through_a_link_leaves_the_file_itself_out(
    music_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str
) -> None:
    """The query named through a link to a folder of the library, or by a hard link's other name (a seeding folder
    linked into the library), was analysed again and listed as its own duplicate, at distance 0, first."""
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()
    if link == "symbolic":
        (tmp_path / "shortcut").symlink_to(music_folder / "album1")
        query = tmp_path / "shortcut" / "01.flac"
    else:
        query = tmp_path / "seeding" / "01.flac"
        query.parent.mkdir()
        os.link(music_folder / "album1" / "01.flac", query)

    assert main(["similar", str(query), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == str(query)
    assert [match["path"] for match in result["matches"]] == [
        match["path"] for match in result["matches"] if match["path"] != str(music_folder / "album1" / "01.flac")
    ]
    assert len(result["matches"]) == 4  # the library's other analysed tracks


def test_similar_compares_the_identity_bits_of_a_model_that_has_them(
    music_folder: Path, tmp_path: Path, use_model: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The third model's code ends with 48 identity bits; the search, and the distances it shows, are theirs."""
    use_model(model_file("hash-cnn-lstm-emotify-v3"))
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()
    outsider = write_track(tmp_path / "elsewhere" / "query.flac", "flac", seed=2)
    assert main(["similar", str(outsider), "-k", "4", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    compared = result["compared_bits"]
    assert compared == 48 and len(result["matches"]) == 4
    query_bits = load_model().analyze_file(outsider).bits
    with Library() as library:
        for match in result["matches"]:
            stored = library.record_by_id(match["id"]).analysis
            assert match["distance"] == int((stored.bits[-compared:] != query_bits[-compared:]).sum())
            assert match["reason"] == (stored.verdict.reason or None)  # why a track has no genre, as `analyze` says
            assert (match["reason"] is None) == (match["verdict"] == "genre")


def test_a_track_the_other_shipped_model_indexed_is_searched_from_by_its_identity_bits(
    music_folder: Path, use_model: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """After models --base switched, a search from a track the other shipped model indexed compared all 64
    bits of its code, learnt bits included, though that model's codes compare by their 48 identity bits."""
    use_model(model_file("hash-cnn-lstm-emotify-v3"))
    main(["index", str(music_folder), "--workers", "1"])
    with Library() as library:
        track_id = library.record(music_folder / "05.wav").id
    use_model(model_file("hash-cnn-lstm-emotify-v4"))
    capsys.readouterr()

    assert main(["similar", str(track_id), "--json"]) == 0

    answer = json.loads(capsys.readouterr().out)
    assert answer["compared_bits"] == 48 and len(answer["matches"]) == 4  # its own model's four other tracks


def test_similar_never_compares_codes_of_another_model(
    music_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A track an older model analysed (its code means nothing to today's model) is left out of a search
    by today's code, even as the query's exact copy; searched from, it finds only its own model's tracks."""
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()
    older = music_folder / "album1" / "01.flac"
    with sqlite3.connect(library_db_path()) as db:  # as a library indexed before the model was updated
        db.execute("UPDATE tracks SET model_id = 'an-older-model+frontend-2' WHERE path = ?", (str(older),))
    outsider = write_track(tmp_path / "elsewhere" / "query.flac", "flac", seed=0)  # 01.flac's very signal

    assert main(["similar", str(outsider), "-k", "10", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    paths = [match["path"] for match in answer["matches"]]
    assert str(older) not in paths and len(paths) == 4  # the other four analysed tracks
    assert answer["left_out"] == 1  # and it says one was left out
    assert main(["similar", str(outsider), "-k", "2"]) == 0
    assert (
        wrap(
            "  (1 track analysed by another model, whose codes do not compare with this one's, left out: "
            "`musictagger index` analyses them again)"
        )
        in capsys.readouterr().out
    )

    with Library() as library:
        older_id = library.record(older).id
    assert main(["similar", str(older_id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matches"] == []  # no other track of the older model
    # Said so, not "no other analysed tracks in the library" and "4 tracks … left out: `musictagger index` analyses
    # them again", which are the model in use's: index analyses the query's track again, not them.
    assert main(["similar", str(older_id)]) == 0
    assert capsys.readouterr().out.endswith(
        "  (no other track analysed by this track's model)\n"
        + wrap(
            "  (4 tracks left out, analysed by another model than this track, whose codes do not compare with its: "
            "`musictagger index` analyses it again with the model in use)"
        )
        + "\n"
    )

    assert main(["index", "--status"]) == 0
    status = " ".join(capsys.readouterr().out.split())
    assert "codes: 4 tracks are searched" in status
    assert "; 1 analysed by another model needs `musictagger index` again" in status


def test_similar_on_an_empty_library_says_to_index_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["similar", "anything"]) == 1
    assert "index your music first" in capsys.readouterr().err


def test_similar_on_a_library_without_an_analysed_track_says_why_not_to_index_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library whose files all failed, or whose folder held no audio file, was called empty and the user told to
    index their music first: what they had just done."""
    empty, broken = tmp_path / "Empty", tmp_path / "Broken"
    empty.mkdir()
    main(["index", str(empty), "--workers", "1"])
    capsys.readouterr()
    assert main(["similar", "anything"]) == 1
    assert (
        capsys.readouterr().err
        == wrap(
            f"error: the library index holds no track: no audio file was found in its folder ({empty}) when it was "
            "last indexed; `musictagger index` looks again",
            [str(empty)],
        )
        + "\n"
    )

    write_track(broken / "a.wav", "wav-pcm16").write_bytes(b"not audio" * 100)
    (broken / "b.wav").write_bytes(b"")
    main(["index", str(broken), "--workers", "1"])
    capsys.readouterr()
    assert main(["similar", "anything"]) == 1
    assert (
        capsys.readouterr().err
        == wrap(
            "error: the library index holds no analysed track to compare with: its 2 files failed "
            "(`musictagger index --status` says why)"
        )
        + "\n"
    )


def test_similar_keeps_each_match_on_one_line_in_aligned_columns_whatever_the_file_names(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line break or tab in a file name is written as ``\\n`` or ``\\t`` (as `index` and `tag` write them):
    printed as is, it broke a match over two lines, and the heading of a query so named."""
    odd = write_track(music_folder / "new\nline" / "a\tb.flac", "flac", seed=0)  # sounds as album1/01.flac
    shown = f"{music_folder}/new\\nline/a\\tb.flac"
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()

    for query, heading in ((odd, shown), (music_folder / "album1" / "01.flac", None)):
        assert main(["similar", str(query), "-k", "5"]) == 0
        above, header, rows, below = similar_table(capsys.readouterr().out)
        assert " ".join(above.split()).startswith(f"nearest to {heading or query}")
        assert len(rows) == 5 and below.startswith("  (ordered by distance")
        assert {row.index(str(music_folder)) for row in rows} == {header.index("path")}
    assert any(row.endswith(f"{shown}  (duplicate)") for row in rows)


def test_similar_starts_every_path_within_80_columns_and_names_tracks_by_their_tags(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The columns before the path took 84 terminal columns or more: a track column of file names (which the
    path ends with) cut at 40 characters, so a Japanese name took 80 columns. The track column is now the tags'
    artist and title, cut at 22 columns, and is left out when no match has tags."""
    tagged = music_folder / "album1" / "02.flac"
    pretag(tagged, artist="東京の交響楽団と合唱団", title="とても長い名前の曲、第二楽章" * 3)
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()

    tables = {}
    for query in ("03.wav", "02.flac"):
        assert main(["similar", query, "-k", "4"]) == 0
        _, header, rows, _ = similar_table(capsys.readouterr().out)
        tables[query] = (header.split(), rows)
        starts = {columns(row[: row.index(str(music_folder))]) for row in rows}
        assert starts == {columns(header[: header.index("path")])} and max(starts) < 80, rows

    header, rows = tables["03.wav"]
    assert header == ["#", "distance", "bits", "nearest", "part", "genre", "track", "path"]
    (row,) = [row for row in rows if row.endswith(str(tagged))]
    assert row.split()[-2:] == ["東京の交響楽団と合唱…", str(tagged)]
    assert tables["02.flac"][0] == ["#", "distance", "bits", "nearest", "part", "genre", "path"]


def similar_table(out: str) -> tuple[str, str, list[str], str]:
    """``similar``'s output: the lines above its table (the query, wrapped), the table's header and rows (one line
    each, whatever their width), and the lines below it."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "distance"])
    end = next(i for i, line in enumerate(lines) if i > at and line.startswith("  ("))
    return "\n".join(lines[:at]), lines[at], lines[at + 1 : end], "\n".join(lines[end:])


def test_similar_from_a_track_that_failed_says_why_it_has_nothing_to_search_from(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said the track was "neither a file nor an analysed track of the library", which a user whose
    library lists it (`index --status`) cannot make sense of."""
    main(["index", str(music_folder), "--workers", "1"])
    broken = music_folder / "album2" / "broken.mp3"
    with Library() as library:
        track_id = library.record(broken).id
    capsys.readouterr()

    for query in (str(track_id), "broken"):
        assert main(["similar", query]) == 1
        err = capsys.readouterr().err
        assert f"{query!r} matches only tracks that could not be analysed" in err
        with Library() as library:
            error = library.record(broken).error
        assert error.startswith("not an audio file") and path_line(f"  {track_id}", broken, error) in err


def test_the_library_is_read_on_a_disk_that_will_not_let_it_be_opened_for_writing(music_folder: Path) -> None:
    """On a full disk SQLite cannot make the shared-memory file its write-ahead log needs, and every command that
    reads the library (`index --status`, `similar`, the window's Library tab) stopped at 'disk I/O error'.  Now the
    library is read as it is on disk; a command that writes says why it cannot (here files may not grow past 4 KiB:
    a full disk, without root or a mount)."""
    index_folders([music_folder], workers=1)
    before = library_db_path().read_bytes()
    command = [sys.executable, "-m", "musictagger", "index"]

    status = subprocess.run(
        [*command, "--status"], capture_output=True, text=True, preexec_fn=lambda: limited_to(4096), timeout=120
    )
    forget = subprocess.run(
        [*command, "--forget", str(music_folder)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_to(4096),
        timeout=120,
    )

    assert status.returncode == 0, status.stderr
    assert "6 tracks: 5 analysed, 1 failed" in status.stdout and str(music_folder) in status.stdout
    assert forget.returncode == 1 and "Traceback" not in forget.stderr
    assert "attempt to write a readonly database" in forget.stderr
    assert library_db_path().read_bytes() == before


def test_similar_reads_the_library_on_a_disk_that_will_not_let_it_be_opened_for_writing(music_folder: Path) -> None:
    """`similar` on a full disk (or with the library on a read-only mount) ended in `cannot open the database (disk
    I/O error …)` where the search watches the library for writes, though `index --status` read it there: now the
    watcher compares the files' sizes and times, and the matches are listed (here files may not grow past 4 KiB:
    a full disk, without root or a mount)."""
    index_folders([music_folder], workers=1)
    query = music_folder / "album1" / "01.flac"

    run = subprocess.run(
        [sys.executable, "-m", "musictagger", "similar", "--json", str(query)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_to(4096),
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    matches = json.loads(run.stdout)["matches"]
    assert {match["path"] for match in matches} == {
        str(music_folder / name) for name in ("album1/02.flac", "album2/03.wav", "album2/04.ogg", "05.wav")
    }


def test_similar_of_a_broken_link_says_so(music_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link whose file is gone was `'…/gone.wav' is neither a file nor an analysed track of the library`, as if
    it had been taken for text; `analyze` and `index` call it a broken link, and so does `similar` now."""
    index_folders([music_folder], workers=1)
    link = music_folder / "gone.wav"
    link.symlink_to(music_folder / "deleted.wav")

    assert main(["similar", str(link)]) == 1

    assert capsys.readouterr().err == path_line("error", link, "broken link") + "\n"


def test_a_file_where_the_user_data_folder_should_be_is_named(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a file where the library's folder should be, `index` said `cannot open the database ([Errno 17] File
    exists: '…/musictagger')` and `index --status` `([Errno 20] Not a directory …)`; both now say what is wrong."""
    folder = library_db_path().parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")

    for command in (["index", str(music_folder)], ["index", "--status"]):
        assert main(command) == 1, command
        err = " ".join(capsys.readouterr().err.split())
        assert err.startswith(f"error: {library_db_path()}") and err.endswith(
            f"cannot open the database ({folder} is a file, where a folder should be)"
        ), err


def test_a_broken_link_where_the_user_data_folder_should_be_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """A link to a data folder that is not there (moved to a drive not mounted) was called a file where a folder
    should be, as mkdir's '[Errno 17] File exists' would have it; it is named a broken link, and where it leads."""
    folder = library_db_path().parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(folder.parent / "on a drive not mounted")

    assert main(["index", "--status"]) == 1

    assert " ".join(capsys.readouterr().err.split()).endswith(
        f"cannot open the database ({folder} is a broken link (to {folder.parent / 'on a drive not mounted'}), where "
        "a folder should be)"
    )


def test_index_on_a_disk_too_full_for_its_lock_says_so(music_folder: Path) -> None:
    """`index` with the user-data folder's disk full ended in a traceback, `OSError: [Errno 28] No space left on
    device`, where it wrote its process id into the indexing lock.  Now it says which index it cannot open and why,
    and the library is as it was (here no file may grow at all: a disk without a byte free, without root or a
    mount)."""
    index_folders([music_folder], workers=1)
    before = library_db_path().read_bytes()

    run = subprocess.run(
        [sys.executable, "-m", "musictagger", "index", str(music_folder)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_to(0),
        timeout=120,
    )

    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert (
        run.stderr
        == path_line("error", library_db_path(), "cannot open the database ([Errno 27] File too large)") + "\n"
    )
    assert library_db_path().read_bytes() == before


def test_a_library_damaged_past_its_first_page_is_an_error_naming_it(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library whose first page is sound and the others not (a failing disk, a copy cut short) opened as usual and
    ended `index`, `index --status` and `similar` in a traceback, `sqlite3.DatabaseError: database disk image is
    malformed`, once a statement read the damaged pages.  Each now says which file is damaged and what to do."""
    index_folders([music_folder], workers=1)
    path = library_db_path()
    data = path.read_bytes()
    page = 4096  # SQLite's page size: the first holds the header and the schema
    path.write_bytes(data[:page] + bytes(range(256)) * ((len(data) - page) // 256))
    expected = path_line(
        "error",
        path,
        "database disk image is malformed: the file is damaged; move it aside and musictagger will start a new one",
    )

    for command in (["index", "--status"], ["similar", str(music_folder / "05.wav")], ["index", str(music_folder)]):
        assert main(command) == 1, command
        assert capsys.readouterr().err == expected + "\n", command


def test_the_status_of_a_library_of_one_track_says_track(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said '1 tracks: 1 analysed, 0 failed' and 'codes: 1 tracks are searched', and then 'embeddings: 1 of 1
    analysed tracks have the one …'."""
    write_track(tmp_path / "Single" / "a.wav", "wav-pcm16", seed=1)
    assert main(["index", str(tmp_path / "Single")]) == 0
    capsys.readouterr()

    assert main(["index", "--status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "1 track: 1 analysed, 0 failed" in lines
    assert any(line.startswith("  codes: 1 track is searched for similar ones") for line in lines)
    assert "  embeddings: 1 of 1 analysed track has the one `musictagger learn` needs" in lines

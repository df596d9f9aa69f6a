"""Playlists as players read them: ``similar --m3u`` and the writer the window shares with it."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from musictagger.cli.main import main
from musictagger.errors import FileError
from musictagger.library.playlist import PlaylistEntry, write_playlist
from tests.library.conftest import write_track
from tests.tagging.media import pretag
from tests.users import POSIX, as_a_user


def read_playlist(playlist: Path) -> list[tuple[str, Path]]:
    """The ``(#EXTINF line, file)`` pairs of an extended M3U8 file, each file found as a player finds it: a
    ``file://`` URL, an absolute path, or a path relative to the playlist's folder."""
    lines = playlist.read_bytes().decode("utf-8", "surrogateescape").split("\n")
    assert lines[0] == "#EXTM3U" and lines[-1] == ""  # no byte-order mark, the last line ended
    entries = lines[1:-1]
    pairs = list(zip(entries[::2], entries[1::2], strict=True))
    assert all(info.startswith("#EXTINF:") and not location.startswith("#") for info, location in pairs)
    return [
        (
            info,
            Path(unquote(urlparse(location).path, errors="surrogateescape"))
            if location.startswith("file://")
            else playlist.parent / location,
        )
        for info, location in pairs
    ]


def test_similar_saves_its_matches_as_a_playlist_a_player_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DJ's ten nearest tracks, for their player: `similar` printed them, and nothing could save them."""
    music = tmp_path / "Músique"
    tagged = write_track(music / "Björk" / "01 Jóga.flac", "flac", seed=0, seconds=4.0)
    pretag(tagged, title="Jóga", artist="Björk")
    write_track(music / "album" / "02.flac", "flac", seed=1)
    write_track(music / "03.wav", "wav-pcm16", seed=2)
    outside = write_track(tmp_path / "elsewhere" / "04.flac", "flac", seed=3)
    assert main(["index", str(music), str(outside.parent), "--workers", "1"]) == 0
    query = write_track(tmp_path / "query.flac", "flac", seed=0, seconds=4.0)
    capsys.readouterr()

    assert main(["similar", str(query), "-k", "4", "--m3u", str(music / "set")]) == 0
    out = capsys.readouterr().out
    playlist = music / "set.m3u8"
    assert f"saved the 4 matches as the playlist {playlist}" in " ".join(out.split())
    entries = read_playlist(playlist)
    assert entries[0][1] == tagged  # the same sound, nearest first
    assert {path.resolve() for _, path in entries} == {tagged, music / "album" / "02.flac", music / "03.wav", outside}
    assert entries[0][0] == "#EXTINF:4,Björk - Jóga"  # the index's tags and length
    assert ("#EXTINF:3,02", music / "album" / "02.flac") in entries  # no tags: the file's name
    text = playlist.read_text(encoding="utf-8")
    assert "\nBjörk/01 Jóga.flac\n" in text and f"\n{outside}\n" in text  # relative inside its folder, else absolute

    assert main(["similar", str(query), "-k", "2", "--json", "--playlist", str(tmp_path / "two.m3u")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["playlist"] == str(tmp_path / "two.m3u")
    assert [path for _, path in read_playlist(tmp_path / "two.m3u")] == [Path(m["path"]) for m in result["matches"]]


def test_the_help_says_which_names_keep_their_own_ending(capsys: pytest.CaptureFixture[str]) -> None:
    """`similar --help` said `.m3u8 added to a name without it`, while `--m3u set.m3u` saves `set.m3u` as it is
    (above): a user naming an `.m3u` playlist expected `set.m3u.m3u8`."""
    with pytest.raises(SystemExit):
        main(["similar", "--help"])
    assert "(.m3u8 added to a name without .m3u8 or .m3u)" in " ".join(capsys.readouterr().out.split())


def test_names_a_plain_line_cannot_hold(tmp_path: Path) -> None:
    """A name that starts with # is a comment to a player, a line break ends its line: neither may be lost."""
    hashed = tmp_path / "#1 hits" / "a.flac"
    broken = tmp_path / "two\nlines.flac"
    latin1 = tmp_path / os.fsdecode(b"caf\xe9.flac")  # a name that is not UTF-8
    write_playlist(tmp_path / "odd", [PlaylistEntry(str(hashed)), PlaylistEntry(str(broken), 61.6, "A\nB", "C")])
    write_playlist(tmp_path / "latin1", [PlaylistEntry(str(latin1))])

    assert read_playlist(tmp_path / "odd.m3u8") == [("#EXTINF:-1,a", hashed), ("#EXTINF:62,A B - C", broken)]
    assert (tmp_path / "odd.m3u8").read_text().split("\n")[2] == os.path.join(".", "#1 hits", "a.flac")
    assert read_playlist(tmp_path / "latin1.m3u8") == [("#EXTINF:-1,caf\udce9", latin1)]
    assert b"\ncaf\xe9.flac\n" in (tmp_path / "latin1.m3u8").read_bytes()  # the file's own bytes


@POSIX
def test_a_playlist_that_cannot_be_written_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    kept = folder / "set.m3u8"
    kept.write_text("#EXTM3U\nold.flac\n")
    folder.chmod(0o555)
    try:
        with as_a_user(), pytest.raises(FileError) as raised:
            write_playlist(kept, [PlaylistEntry(str(tmp_path / "a.flac"))])
        why = "the playlist cannot be saved: you may not write into its folder (permission denied)"
        assert str(raised.value) == f"{kept}: {why}"
        assert sorted(folder.iterdir()) == [kept] and kept.read_text() == "#EXTM3U\nold.flac\n"
    finally:
        folder.chmod(0o755)
    with pytest.raises(FileError, match="its folder does not exist"):
        write_playlist(tmp_path / "gone" / "set", [])


def test_a_playlist_saved_again_keeps_its_permissions(tmp_path: Path) -> None:
    """Written through a temporary file, which is made readable by its owner alone: a playlist shared on a media
    server would have become unreadable to it."""
    playlist = write_playlist(tmp_path / "set", [PlaylistEntry(str(tmp_path / "a.flac"))])
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(playlist.stat().st_mode) == 0o666 & ~umask
    playlist.chmod(0o644)
    write_playlist(playlist, [PlaylistEntry(str(tmp_path / "b.flac"))])
    assert stat.S_IMODE(playlist.stat().st_mode) == 0o644
    assert playlist.read_text() == "#EXTM3U\n#EXTINF:-1,b\nb.flac\n"
    assert sorted(tmp_path.iterdir()) == [playlist]


def test_a_folder_named_as_the_playlist_is_refused(tmp_path: Path) -> None:
    """`--m3u ~/Sets/`, the folder meant to hold it: the playlist was saved beside it, as ~/Sets.m3u8."""
    sets = tmp_path / "Sets"
    sets.mkdir()
    with pytest.raises(FileError) as refused:
        write_playlist(sets, [PlaylistEntry(str(tmp_path / "a.flac"))])
    assert str(refused.value) == f"{sets}: is a folder: name the playlist in it, e.g. {sets / 'playlist.m3u8'}"
    assert sorted(tmp_path.iterdir()) == [sets] and not any(sets.iterdir())


def test_a_playlist_whose_save_is_stopped_leaves_nothing_and_the_old_one_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or SIGTERM, which the command takes as one) while ``similar --m3u`` saved a large playlist left its
    hidden ``.tmp`` file, written, beside it: the writer cleaned up after a failed write alone.  A real SIGINT to this
    process, once the new playlist's bytes are on the disk."""
    kept = tmp_path / "set.m3u8"
    kept.write_text("#EXTM3U\nold.flac\n")
    synced = os.fsync

    def pressed_once_synced(descriptor: int) -> None:
        synced(descriptor)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "fsync", pressed_once_synced)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    try:
        with pytest.raises(KeyboardInterrupt):
            write_playlist(kept, [PlaylistEntry(str(tmp_path / "a.flac"))])
    finally:
        signal.signal(signal.SIGINT, previous)

    assert sorted(tmp_path.iterdir()) == [kept] and kept.read_text() == "#EXTM3U\nold.flac\n"

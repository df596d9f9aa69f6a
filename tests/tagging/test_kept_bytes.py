"""Undo gives back the file's bytes where mutagen's writer rewrote the whole ID3v2 tag: the journal keeps the bytes the
run changed, as they were (``tagging.kept_bytes``), and the undo puts them back.

Before, such an undo gave back the old genres in mutagen's form of the tag (its frames sorted, text re-encoded, a
v2.2 tag as v2.3, the unsynchronisation, extended header and compression gone, three genre frames joined in one)
and said so per file ('not byte for byte')."""

from __future__ import annotations

import errno
import mmap
import os
import random
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import mutagen
import pytest
from mutagen.id3 import APIC, ID3, TCON, TIT2, TPE1

from musictagger.cli.lines import path_line
from musictagger.cli.main import main
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version
from musictagger.tagging.journal import MIGRATIONS, Journal
from musictagger.tagging.kept_bytes import KEPT_BYTES_CAP, KeptBytes
from musictagger.tagging.plan import Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_genres
from musictagger.userdirs import journal_db_path
from tests.tagging.media import ID3V1_TAG, id3_frame, id3_tag, make_file, synchsafe, with_id3_tag

ROCK = Prediction("rock", 0.9, uncertain=False)
KEPT_BYTES_SCHEMA = next(n for n, m in enumerate(MIGRATIONS, start=1) if m.name == "the bytes a run changed, kept")
"""The journal's schema version once it kept bytes."""
AN_HOUR_AGO = 1_700_000_000_000_000_000


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def mutagen_tagged(folder: Path, fmt: str, version: int, *, cover: int = 0, id3v1: bool = False) -> Path:
    """A second of music as ``fmt`` with an ID3v2.``version`` tag mutagen wrote (title, artist, genre Jazz; cover art
    of ``cover`` bytes, which move when the frames before them change size), an ID3v1 tag after an MP3's audio when
    ``id3v1``."""
    path = make_file(folder, fmt, seconds=1.0)
    audio = mutagen.File(path)
    audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text=["Ünïcödé title"]))
    audio.tags.add(TPE1(encoding=0, text=["An artist"]))
    audio.tags.add(TCON(encoding=3, text=["Jazz"]))
    if cover:
        picture = b"\x89PNG" + random.Random(0).randbytes(cover)
        audio.tags.add(APIC(encoding=0, mime="image/png", type=3, desc="", data=picture))
    audio.save(v2_version=version)
    if id3v1:
        with open(path, "ab") as file:
            file.write(ID3V1_TAG)
    return path


def v22_tag() -> bytes:
    frames = b"".join(
        name + len(body).to_bytes(3, "big") + body
        for name, body in ((b"TT2", b"\0A title\0"), (b"TP1", b"\0An artist\0"), (b"TCO", b"\0Jazz\0"))
    )
    body = frames + bytes(32)
    return b"ID3\x02\0\0" + synchsafe(len(body)) + body


def unsynchronised_tag() -> bytes:
    body = id3_frame("TIT2", b"\0A title\0", 3) + id3_frame("TCON", b"\0Jazz\0", 3) + bytes(40)
    return b"ID3\x03\0\x80" + synchsafe(len(body)) + body


def extended_header_tag() -> bytes:
    extended = (6).to_bytes(4, "big") + b"\0\0" + (40).to_bytes(4, "big")
    body = extended + id3_frame("TIT2", b"\0A title\0", 3) + id3_frame("TCON", b"\0Jazz\0", 3) + bytes(40)
    return b"ID3\x03\0\x40" + synchsafe(len(body)) + body


def compressed_genre_tag() -> bytes:
    genre = b"\0Jazz\0"
    compressed = len(genre).to_bytes(4, "big") + zlib.compress(genre)
    frames = [id3_frame("TIT2", b"\0A title\0", 3), id3_frame("TCON", compressed, 3, flags=b"\0\x80")]
    return id3_tag(3, frames, padding=40)


def three_genre_frames_tag() -> bytes:
    frames = [id3_frame("TCON", b"\0Jazz\0", 4), id3_frame("TIT2", b"\0A title\0", 4)]
    frames += [id3_frame("TCON", b"\0Blues\0", 4), id3_frame("TCON", b"\0Soul\0", 4)]
    return id3_tag(4, frames, padding=64)


def another_taggers_v23_tag() -> bytes:
    """Latin-1 frames in an order mutagen's writer does not keep (it sorts them and writes UTF-16 in v2.3)."""
    frames = [id3_frame("TCON", b"\0Jazz\0", 3), id3_frame("TPE1", b"\0An artist\0", 3)]
    frames += [id3_frame("TIT2", b"\0Caf\xe9 cr\xe8me\0", 3)]
    return id3_tag(3, frames, padding=100)


CASES: dict[str, tuple[Callable[[Path], Path], Id3Version | None]] = {
    "v2.2 tag": (lambda folder: with_id3_tag(folder, "mp3", v22_tag()), None),
    "unsynchronised tag": (lambda folder: with_id3_tag(folder, "mp3", unsynchronised_tag()), None),
    "extended header": (lambda folder: with_id3_tag(folder, "mp3", extended_header_tag()), None),
    "compressed genre frame": (lambda folder: with_id3_tag(folder, "mp3", compressed_genre_tag()), None),
    "three genre frames": (lambda folder: with_id3_tag(folder, "mp3", three_genre_frames_tag()), None),
    "three genre frames in a WAV": (lambda folder: with_id3_tag(folder, "wav", three_genre_frames_tag()), None),
    "v2.4 to v2.3": (lambda folder: mutagen_tagged(folder, "mp3", 4), Id3Version.V23),
    "v2.4 to v2.3 with ID3v1 and cover art": (
        lambda folder: mutagen_tagged(folder, "mp3", 4, cover=20_000, id3v1=True),
        Id3Version.V23,
    ),
    "v2.3 to v2.4": (lambda folder: with_id3_tag(folder, "mp3", another_taggers_v23_tag()), Id3Version.V24),
    "v2.4 to v2.3 in a WAV": (lambda folder: mutagen_tagged(folder, "wav", 4), Id3Version.V23),
    "v2.3 to v2.4 in an AIFF": (lambda folder: with_id3_tag(folder, "aiff", another_taggers_v23_tag()), Id3Version.V24),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
def test_undo_of_a_tag_mutagen_rewrote_whole_gives_back_the_files_bytes_and_time(
    tmp_path: Path, journal: Journal, case: str, mode: Mode
) -> None:
    make, id3_version = CASES[case]
    path = make(tmp_path)
    os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO))
    original = path.read_bytes()
    plan = make_plan({path: ROCK}, mode=mode, min_confidence=0.5, id3_version=id3_version)
    assert [o.status for o in apply_plan(plan, journal).outcomes] == ["written"]
    assert path.read_bytes() != original and "Rock" in read_genres(path)

    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == AN_HOUR_AGO


def test_a_genre_only_the_id3v1_tag_held_does_not_come_back_in_a_genre_frame(tmp_path: Path, journal: Journal) -> None:
    """A v2.4 tag without a genre and an ID3v1 tag whose genre is Jazz, tagged --id3 v2.3 --mode append: the undo
    wrote Jazz, the file's genre as read, into a TCON frame (22 bytes more); now the file is as it was."""
    path = make_file(tmp_path, "mp3", seconds=1.0)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["A title"]))
    tags.save(path, v2_version=4)
    with open(path, "ab") as file:
        file.write(ID3V1_TAG)
    original = path.read_bytes()
    plan = make_plan({path: ROCK}, mode=Mode.APPEND, min_confidence=0.5, id3_version=Id3Version.V23)
    assert plan.items[0].current == ("Jazz",)
    apply_plan(plan, journal)

    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original


def test_a_file_on_a_file_system_that_maps_none_is_tagged_and_undone_byte_for_byte(
    tmp_path: Path, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some FUSE and network file systems refuse mmap (ENODEV): keeping the bytes a run changed mapped both versions,
    so every such file whose tag mutagen rewrote whole failed to be written ('No such device')."""
    path = with_id3_tag(tmp_path, "mp3", three_genre_frames_tag())
    original = path.read_bytes()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))

    monkeypatch.setattr(mmap, "mmap", refuse)
    report = apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)

    assert [(o.status, o.reason) for o in report.outcomes] == [("written", "")]
    assert journal.kept_bytes(journal.entries(report.run_id)[0].id) is not None
    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original


def test_a_tag_the_frame_writer_gives_back_keeps_nothing_in_the_journal(tmp_path: Path, journal: Journal) -> None:
    """Bound the journal: a v2.4 tag kept in its revision is rewritten frame by frame, and its undo gives back its
    bytes without any kept."""
    path = mutagen_tagged(tmp_path, "mp3", 4, cover=20_000)
    original = path.read_bytes()
    report = apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)

    assert journal.kept_bytes(journal.entries(report.run_id)[0].id) is None
    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original


def undo_says_the_bytes_were_not_kept(
    capsys: pytest.CaptureFixture[str], path: Path, kept: KeptBytes, *, run: int = 1, undo_run: int = 2
) -> None:
    """``undo RUN`` of run ``run`` (made run ``undo_run``), which kept only the count of ``path``'s changed bytes
    (``kept``: past the cap, or dropped since to bound the journal): the file restored and named as not byte for byte
    (the same length), saying why."""
    assert main(["undo", str(run)]) == 0

    why = (
        f"the journal no longer keeps the {kept.size:,} bytes of its tag run {run} changed: it keeps the latest runs'"
        " alone (the newest's, and up to 256 MiB of those before)"
        if kept.dropped
        else f"run {run} did not keep the {kept.size:,} bytes of its tag it changed, more than the 1 MiB the journal"
        " keeps of a file"
    )
    reason = (
        "its old genre values are back, but it is not byte for byte as before the run (the same length, other "
        f"bytes); {why}"
    )
    captured = capsys.readouterr()
    assert path_line("restored", path, reason) in captured.err
    assert f"(run {undo_run}): 1 restored (1 not byte for byte), 0 not restored" in captured.out


def test_a_tag_larger_than_the_cap_is_not_kept_and_its_undo_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cover art of more than 1 MiB: the journal keeps the number of bytes alone, and the undo gives back the old
    genre, saying for that file that its bytes are not as they were, and why."""
    path = mutagen_tagged(tmp_path, "mp3", 4, cover=KEPT_BYTES_CAP)
    original = path.read_bytes()
    with Journal() as journal:
        report = apply_plan(
            make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V23), journal
        )
        kept = journal.kept_bytes(journal.entries(report.run_id)[0].id)
    assert kept is not None and kept.patches is None and kept.size > KEPT_BYTES_CAP

    undo_says_the_bytes_were_not_kept(capsys, path, kept)
    assert read_genres(path) == ("Jazz",) and path.read_bytes() != original


def test_kept_bytes_that_do_not_give_the_file_back_leave_the_undo_to_the_writer(tmp_path: Path) -> None:
    """Kept bytes damaged in the journal: the file they make is not the one it was (its SHA-256 says so), so the undo
    writes the old values instead, as before, and says why the bytes are not back."""
    path = with_id3_tag(tmp_path, "mp3", v22_tag())
    with Journal() as journal:
        report = apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
        entry = journal.entries(report.run_id)[0]
    with sqlite3.connect(journal_db_path()) as db:
        (patches,) = db.execute("SELECT patches FROM kept_bytes").fetchone()
        db.execute("UPDATE kept_bytes SET patches = ?", (patches.replace(b"Jazz", b"Jizz"),))

    with Journal() as journal:
        (outcome,) = undo(journal).outcomes
        attempts = journal.restore_attempts(entry.id)

    assert outcome.status == "restored"
    assert outcome.reason.endswith("; the bytes the journal kept of it do not give back the file it was")
    assert read_genres(path) == ("Jazz",)
    assert [attempt.state for attempt in attempts] == ["written", "failed"]


def test_a_run_journalled_before_bytes_were_kept_is_undone_as_before(tmp_path: Path) -> None:
    """A journal from before the kept bytes (its last migration not made) holding a run: it is migrated, and the run's
    undo gives back the old values, saying the bytes are not back and why (it said not why: upgrading from 0.5.0, each
    file of its runs was 'not byte for byte as before the run' without a word of the release that made them)."""
    path = with_id3_tag(tmp_path, "mp3", v22_tag())
    with Journal() as journal:
        apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    with sqlite3.connect(journal_db_path()) as db:  # the journal as the release before wrote it
        db.execute("DROP TABLE kept_bytes")
        db.execute("ALTER TABLE runs DROP COLUMN indexed")  # a later migration's
        db.execute("DELETE FROM migrations WHERE version >= ?", (KEPT_BYTES_SCHEMA,))
        db.execute(f"PRAGMA user_version = {KEPT_BYTES_SCHEMA - 1}")

    with Journal() as journal:
        (outcome,) = undo(journal).outcomes

    assert outcome.status == "restored"
    assert outcome.reason.startswith("its old genre values are back, but it is not byte for byte as before the run")
    assert outcome.reason.endswith(
        "; run 1 was made by an earlier release of musictagger, whose journal kept none of the bytes it changed"
    )
    assert read_genres(path) == ("Jazz",)


def test_runs_undone_newest_first_each_give_back_the_bytes_the_run_before_left(
    tmp_path: Path, journal: Journal
) -> None:
    """A v2.2 tag tagged --id3 v2.3, then --id3 v2.4 with another genre: undoing the second puts back the file the first
    left, byte for byte, so that undoing the first (which finds the file as it left it) gives back the original."""
    path = with_id3_tag(tmp_path, "mp3", v22_tag())
    original = path.read_bytes()
    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V23), journal)
    first_left = path.read_bytes()
    pop = Prediction("pop", 0.9, uncertain=False)
    apply_plan(make_plan({path: pop}, mode=Mode.APPEND, min_confidence=0.5, id3_version=Id3Version.V24), journal)
    assert read_genres(path) == ("Rock", "Pop")

    assert [(o.status, o.reason) for o in undo(journal, 2).outcomes] == [("restored", "")]
    assert path.read_bytes() == first_left
    assert [(o.status, o.reason) for o in undo(journal, 1).outcomes] == [("restored", "")]
    assert path.read_bytes() == original

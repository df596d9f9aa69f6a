"""What tagging keeps of a file's other tags: a damaged ID3 tag, or one or Vorbis comments mutagen cannot rewrite as
they are, is left alone; a tag keeps its revision and the frames mutagen does not know, an ID3v1 tag is kept byte
for byte, a WAV's RIFF INFO genre is not contradicted, and a copy that cannot be made is a failure.  A fragmented
MP4 file, which mutagen's writer would damage, is left alone too."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import mutagen
import pytest
import soundfile
from mutagen.apev2 import APEv2
from mutagen.id3 import COMM, ID3, TCON, TDAT, TIT2, TPE1, TSO2, TSOA, TSOP, TYER, Frames

from musictagger.cli.lines import path_line
from musictagger.errors import TagWriteError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.formats import TagSummary, read_tags
from tests.audio.signals import music
from tests.tagging.media import (
    FRAGMENTED,
    ID3V1_TAG,
    UNKNOWN_FRAME,
    as_encoded,
    insert_first_frame,
    make_file,
    native_genres,
    pretag,
    v23_mp3,
)

ROCK = Prediction("rock", 0.9, uncertain=False)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:
        yield journal


def frames_as_stored(path: Path) -> dict[str, list[str]]:
    """The file's ID3v2 text frames in the revision it has them in (no conversion on reading)."""
    tags = ID3(path, translate=False)
    return {key: [str(text) for text in frame.text] for key, frame in tags.items() if hasattr(frame, "text")}


def test_a_damaged_id3_tag_is_not_rewritten_and_the_file_is_left_as_it_was(tmp_path: Path, journal: Journal) -> None:
    path = make_file(tmp_path, "mp3", name="damaged")
    pretag(path, genres=["Jazz"])
    data = bytearray(path.read_bytes())
    title = data.index(b"TIT2", 0, 200)
    data[title + 4 : title + 8] = b"\x7f\x7f\x7f\x7f"  # the first frame claims far more bytes than the tag has
    path.write_bytes(bytes(data))
    assert "TPE1" not in mutagen.File(path).tags  # mutagen reads on and loses the frames after the damage
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    (item,) = plan.items
    assert item.action is Action.ERROR
    assert (
        item.reason
        == "its ID3v2 tag's frame TIT2 runs past the end of the tag; rewriting it would lose the frames after the damage"
    )
    apply_plan(plan, journal)
    assert path.read_bytes() == original


def v23_frame(frame_id: str, payload: bytes) -> bytes:
    """A raw ID3v2.3 frame (a plain 32-bit size, no flags)."""
    return frame_id.encode("ascii") + len(payload).to_bytes(4, "big") + b"\0\0" + payload


LOST = "rewriting its ID3v2 tag would lose frames mutagen cannot keep as they are: "


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        pytest.param(  # Latin-1 bytes in a frame that says UTF-8: mutagen drops the frame as junk
            [v23_frame("TIT3", b"\x03Caf\xe9 del Mar")], LOST + "TIT3 (unreadable or empty)", id="bad-utf8"
        ),
        pytest.param(  # two lyrics of one language and description: mutagen keeps the last
            [v23_frame("USLT", b"\x00eng\x00First verse"), v23_frame("USLT", b"\x00eng\x00Second verse")],
            LOST + "USLT (2 kept as 1)",
            id="duplicate-lyrics",
        ),
        pytest.param(  # ID3v2.3 has one value a frame: mutagen would write "Artist A/Artist B"
            [v23_frame("TPE1", b"\x00Artist A\x00Artist B")],
            "its ID3v2.3 tag's TPE1 frames hold several values separated by nulls, which rewriting the tag would "
            "join with '/'",
            id="null-separated",
        ),
    ],
)
def test_a_tag_mutagen_cannot_rewrite_whole_is_refused_in_the_preview_and_by_the_writer(
    tmp_path: Path, journal: Journal, frames: list[bytes], reason: str
) -> None:
    """A tag only mutagen's writer rewrites (here: unsynchronised, which the frame by frame writer leaves to it) and
    which it would not write back as it is; the same frames are kept as stored in a tag written frame by frame."""
    path = v23_mp3(tmp_path)
    for frame in frames:
        insert_first_frame(path, frame)
    data = bytearray(path.read_bytes())
    data[5] |= 0x80  # tag-wide unsynchronisation (no byte of this tag needs it)
    path.write_bytes(bytes(data))
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    (item,) = plan.items
    assert (item.action, item.reason) == (Action.ERROR, reason)
    apply_plan(plan, journal)
    with pytest.raises(TagWriteError) as refused:  # the writer asks again, whoever calls it
        detect(path).write_labels(path, "genre", ["Rock"], Id3Version.V23)
    assert refused.value.reason == reason
    assert path.read_bytes() == original


def test_a_fragmented_mp4_file_is_refused_in_the_preview_and_by_the_writer(tmp_path: Path, journal: Journal) -> None:
    """mutagen's writer moves an MP4 file's fragments without correcting the offsets of all but the first: an
    M4A file in fragments, tagged so, no longer decoded past its first fragment, and was reported written (its
    ``mdat`` atoms, which the audio check compares, hold the same bytes)."""
    path = as_encoded(tmp_path, "m4a", muxer_options=FRAGMENTED)
    original = path.read_bytes()
    fragments = original.count(b"mfhd")  # each fragment's header
    assert fragments > 1

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    (item,) = plan.items
    reason = (
        f"it is a fragmented MP4 file ({fragments} fragments), whose offsets mutagen's writer does not all correct "
        "when it moves them: writing its tags would damage it"
    )
    assert (item.action, item.reason) == (Action.ERROR, reason)
    apply_plan(plan, journal)
    with pytest.raises(TagWriteError) as refused:  # the writer asks again, whoever calls it
        detect(path).write_labels(path, "genre", ["Rock"])
    assert refused.value.reason == reason
    assert path.read_bytes() == original


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus"])
@pytest.mark.parametrize(
    ("stored", "damaged", "reason"),
    [
        (
            b"TITLE=CafX",
            b"TITLE=Caf\xe9",
            "its Vorbis comment 'TITLE=Café' is not UTF-8 text, which rewriting would replace",
        ),
        (
            b"NOTE=just text",
            b"NOTE just text",
            "its Vorbis comment 'NOTE just text' has no '=', which rewriting would rename",
        ),
    ],
    ids=["latin-1", "no-equals"],
)
def test_vorbis_comments_mutagen_cannot_rewrite_as_they_are_are_refused(
    tmp_path: Path, journal: Journal, fmt: str, stored: bytes, damaged: bytes, reason: str
) -> None:
    path = make_file(tmp_path, fmt)
    audio = mutagen.File(path)
    name, value = stored.decode().split("=")
    audio[name] = value  # then its bytes changed as an old tagger would have written them
    audio.save()
    data = path.read_bytes()
    assert data.count(stored) == 1
    path.write_bytes(data.replace(stored, damaged))
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    (item,) = plan.items
    assert (item.action, item.reason) == (Action.ERROR, reason)
    apply_plan(plan, journal)
    assert path.read_bytes() == original


def test_a_tag_keeps_its_revision_its_dates_and_the_frames_mutagen_does_not_know(
    tmp_path: Path, journal: Journal
) -> None:
    path = v23_mp3(tmp_path)
    before = frames_as_stored(path)

    report = apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)

    assert [outcome.status for outcome in report.outcomes] == ["written"]
    assert ID3(path).version == (2, 3, 0) and native_genres(path) == ["Rock"]
    assert UNKNOWN_FRAME in path.read_bytes()
    assert frames_as_stored(path) == {**before, "TCON": ["Rock"]}  # TYER and TDAT, not a v2.4 TDRC
    (run,) = journal.runs()
    assert run.id3_version is None  # "keep"

    undo(journal)
    assert frames_as_stored(path) == before and UNKNOWN_FRAME in path.read_bytes()


def test_a_revision_change_that_would_drop_frames_fails_and_leaves_the_file_alone(
    tmp_path: Path, journal: Journal
) -> None:
    path = v23_mp3(tmp_path)
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V24)

    (item,) = plan.items  # the preview says so: the run would fail on it
    assert (item.action, item.reason) == (
        Action.ERROR,
        "converting its ID3v2.3 tag to v2.4 would drop its XTST frames; write it in v2.3 (--id3 keep, the default) "
        "to keep them",
    )
    apply_plan(plan, journal)
    with pytest.raises(TagWriteError) as refused:  # and the writer refuses it on its own
        detect(path).write_labels(path, "genre", ["Rock"], Id3Version.V24)
    assert refused.value.reason == item.reason
    assert path.read_bytes() == original


def test_a_revision_change_that_would_join_values_is_refused_in_the_preview(tmp_path: Path, journal: Journal) -> None:
    path = make_file(tmp_path, "mp3", name="artists")
    tags = ID3()
    tags.add(TPE1(encoding=3, text=["Artist One", "Artist Two"]))  # two values, as ID3v2.4 stores them
    tags.save(path, v2_version=4)
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V23)

    (item,) = plan.items
    assert (item.action, item.reason) == (
        Action.ERROR,
        "converting its ID3v2.4 tag to v2.3 would join the values of its TPE1 frames with '/'; write it in v2.4 "
        "(--id3 keep, the default) to keep them apart",
    )
    apply_plan(plan, journal)
    assert path.read_bytes() == original


def test_a_revision_change_converts_the_dates(tmp_path: Path, journal: Journal) -> None:
    path = make_file(tmp_path, "mp3", name="dated")
    pretag(path, genres=["Jazz"])  # v2.4
    audio = mutagen.File(path)
    audio.tags.add(TYER(encoding=0, text=["1999"]))  # read into TDRC as the file loads; TDRC again when saved
    audio.save()

    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V23), journal)

    stored = frames_as_stored(path)
    assert ID3(path).version == (2, 3, 0) and stored["TYER"] == ["1999"] and "TDRC" not in stored


def test_undo_of_a_conversion_to_v24_gives_back_the_v23_tag_with_its_sort_frames(
    tmp_path: Path, journal: Journal
) -> None:
    """``tag --id3 v2.4`` into a v2.3 tag with TSOP, TSOA (which taggers write into v2.3, though only v2.4
    defines them), TSO2 and a date in TYER/TDAT, then ``undo``: undo was refused ('converting its ID3v2.4
    tag to v2.3 would drop its TSOA, TSOP frames; write it in v2.4 (--id3 keep …)'), since mutagen deletes
    those frames when it converts to v2.3.  The undo now keeps them, and the file comes back byte for byte."""
    path = make_file(tmp_path, "mp3", name="sorted")
    tags = ID3()
    for frame in (
        TIT2(encoding=1, text=["An old song"]),
        TPE1(encoding=1, text=["The Artist"]),
        TSOP(encoding=1, text=["Artist, The"]),
        TSOA(encoding=0, text=["Album, An"]),
        TSO2(encoding=1, text=["Artists, Various"]),
        TYER(encoding=0, text=["1999"]),
        TDAT(encoding=0, text=["2403"]),
        TCON(encoding=1, text=["Jazz"]),  # UTF-16, as the writer puts text into a v2.3 tag
    ):
        tags.add(frame)
    tags.save(path, v2_version=3)
    original = path.read_bytes()

    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V24), journal)
    assert ID3(path).version == (2, 4, 0) and {"TSOP", "TSOA", "TSO2", "TDRC"} <= set(frames_as_stored(path))
    (outcome,) = undo(journal).outcomes

    assert (outcome.status, outcome.reason) == ("restored", "")
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("dates", "lost"),
    [
        ({"TYER": "1999", "TIME": "1230"}, "TIME"),  # v2.4's TDRC holds a time only with a day
        ({"TDAT": "2403"}, "TDAT"),  # nor a day without a year
        ({"TYER": "99"}, "TYER"),  # nor a year that is not four digits
        ({"TYER": "1999", "TDAT": "2403", "TIME": "0030"}, "TIME"),  # kept in TDRC, but not converted back
    ],
)
def test_a_conversion_to_v24_that_would_lose_a_date_is_refused(
    tmp_path: Path, journal: Journal, dates: dict[str, str], lost: str
) -> None:
    """mutagen converts v2.3's TYER, TDAT and TIME into v2.4's TDRC only when they are whole, and TDRC back
    only when its hour is not 0: such a run dropped the date frames without a word (or its undo did)."""
    path = make_file(tmp_path, "mp3", name="dated")
    tags = ID3()
    tags.add(TCON(encoding=1, text=["Jazz"]))
    for frame_id, text in dates.items():
        tags.add(Frames[frame_id](encoding=0, text=[text]))
    tags.save(path, v2_version=3)
    original = path.read_bytes()

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V24)

    (item,) = plan.items
    assert item.action is Action.ERROR
    assert item.reason.startswith(f"converting its ID3v2.3 tag to v2.4 would drop its {lost} frames;")
    apply_plan(plan, journal)
    assert path.read_bytes() == original


def test_an_id3v1_tag_is_kept_byte_for_byte_beside_the_id3v2_one(tmp_path: Path, journal: Journal) -> None:
    """mutagen would rewrite the v1 tag from the v2 frames: other title, comment gone, and undo could not tell."""
    path = make_file(tmp_path, "mp3", name="both")
    pretag(path, genres=["Jazz"], title="A much longer ID3v2 title")
    audio = mutagen.File(path)
    audio.tags.add(COMM(encoding=3, lang="eng", desc="", text=["a v2 comment"]))
    audio.save()
    v1 = b"TAG" + b"Short v1 title".ljust(30, b"\0") + b"V1 artist".ljust(30, b"\0") + b"V1 album".ljust(30, b"\0")
    v1 += b"1998" + b"my v1 comment".ljust(28, b"\0") + b"\x00\x05" + bytes([8])  # track 5, genre 8 (jazz)
    with open(path, "ab") as file:
        file.write(v1)

    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    assert native_genres(path) == ["Rock"] and path.read_bytes()[-128:] == v1

    undo(journal)
    assert native_genres(path) == ["Jazz"] and path.read_bytes()[-128:] == v1


@pytest.mark.parametrize("fmt", ["mp3", "aiff"])
@pytest.mark.parametrize(("major", "text"), [(3, "(255)"), (4, "255")])
def test_a_genre_frame_holding_id3v1s_number_for_none_is_no_genre(
    tmp_path: Path, journal: Journal, fmt: str, major: int, text: str
) -> None:
    """ID3v1 says 255 for no genre, and rippers carried it into the genre frame (abcde writes it for a disc without
    one); mutagen reads it as the genre 'Unknown', so fill-empty left the file alone ('has a genre already'), the
    library showed 'Unknown', and append wrote 'Unknown/Rock' into it."""
    path = make_file(tmp_path, fmt)
    tags = mutagen.File(path)
    tags.add_tags()
    tags.tags.add(TIT2(encoding=0, text=["A title"]))
    tags.tags.add(TCON(encoding=0, text=[text]))
    tags.save(v2_version=major)
    original = path.read_bytes()
    assert read_tags(path) == TagSummary("A title", None, None, ())

    (item,) = make_plan({path: ROCK}, min_confidence=0.5).items  # fill-empty
    assert (item.action, item.current, item.proposed) == (Action.WRITE, (), ("Rock",))
    report = apply_plan(make_plan({path: ROCK}, min_confidence=0.5), journal)

    assert [o.status for o in report.outcomes] == ["written"] and native_genres(path) == ["Rock"]
    assert [(o.status, o.reason) for o in undo(journal).outcomes] == [("restored", "")]
    assert path.read_bytes() == original


@pytest.mark.parametrize("id3_version", [Id3Version.V24, None], ids=["converted", "kept"])
def test_a_tag_rewritten_whole_takes_nothing_from_the_id3v1_tag(
    tmp_path: Path, journal: Journal, id3_version: Id3Version | None
) -> None:
    """mutagen reads an ID3v1 tag's title, artist, album, year, comment and track into the ID3v2 frames the tag lacks,
    and its writer, which rewrites a tag whole (to change its revision; an unsynchronised tag kept in its own),
    wrote them into the ID3v2 tag: an MP3 whose tag held a title and a genre came back from a genre written with
    five more frames (artist, album, year, comment, track), which the undo kept.  The writer now reads the ID3v2
    tag alone."""
    path = make_file(tmp_path, "mp3", name="both")
    audio = mutagen.File(path)
    audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text=["An ID3v2 title"]))
    audio.tags.add(TCON(encoding=3, text=["Jazz"]))
    audio.save(v2_version=3)
    if id3_version is None:  # unsynchronised: mutagen's writer keeps it in v2.3, whole
        data = bytearray(path.read_bytes())
        data[5] |= 0x80
        path.write_bytes(bytes(data))
    v1 = b"TAG" + b"Short v1 title".ljust(30, b"\0") + b"V1 artist".ljust(30, b"\0") + b"V1 album".ljust(30, b"\0")
    v1 += b"1998" + b"my v1 comment".ljust(28, b"\0") + b"\x00\x05" + bytes([8])
    path.write_bytes(path.read_bytes() + v1)

    plan = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5, id3_version=id3_version)
    assert [o.status for o in apply_plan(plan, journal).outcomes] == ["written"]

    assert sorted(ID3(path, load_v1=False).keys()) == ["TCON", "TIT2"]
    assert path.read_bytes()[-128:] == v1


def test_a_copy_that_cannot_be_made_is_a_failure_not_a_skip(tmp_path: Path) -> None:
    """A full disk, here a file size limit: the file is reported failed (exit status 1) and left as it was."""
    path = make_file(tmp_path, "wav", name="big", seconds=3.0)
    original = path.read_bytes()
    limit = len(original) // 2

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    completed = subprocess.run(
        [sys.executable, "-m", "musictagger", "tag", str(path), "--mode", "replace", "--min-confidence", "0.01"],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=300,
    )

    assert completed.returncode == 1, completed.stderr
    assert path_line("error", path, "cannot make a copy beside it (File too large)") in completed.stderr
    assert completed.stdout.rstrip().endswith("0 written, 0 unchanged, 0 skipped, 1 failed")
    assert path.read_bytes() == original


def info_wav(folder: Path, **fields: str) -> Path:
    """A WAV whose tags are in a RIFF INFO chunk, as libsndfile (and broadcast tools) write them."""
    path = folder / "broadcast.wav"
    folder.mkdir(parents=True, exist_ok=True)
    with soundfile.SoundFile(path, "w", 22050, 1, "PCM_16") as file:
        for name, value in fields.items():
            setattr(file, name, value)
        file.write(music(sr=22050, seconds=3.0))
    return path


def test_a_wav_whose_genre_is_in_its_info_chunk_is_shown_so_and_not_given_a_second_one(
    tmp_path: Path, journal: Journal
) -> None:
    path = info_wav(tmp_path, title="Morning", artist="The Testers", genre="Jazz")
    original = path.read_bytes()

    assert read_tags(path) == TagSummary("Morning", "The Testers", None, ("Jazz",))  # what the Library tab shows
    kept, replaced = (
        make_plan({path: ROCK}, mode=mode, min_confidence=0.5).items[0] for mode in (Mode.FILL_EMPTY, Mode.REPLACE)
    )
    assert (kept.action, kept.reason, kept.current) == (Action.UNCHANGED, "has a genre already", ("Jazz",))
    assert (replaced.action, replaced.current) == (Action.SKIP, ("Jazz",))
    assert replaced.reason == "its genre is in its RIFF INFO chunk, which tagging does not write"
    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    assert path.read_bytes() == original

    untagged = info_wav(tmp_path / "plain", title="Evening")  # an INFO chunk without a genre: tagged as usual
    apply_plan(make_plan({untagged: ROCK}, min_confidence=0.5), journal)
    assert native_genres(untagged) == ["Rock"] and read_tags(untagged).title == "Evening"


def second_info_chunk(path: Path, genre: str) -> Path:
    """``path`` (a WAV) with a second LIST/INFO chunk holding ``genre``, as a tool adds one after FFmpeg's."""
    text = genre.encode() + b"\0"
    text += b"\0" * (len(text) % 2)
    chunk = b"LIST" + (4 + 8 + len(text)).to_bytes(4, "little") + b"INFO" + b"IGNR" + len(text).to_bytes(4, "little")
    data = bytearray(path.read_bytes()) + chunk + text
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def ape_genre(path: Path, genre: str) -> Path:
    tag = APEv2()
    tag["Genre"] = genre
    tag.save(path)
    return path


def id3_before_flac(path: Path, genre: str) -> Path:
    tags = ID3()
    tags.add(TCON(encoding=3, text=[genre]))
    tags.save(path)  # mutagen puts it before the "fLaC" marker, as some taggers do
    assert path.read_bytes()[:3] == b"ID3"
    return path


def id3v1_after_flac(path: Path) -> Path:
    """``path`` (a FLAC file) ending with an ID3v1 tag of genre Jazz, as a tagger of MP3s leaves one: there is no ID3v2
    tag before its stream, where the preview said the genre was."""
    path.write_bytes(path.read_bytes() + ID3V1_TAG)
    return path


@pytest.mark.parametrize(
    ("make", "where"),
    [
        (lambda folder: second_info_chunk(info_wav(folder, title="Morning"), "Jazz"), "its RIFF INFO chunk"),
        (lambda folder: ape_genre(make_file(folder, "mp3"), "Jazz"), "its APEv2 tag"),
        (lambda folder: id3_before_flac(make_file(folder, "flac"), "Jazz"), "the ID3v2 tag before its FLAC stream"),
        (lambda folder: id3v1_after_flac(make_file(folder, "flac", seconds=1.0)), "an ID3v1 tag after its FLAC stream"),
    ],
    ids=["second-info-chunk", "apev2", "id3-in-flac", "id3v1-after-flac"],
)
def test_a_genre_held_where_tagging_does_not_write_is_not_contradicted(
    tmp_path: Path, journal: Journal, make, where: str
) -> None:
    path = make(tmp_path)
    original = path.read_bytes()

    kept, replaced = (
        make_plan({path: ROCK}, mode=mode, min_confidence=0.5).items[0] for mode in (Mode.FILL_EMPTY, Mode.REPLACE)
    )

    assert (kept.action, kept.current) == (Action.UNCHANGED, ("Jazz",))  # fill-empty: it has a genre
    assert (replaced.action, replaced.reason) == (Action.SKIP, f"its genre is in {where}, which tagging does not write")
    apply_plan(make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5), journal)
    assert path.read_bytes() == original


def test_a_genre_in_an_apev2_tag_beside_the_id3_one_keeps_the_file_from_being_retagged(
    tmp_path: Path, journal: Journal
) -> None:
    path = ape_genre(make_file(tmp_path, "mp3"), "Jazz")
    pretag(path, genres=["Blues"])

    (item,) = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5).items

    assert (item.action, item.current) == (Action.SKIP, ("Blues",))
    assert item.reason == "its APEv2 tag holds a genre too (Jazz), which tagging does not write"

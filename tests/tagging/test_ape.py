"""The APEv2 writer of WavPack and Monkey's Audio files (``tags.ape_structure``): undo gives back the bytes of
every tag it writes into, and it refuses, saying why and naming the file, every tag it could not give back.

The Monkey's Audio files are written by hand (``tests.tagging.media.monkeys_audio``), so these run where no
encoder is installed; ``ape-jmac`` runs the first test on a file Debian's jmac encoded, where it is installed."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mutagen
import pytest

from musictagger.errors import TagWriteError
from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.journal import Journal
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import Action, Mode, Plan, Prediction, make_plan
from musictagger.tagging.undo import undo
from musictagger.tags.ape_structure import read_ape_tag
from tests.tagging.media import ID3V1_TAG, ape_item, ape_tag, apev2_file, make_file, native_genres

ROCK = Prediction("rock", 0.9, uncertain=False)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:  # in the per-test user data dir (tests/conftest.py)
        yield journal


def plan_for(paths: list[Path], *, mode: Mode = Mode.REPLACE) -> Plan:
    return make_plan(dict.fromkeys(paths, ROCK), mode=mode, min_confidence=0.5, id3_version=Id3Version.V24)


def jmac_monkeys_audio(folder: Path) -> Path:
    """A Monkey's Audio file, encoded by Debian's jmac (skips the test where it is not installed)."""
    if shutil.which("jmac") is None:
        pytest.skip("no Monkey's Audio encoder: Debian's libjmac-java (jmac, with a Java runtime) writes one")
    wav = make_file(folder, "wav", name="source")
    subprocess.run(["jmac", "c2", str(wav), str(folder / "song.ape")], check=True, capture_output=True)
    return folder / "song.ape"


@pytest.mark.parametrize("fmt", ["wv", "ape", "ape-jmac", "mpc"])
@pytest.mark.parametrize("header", [True, False], ids=["header", "footer-only"])
def test_an_apev2_tag_comes_back_byte_for_byte_with_its_items_order_flags_and_the_id3v1_tag_after_it(
    tmp_path: Path, journal: Journal, fmt: str, header: bool
) -> None:
    """mutagen's APEv2 writer sorts the items by size, clears read-only flags, adds a header and drops an ID3v1
    tag after the APEv2 tag: the genre item is rewritten where it was, every other byte kept."""
    path = jmac_monkeys_audio(tmp_path) if fmt == "ape-jmac" else apev2_file(tmp_path, fmt)
    items = [
        ape_item("Title", b"A rather long title, longer than the rest"),
        ape_item("GENRE", b"Jazz"),
        ape_item("Cover Art (Front)", b"front.jpg\0\xff\xd8\xff\xe0 not text", kind=1),
        ape_item("Related", b"https://example.org/song", kind=2),
        ape_item("Artist", b"An artist", read_only=True),
    ]
    path.write_bytes(path.read_bytes() + ape_tag(items, header=header) + ID3V1_TAG)
    original = path.read_bytes()
    audio_before = audio_payload_digest(path)

    report = apply_plan(plan_for([path], mode=Mode.APPEND), journal)

    assert [(o.path, o.status) for o in report.outcomes] == [(path, "written")]
    tagged = path.read_bytes()
    assert native_genres(path) == ["Jazz", "Rock"]
    assert ape_tag([*items[:1], ape_item("GENRE", b"Jazz\0Rock"), *items[2:]], header=header) in tagged
    assert tagged.endswith(ID3V1_TAG) and audio_payload_digest(path) == audio_before
    assert [(o.path, o.status) for o in undo(journal).outcomes] == [(path, "restored")]
    assert path.read_bytes() == original


@pytest.mark.parametrize("fmt", ["wv", "ape", "mpc"])
def test_a_file_without_an_apev2_tag_gets_one_before_its_id3v1_tag_and_undo_takes_it_away(
    tmp_path: Path, journal: Journal, fmt: str
) -> None:
    path = apev2_file(tmp_path, fmt)
    path.write_bytes(path.read_bytes() + ID3V1_TAG)
    original = path.read_bytes()
    assert mutagen.File(path).tags is None

    apply_plan(plan_for([path]), journal)
    assert native_genres(path) == ["Rock"] and path.read_bytes().endswith(
        ape_tag([ape_item("Genre", b"Rock")]) + ID3V1_TAG
    )
    undo(journal)

    assert path.read_bytes() == original


@pytest.mark.parametrize("fmt", ["wv", "ape", "mpc"])
@pytest.mark.parametrize("header", [True, False], ids=["header", "footer-only"])
def test_a_tag_without_items_the_file_had_comes_back_from_undo(
    tmp_path: Path, journal: Journal, fmt: str, header: bool
) -> None:
    """The writer removes a tag left without items, as it must for a file that had none: undo took away the
    empty tag a file had too (64 bytes short, "restored")."""
    path = apev2_file(tmp_path, fmt)
    path.write_bytes(path.read_bytes() + ape_tag([], header=header))
    original = path.read_bytes()

    apply_plan(plan_for([path]), journal)
    assert native_genres(path) == ["Rock"]
    restored = undo(journal)

    assert [(o.path, o.status) for o in restored.outcomes] == [(path, "restored")]
    assert path.read_bytes() == original


@pytest.mark.parametrize("fmt", ["wv", "ape", "mpc"])
@pytest.mark.parametrize(
    ("title_length", "mode"), [(35, Mode.REPLACE), (30, Mode.APPEND)], ids=["131-bytes-long", "grows-to-131-bytes"]
)
def test_an_apev2_tag_131_bytes_long_is_not_taken_for_an_id3v1_tag(
    tmp_path: Path, journal: Journal, fmt: str, title_length: int, mode: Mode
) -> None:
    """With its header, such a tag ends the file with the ``TAG`` of its ``APETAGEX`` 128 bytes before the end, where
    an ID3v1 tag begins: the writer refused a file whose tag was that long ('its APEv2 tag does not end the file'),
    and the audio check failed a genre that made it so ('writing the tags would have changed the audio data')."""
    path = apev2_file(tmp_path, fmt)
    tag = ape_tag([ape_item("Title", b"t" * title_length), ape_item("GENRE", b"Jazz")])
    path.write_bytes(path.read_bytes() + tag)
    original = path.read_bytes()
    audio_before = audio_payload_digest(path)

    report = apply_plan(plan_for([path], mode=mode), journal)

    assert [(o.path, o.status, o.reason) for o in report.outcomes] == [(path, "written", "")]
    assert native_genres(path) == (["Rock"] if mode is Mode.REPLACE else ["Jazz", "Rock"])
    assert len(path.read_bytes()) - len(original) + len(tag) == 131 and audio_payload_digest(path) == audio_before
    assert [(o.path, o.status) for o in undo(journal).outcomes] == [(path, "restored")]
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("items", "version", "reason"),
    [
        (
            [ape_item("GENRE", b"Jazz"), ape_item("Title", b"t"), ape_item("Genre", b"Blues")],
            2000,
            "its APEv2 tag holds 2 Genre items, spelt GENRE, Genre, of which mutagen reads only the last: "
            "writing Genre would keep one of them",
        ),
        (
            [ape_item("Title", b"t"), ape_item("Genre", b"Jazz", read_only=True)],
            2000,
            "its APEv2 Genre item is flagged read-only, which the APEv2 standard says must not be changed",
        ),
        (
            [ape_item("Genre", b"Jazz")],
            1000,
            "its APE tag is an APEv1 tag, whose values cannot hold the UTF-8 text tagging writes",
        ),
        (
            [ape_item("Genre", b"Jazz")],
            3000,
            "its APE tag says it is of version 3000, which tagging does not know (APEv2 is 2000)",
        ),
    ],
    ids=["two-spellings", "read-only", "apev1", "unknown-version"],
)
def test_a_tag_the_writer_could_not_give_back_is_refused_saying_why(
    tmp_path: Path, journal: Journal, items: list[bytes], version: int, reason: str
) -> None:
    """mutagen reads the last of two Genre items alone, so the preview and the journal saw Blues, the writer
    replaced both and Jazz was gone for good; a read-only item was overwritten; an APEv1 tag got UTF-8 values."""
    path = apev2_file(tmp_path, "wv")
    path.write_bytes(path.read_bytes() + ape_tag(items, header=version != 1000, version=version))
    original = path.read_bytes()

    plan = plan_for([path])

    assert [(item.action, item.reason) for item in plan.items] == [(Action.ERROR, reason)]
    assert apply_plan(plan, journal).outcomes == [] and path.read_bytes() == original
    with pytest.raises(TagWriteError) as raised:  # the writer asks again
        detect(path).write_labels(path, "genre", ["Rock"])
    assert str(raised.value) == f"{path}: {reason}"
    assert path.read_bytes() == original


def test_an_apev2_genre_that_is_not_text_or_a_tag_before_lyrics3_is_refused(tmp_path: Path) -> None:
    """Writing text would replace a binary genre, and undo could not give it back; mutagen finds a tag before a
    Lyrics3v2 block and an ID3v1 tag, where the writer would add a second one after them."""
    binary = make_file(tmp_path, "wv", name="binary")
    binary.write_bytes(binary.read_bytes() + ape_tag([ape_item("Genre", b"\x00\x01", kind=1)]))
    lyrics3 = make_file(tmp_path, "wv", name="lyrics3")
    lyrics = b"LYRICSBEGININD0000210"
    lyrics3.write_bytes(
        lyrics3.read_bytes()
        + ape_tag([ape_item("Genre", b"Jazz")])
        + lyrics
        + b"%06dLYRICS200" % len(lyrics)
        + ID3V1_TAG
    )

    assert "its APEv2 Genre item holds binary data, not text" in detect(binary).rewrite_refusal(binary, "genre")
    assert native_genres(lyrics3) == ["Jazz"]
    assert "does not end the file" in detect(lyrics3).rewrite_refusal(lyrics3, "genre")


TWO_ITEMS = ape_item("Title", b"x") + ape_item("Genre", b"Jazz")


def damaged_tag(body: bytes = TWO_ITEMS, *, count: int = 2, size: int | None = None, header: bool = False) -> bytes:
    """An APEv2 tag of ``body`` (a header, when ``header``, and a footer) saying it is ``size`` bytes long (by default
    its body's and footer's) and holds ``count`` items."""
    sizes = struct.pack("<3I", 2000, len(body) + 32 if size is None else size, count)
    flags = 1 << 31 if header else 0
    head = b"APETAGEX" + sizes + struct.pack("<I", flags | 1 << 29) + bytes(8) if header else b""
    return head + body + b"APETAGEX" + sizes + struct.pack("<I", flags) + bytes(8)


AUDIO = b"\xff\xfb" * 200


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        (damaged_tag(size=8, header=True), "its APEv2 tag says it is 8 bytes long, less than its own 32-byte footer"),
        (
            damaged_tag(size=1000, header=True),
            "its APEv2 tag says it is 1032 bytes long with its header, and the file holds 497 bytes up to the tag's end",
        ),
        (
            b"not a header".ljust(32, b"\0") + damaged_tag(header=True)[32:],
            "its APEv2 tag's footer says a header comes before its items, and there is none there",
        ),
        (
            damaged_tag(count=1, header=True)[:32] + damaged_tag(header=True)[32:],
            "its APEv2 tag's header and footer disagree on the tag's version, size or number of items",
        ),
        (damaged_tag(count=3), "its APEv2 tag says it holds 3 items, and holds 2"),
        (
            damaged_tag(struct.pack("<I", 99) + TWO_ITEMS[4:]),
            "its APEv2 tag's item 1 of 2 runs past the tag's end",
        ),
        (
            damaged_tag(TWO_ITEMS[:-2]),
            "its APEv2 tag's item 2 of 2 runs past the tag's end",
        ),
        (damaged_tag(count=1), "its APEv2 tag holds 18 bytes after the 1 item it says it holds"),
        (damaged_tag(TWO_ITEMS + b"\0"), "its APEv2 tag holds 1 byte after the 2 items it says it holds"),
    ],
    ids=[
        "shorter-than-its-footer",
        "longer-than-the-file",
        "header-missing",
        "header-disagrees",
        "fewer-items-than-counted",
        "first-item-too-long",
        "last-item-cut",
        "more-bytes-than-items",
        "one-byte-more",
    ],
)
def test_a_damaged_tag_is_reported_as_what_is_wrong_with_it(tag: bytes, reason: str) -> None:
    """A tag said to be 8 bytes long was "more than the file holds", and every damage "would lose the items after
    the damage", even an item count too large; the messages said "its 1 items"."""
    assert read_ape_tag(io.BytesIO(AUDIO + tag)) == reason
    assert read_ape_tag(io.BytesIO(AUDIO + tag + ID3V1_TAG)) == reason


def test_a_damaged_tag_mutagen_reads_is_refused_naming_the_file(tmp_path: Path, journal: Journal) -> None:
    """mutagen reads past a count too large; the preview and the writer say what is wrong, the writer naming the
    file (the preview's table names it beside the reason)."""
    path = apev2_file(tmp_path, "wv")
    path.write_bytes(path.read_bytes() + damaged_tag(count=3, header=True))
    assert native_genres(path) == ["Jazz"]
    reason = "its APEv2 tag says it holds 3 items, and holds 2"

    assert [(item.action, item.reason) for item in plan_for([path]).items] == [(Action.ERROR, reason)]
    with pytest.raises(TagWriteError) as raised:
        detect(path).write_labels(path, "genre", ["Rock"])
    assert str(raised.value) == f"{path}: {reason}"


def test_an_mp3_whose_apev2_footer_says_0_bytes_is_an_error_of_its_own_and_the_batch_goes_on(tmp_path: Path) -> None:
    """mutagen raises ValueError reading that tag, which only its MutagenError and OSError were caught for: the
    preview of the whole batch ended in a traceback."""
    broken = make_file(tmp_path, "mp3", name="broken")
    broken.write_bytes(broken.read_bytes() + damaged_tag(b"", count=0, size=0))
    fine = make_file(tmp_path, "mp3", name="fine")

    plan = plan_for([broken, fine])

    assert [(item.path, item.action, item.reason) for item in plan.items] == [
        (broken, Action.ERROR, "its APEv2 tag says it is 0 bytes long, less than its own 32-byte footer"),
        (fine, Action.WRITE, ""),
    ]

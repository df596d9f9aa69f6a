"""The APEv2 writer of WavPack and Monkey's Audio files (``tags.ape_structure``): undo gives back the bytes of
every tag it writes into, and it refuses, saying why and naming the file, every tag it could not give back.

The Monkey's Audio files are written by hand (``tests.tagging.media.monkeys_audio``), so these run where no
encoder is installed; ``ape-jmac`` runs the first test on a file Debian's jmac encoded, where it is installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mutagen
import pytest

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.journal import Journal
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import Mode, Plan, Prediction, make_plan
from musictagger.tagging.undo import undo
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


@pytest.mark.parametrize("fmt", ["wv", "ape", "ape-jmac"])
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


@pytest.mark.parametrize("fmt", ["wv", "ape"])
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

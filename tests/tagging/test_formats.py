"""The format registry on real files of every format: genres written natively, other tags kept,
ID3 versions as asked, unreadable files named in a TagReadError."""

from __future__ import annotations

from pathlib import Path

import mutagen
import pytest
from mutagen.flac import FLAC

from musictagger.errors import TagReadError
from musictagger.tagging.formats import Id3Version, TagSummary, detect, is_taggable, read_genres, read_tags
from tests.tagging.media import KINDS, make_file, native_genres, native_tags, pretag

ID3_FORMATS = ("wav", "aiff", "mp3")


@pytest.mark.parametrize("fmt", KINDS)
def test_a_fresh_file_has_no_tags_to_summarise(tmp_path: Path, fmt: str) -> None:
    assert read_tags(make_file(tmp_path, fmt)) == TagSummary(None, None, None, ())


@pytest.mark.parametrize("fmt", KINDS)
def test_read_tags_sees_what_another_tagger_wrote(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path, genres=["Jazz", "Blues"], title="Só danço samba", artist="Jobim")

    assert read_tags(path) == TagSummary("Só danço samba", "Jobim", "An album", ("Jazz", "Blues"))


@pytest.mark.parametrize("fmt", KINDS)
def test_several_genres_are_stored_as_separate_values_and_other_tags_survive(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path, genres=["Jazz"])
    before = native_tags(path)

    detect(path).write_labels(path, "genre", ["rock", "pop"], Id3Version.V24)

    assert native_genres(path) == ["rock", "pop"]
    assert read_genres(path) == ("rock", "pop")
    after = native_tags(path)
    genre_keys = {"TCON", "genre", "©gen"}
    assert {k: v for k, v in after.items() if k not in genre_keys} == {
        k: v for k, v in before.items() if k not in genre_keys
    }


@pytest.mark.parametrize("fmt", ID3_FORMATS)
def test_id3_v23_joins_genres_with_a_slash_and_reads_them_back_apart(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path)

    detect(path).write_labels(path, "genre", ["rock", "pop"], Id3Version.V23)

    tags = mutagen.File(path).tags
    assert tags.version == (2, 3, 0)
    assert native_genres(path) == ["rock/pop"]
    assert tags["TIT2"].text == ["A title"]
    assert read_genres(path) == ("rock", "pop")
    assert detect(path).read_id3_version(path) is Id3Version.V23


@pytest.mark.parametrize("fmt", ID3_FORMATS)
def test_id3_v24_is_written_when_asked_even_over_v23(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    detect(path).write_labels(path, "genre", ["rock"], Id3Version.V23)

    detect(path).write_labels(path, "genre", ["rock", "pop"], Id3Version.V24)

    assert mutagen.File(path).tags.version == (2, 4, 0)
    assert native_genres(path) == ["rock", "pop"]


@pytest.mark.parametrize("fmt", ["wav", "aiff", "mp3"])
def test_writing_no_genre_to_an_otherwise_untagged_file_leaves_no_tag_block(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    tag_format = detect(path)
    tag_format.write_labels(path, "genre", ["rock"])

    tag_format.write_labels(path, "genre", [])

    assert mutagen.File(path).tags is None


@pytest.mark.parametrize("fmt", KINDS)
def test_writing_no_genre_removes_the_genre_field_only(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path, genres=["Jazz"])

    detect(path).write_labels(path, "genre", [])

    assert native_genres(path) == []
    assert read_tags(path).title == "A title"


def test_the_header_decides_the_family_not_the_extension(tmp_path: Path) -> None:
    flac = make_file(tmp_path, "flac")
    disguised = flac.rename(tmp_path / "really-flac.mp3")

    assert detect(disguised).family.name == "Vorbis comments"
    detect(disguised).write_labels(disguised, "genre", ["rock"])
    assert FLAC(disguised).tags["genre"] == ["rock"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("corrupt.mp3", b"\x00garbage" * 100), ("empty.flac", b""), ("text.m4a", b"just some text, not a movie\n")],
)
def test_unreadable_files_raise_a_tag_read_error_naming_them(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(TagReadError, match=name):
        read_tags(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TagReadError, match=r"absent\.ogg"):
        read_genres(tmp_path / "absent.ogg")


def test_taggable_extensions() -> None:
    assert is_taggable(Path("a/B.FLAC"))
    assert is_taggable(Path("a/b.wma"))
    assert not is_taggable(Path("a/b.tta"))
    assert not is_taggable(Path("a/b.aac"))


@pytest.mark.parametrize("fmt", KINDS)
@pytest.mark.parametrize("field", ["genre", "mood", "grouping"])
def test_a_fresh_file_has_no_labels_in_any_field(tmp_path: Path, fmt: str, field: str) -> None:
    """An MP3 without an ID3 tag raised AttributeError for a field other than the genre (a mood model's `tag`)."""
    path = make_file(tmp_path, fmt)
    assert detect(path).read_labels(path, field) == ()

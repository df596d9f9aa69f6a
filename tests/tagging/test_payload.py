"""The audio payload digest ignores tags of every size and catches any change to the audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from musictagger.errors import FileError
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.payload import audio_payload_digest
from tests.tagging.media import KINDS, make_file, pretag

# Large enough to overflow any padding left by the encoder, so the tag block must grow and the
# audio move (and, in MP4, the chunk offsets be rewritten).
MANY_GENRES = [f"genre number {i} " + "x" * 200 for i in range(40)]


@pytest.mark.parametrize("fmt", KINDS)
@pytest.mark.parametrize("id3_version", list(Id3Version))
def test_tags_of_any_size_leave_the_digest_alone(tmp_path: Path, fmt: str, id3_version: Id3Version) -> None:
    path = make_file(tmp_path, fmt)
    before = audio_payload_digest(path)
    size = path.stat().st_size

    pretag(path, genres=["Jazz"])
    detect(path).write_labels(path, "genre", MANY_GENRES, id3_version)
    assert path.stat().st_size > size + 8000
    assert audio_payload_digest(path) == before

    detect(path).write_labels(path, "genre", [], id3_version)
    assert audio_payload_digest(path) == before


@pytest.mark.parametrize("fmt", KINDS)
def test_one_changed_audio_byte_changes_the_digest(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path, genres=["Jazz"])
    before = audio_payload_digest(path)
    data = bytearray(path.read_bytes())
    data[len(data) * 3 // 4] ^= 0x01  # three quarters in: audio in every one of these layouts
    path.write_bytes(bytes(data))

    assert audio_payload_digest(path) != before


# MP3 and FLAC are bare streams of frames: cut short, they are still streams of frames.
@pytest.mark.parametrize("fmt", ["wav", "aiff", "ogg", "opus", "m4a"])
def test_a_truncated_container_is_reported_not_hashed(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(FileError, match=path.name):
        audio_payload_digest(path)


def test_a_file_that_is_no_audio_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("not audio at all")

    with pytest.raises(FileError, match="notes"):
        audio_payload_digest(path)

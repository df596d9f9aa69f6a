"""The audio payload digest ignores tags of every size and catches any change to the audio."""

from __future__ import annotations

import errno
import io
import mmap
import os
import struct
from pathlib import Path

import pytest
from mutagen.mp4 import Atoms

from musictagger.errors import FileError
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.payload import audio_layout_problem, audio_payload_digest
from tests.tagging.media import FASTSTART, KINDS, as_encoded, make_file, pretag

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


def test_zeros_between_an_mp3s_tag_and_its_first_frame_do_not_make_it_unreadable(tmp_path: Path) -> None:
    """Some taggers pad past the tag's declared size; players skip the zeros, and the file was refused with
    "cannot locate its audio data" (the tagging audit)."""
    path = make_file(tmp_path, "mp3")
    pretag(path, genres=["Jazz"])
    data = path.read_bytes()
    tag_end = 10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    path.write_bytes(data[:tag_end] + bytes(512) + data[tag_end:])
    before = audio_payload_digest(path)

    detect(path).write_labels(path, "genre", MANY_GENRES, Id3Version.V24)  # the tag grows past the zeros

    assert audio_payload_digest(path) == before


def test_a_file_that_is_no_audio_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("not audio at all")

    with pytest.raises(FileError, match="notes"):
        audio_payload_digest(path)


@pytest.mark.parametrize("content", [b"", b"not audio at all"], ids=["empty", "text"])
def test_the_preview_check_finds_what_the_digest_finds_in_a_file_it_cannot_map_or_read_as_audio(
    tmp_path: Path, content: bytes
) -> None:
    """An empty file cannot be mapped: the check reads its bytes instead, and says what the writer's digest says."""
    path = tmp_path / "notes.wav"
    path.write_bytes(content)
    with pytest.raises(FileError) as refused:
        audio_payload_digest(path)

    assert audio_layout_problem(path) == refused.value.reason


def test_the_preview_check_reads_a_file_on_a_file_system_that_maps_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some FUSE and network file systems refuse mmap (ENODEV): every file there would have been an error in the
    preview ('cannot read it (No such device)')."""
    path = make_file(tmp_path, "wav", seconds=0.5)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))

    monkeypatch.setattr(mmap, "mmap", refuse)

    assert audio_layout_problem(path) is None


@pytest.mark.timeout(60)  # it used to step back by 0 bytes forever
@pytest.mark.parametrize("fmt", ["mp3", "wv"])
@pytest.mark.parametrize("size", [0, 10**6], ids=["0-bytes", "past-the-start"])
def test_an_apev2_footer_saying_a_size_the_tag_cannot_have_is_reported(tmp_path: Path, fmt: str, size: int) -> None:
    path = make_file(tmp_path, fmt)
    path.write_bytes(path.read_bytes() + b"APETAGEX" + struct.pack("<4I", 2000, size, 0, 0) + bytes(8))

    with pytest.raises(FileError, match=rf"{fmt}\.{fmt}: cannot locate its audio data \(the APEv2 tag ending at byte"):
        audio_payload_digest(path)


def test_tags_of_any_size_leave_a_faststart_m4as_digest_alone(tmp_path: Path) -> None:
    """The audio after the tags moves, and the chunk offsets with it: each still points where it did in the audio."""
    path = as_encoded(tmp_path, "m4a", muxer_options=FASTSTART)
    before = audio_payload_digest(path)
    size = path.stat().st_size

    detect(path).write_labels(path, "genre", MANY_GENRES)
    assert path.stat().st_size > size + 8000
    assert audio_payload_digest(path) == before

    detect(path).write_labels(path, "genre", [])
    assert audio_payload_digest(path) == before


@pytest.mark.parametrize("muxer_options", [None, FASTSTART], ids=["moov-last", "faststart"])
def test_a_chunk_offset_pointing_elsewhere_changes_an_m4as_digest(
    tmp_path: Path, muxer_options: dict[str, str] | None
) -> None:
    """A writer that moves the audio without one of its chunk offsets, or moves one wrong, leaves the mdat's bytes as
    they were and the file undecodable: the digest hashed the mdat alone, so the audio check passed such a file."""
    path = as_encoded(tmp_path, "m4a", muxer_options=muxer_options)
    before = audio_payload_digest(path)
    data = bytearray(path.read_bytes())
    table = next(Atoms(io.BytesIO(bytes(data)))[b"moov"].findall(b"stco", True))
    (count,) = struct.unpack_from(">I", data, table.offset + 12)
    last = table.offset + 16 + 4 * (count - 1)
    struct.pack_into(">I", data, last, struct.unpack_from(">I", data, last)[0] + 8)
    path.write_bytes(bytes(data))

    assert audio_payload_digest(path) != before

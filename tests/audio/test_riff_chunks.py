"""A WAV's chunks, as the one walker (:mod:`musictagger.tags.riff_structure`) gives them to the INFO tags' reader,
the decoder's check for a compressed stream and tagging's audio check: a chunk of odd size is followed by a pad byte,
after which the next chunk is found by each."""

from __future__ import annotations

from pathlib import Path

from musictagger.audio.decode import decode, route
from musictagger.tagging.payload import audio_layout_problem, audio_payload_digest
from musictagger.tags.riff_info import read_riff_info
from musictagger.tags.riff_structure import chunks
from tests.audio.signals import piece, write

SR = 44100


def chunk(chunk_id: bytes, contents: bytes) -> bytes:
    return chunk_id + len(contents).to_bytes(4, "little") + contents + b"\x00" * (len(contents) % 2)


def test_chunks_after_one_of_odd_size_are_found_by_every_reader(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain.wav", piece(1, sr=SR, seconds=1.0), SR, "wav-pcm16")
    data = plain.read_bytes()
    fmt_end = 12 + 8 + int.from_bytes(data[16:20], "little")
    info = chunk(b"LIST", b"INFO" + chunk(b"INAM", b"Odd\x00") + chunk(b"IGNR", b"Jazz\x00"))  # 5 bytes: padded
    rest = data[fmt_end:]  # the data chunk
    body = data[12:fmt_end] + chunk(b"odd ", b"abc") + info + rest
    tagged = tmp_path / "tagged.wav"
    tagged.write_bytes(b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body)

    assert [c.id for c in chunks(tagged.read_bytes())] == [b"fmt ", b"odd ", b"LIST", b"data"]
    with tagged.open("rb") as file:
        assert [c.id for c in chunks(file)] == [b"fmt ", b"odd ", b"LIST", b"data"]
    assert read_riff_info(tagged) == {"title": "Odd", "genre": "Jazz"}
    assert not route(tagged).ffmpeg_first  # its data chunk found, and holding PCM
    assert audio_layout_problem(tagged) is None
    assert audio_payload_digest(tagged) == audio_payload_digest(plain)
    assert (decode(tagged).y == decode(plain).y).all()

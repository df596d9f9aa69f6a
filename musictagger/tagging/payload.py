"""A digest of a file's audio alone, blind to its tags: proof that tagging left the sound untouched.

Each container is parsed here, independently of mutagen (which writes the tags), so the check
does not share the writer's assumptions:

- MP3: everything between a leading ID3v2 tag and trailing APEv2 / ID3v1 tags (the first frame may follow
  the tag after zeros, padding a tagger left outside the tag's declared size);
- FLAC: the audio frames after the metadata blocks (a leading ID3v2 tag is skipped too);
- Ogg (Vorbis, Opus, Speex): the audio packets, reassembled from the pages, without the header packets.
  Rewriting the comment header renumbers and re-checksums every page, so pages cannot be hashed;
  the packets themselves must not change;
- MP4: the contents of the ``mdat`` atoms (mutagen may move them and rewrite offsets around them), and what a
  decoder finds them by: the ``moov`` atom but its tags (``udta``), each chunk offset of its ``stco``/``co64``
  tables as its place in its ``mdat``.  A writer that moves the audio moves these offsets by as much; one that
  missed an offset, moved it wrong or wrote over a track's tables leaves the ``mdat`` bytes as they were but the
  file undecodable, which the ``mdat`` bytes alone would not show;
- WAV, AIFF: the format and sample chunks (``fmt ``/``data``, ``COMM``/``SSND``);
- WavPack, Monkey's Audio, Musepack (SV8 ``MPCK``, SV7 ``MP+``): everything before the trailing APEv2 / ID3v1 tags;
- WMA (ASF): everything after the header (the Data object's packets, the indexes), and what a decoder reads them by:
  the File Properties object but its file size, and the Stream Properties objects.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from musictagger.errors import FileError
from musictagger.file_bytes import FileBytes, mapped_bytes
from musictagger.tags import asf_structure, ogg_structure
from musictagger.tags.ape_structure import ID3V1, is_id3v1_tag
from musictagger.tags.riff_structure import chunks


def audio_payload_digest(path: Path) -> str:
    """SHA-256 (hex) of the audio data of ``path``, excluding every tag block.

    Raises FileError naming the file when its container is not one of the above or is damaged.
    The file is read whole: a few seconds of hashing at most, and only once per file written.
    """
    digest = hashlib.sha256()
    _walk_audio(Path(path), Path.read_bytes, digest.update)
    return digest.hexdigest()


def audio_layout_problem(path: Path) -> str | None:
    """Why :func:`audio_payload_digest` cannot locate the audio of ``path`` (a container cut short: a recording or a
    download that stopped), or None.  The preview asks it, so that it does not promise a write that the run's check
    would refuse.  Nothing is hashed, and the file is mapped rather than read: the walk reads what locates the audio
    (a WAV's chunk headers, an Ogg file's pages), not the audio a container holds in one piece (a WAV's data chunk,
    an MP4's mdat atom)."""
    try:
        _walk_audio(Path(path), mapped_bytes, lambda _part: None)
    except FileError as exc:
        return exc.reason
    return None


def _walk_audio(path: Path, read: Callable[[Path], FileBytes], use: Callable[[FileBytes], object]) -> None:
    """Hand each part of the audio of ``path``, as ``read`` gives its bytes, to ``use``; FileError naming it when they
    cannot be read or the audio located."""
    try:
        data = read(path)
    except OSError as exc:
        raise FileError(path, f"cannot read it ({exc.strerror or exc})") from exc
    try:
        for part in _audio_parts(data):
            use(part)
    except (ValueError, struct.error) as exc:
        raise FileError(path, f"cannot locate its audio data ({exc})") from exc


def _audio_parts(data: FileBytes) -> Iterator[FileBytes]:
    """The byte ranges that carry the audio, by container (recognised from the header) in ``data``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        yield from _chunks(data, {b"fmt ", b"data"})
    elif data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        yield from _chunks(data, {b"COMM", b"SSND"}, big_endian=True)
    elif data[:4] == b"OggS":
        yield from _ogg_audio_packets(data)
    elif data[4:8] == b"ftyp":
        yield from _mp4_audio(data)
    elif data[:4] in (b"wvpk", b"MAC ", b"MPCK") or data[:3] == b"MP+":
        yield data[: _before_trailing_tags(data)]
    elif data[:16] == asf_structure.HEADER_GUID:
        yield from _asf_audio(data)
    else:
        start = _id3v2_size(data)
        first_frame = _after_zeros(data, start)
        if data[start : start + 4] == b"fLaC":
            yield data[_flac_frames_start(data, start + 4) :]
        elif data[first_frame : first_frame + 2] and data[first_frame] == 0xFF and data[first_frame + 1] & 0xE0 == 0xE0:
            yield data[start : _before_trailing_tags(data)]  # zeros a tagger left after its tag belong to neither: kept
        else:
            raise ValueError("not a WAV, AIFF, Ogg, MP4, FLAC, MP3, WavPack, Monkey's Audio, Musepack or WMA stream")


def _asf_audio(data: FileBytes) -> Iterator[FileBytes]:
    """The File Properties object of an ASF file but its file size, its Stream Properties objects and everything after
    its header, which must begin with its Data object, whole."""
    (size,) = struct.unpack_from("<Q", data, 16)
    if size > len(data):
        raise ValueError(f"its ASF header says it is {size} bytes long, past the end of the file (truncated?)")
    header = asf_structure.parse_header(bytes(data[:size]))
    if data[size : size + 16] != asf_structure.DATA_GUID:
        raise ValueError(f"no Data object after its ASF header (byte {size})")
    (data_size,) = struct.unpack_from("<Q", data, size + 16)
    if size + data_size > len(data):
        raise ValueError("its ASF Data object runs past the end of the file (truncated?)")
    for obj in asf_structure.decoder_objects(header):
        if obj.guid == asf_structure.FILE_PROPERTIES_GUID:
            at = obj.start + asf_structure.FILE_SIZE_AT  # the file size, which grows with the tags
            yield data[obj.start : at]
            yield data[at + 8 : obj.end]
        else:
            yield data[obj.start : obj.end]
    yield data[size:]


def _chunks(data: FileBytes, wanted: set[bytes], *, big_endian: bool = False) -> Iterator[FileBytes]:
    """The name and contents of each of the ``wanted`` chunks of a RIFF (little-endian) or IFF (big-endian) file."""
    found: set[bytes] = set()
    for chunk in chunks(data, big_endian=big_endian):
        if chunk.start + chunk.size > len(data):
            raise ValueError(f"chunk {chunk.id!r} runs past the end of the file (truncated?)")
        if chunk.id in wanted:
            found.add(chunk.id)
            yield chunk.id  # apart from its contents, which a view need not read (the digest is of both alike)
            yield data[chunk.start : chunk.start + chunk.size]
    if found != wanted:
        raise ValueError(f"missing chunk(s) {sorted(c.decode() for c in wanted - found)}")


def _id3v2_size(data: FileBytes) -> int:
    """Bytes taken by an ID3v2 tag at the start of ``data`` (0 if there is none)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:  # synchsafe: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _after_zeros(data: FileBytes, offset: int, limit: int = 1 << 16) -> int:
    """The first byte at or after ``offset`` that is not zero (looking ``limit`` bytes on at most)."""
    window = bytes(data[offset : offset + limit])
    return offset + len(window) - len(window.lstrip(b"\0"))


def _before_trailing_tags(data: FileBytes) -> int:
    """Where the audio ends: before a trailing ID3v1 tag and an APEv2 tag, in either order.

    ValueError when an APEv2 footer says its tag is shorter than the footer (a size of 0 would be stepped
    over forever) or longer than the bytes before it."""
    end = len(data)
    while True:
        if end >= ID3V1 and is_id3v1_tag(bytes(data[end - ID3V1 : end])):
            end -= ID3V1
        elif end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
            size, _, flags = struct.unpack("<III", data[end - 20 : end - 8])
            tag_size = size + (32 if flags & 0x80000000 else 0)
            if size < 32 or tag_size > end:
                raise ValueError(f"the APEv2 tag ending at byte {end} says it is {tag_size} bytes long")
            end -= tag_size
        else:
            return end


def _flac_frames_start(data: FileBytes, offset: int) -> int:
    """Offset of the first FLAC frame: after the last metadata block."""
    while True:
        header = data[offset]
        size = int.from_bytes(data[offset + 1 : offset + 4], "big")
        offset += 4 + size
        if header & 0x80:
            return offset


def _ogg_audio_packets(data: FileBytes) -> Iterator[bytes]:
    """Every audio packet of every logical stream, length-prefixed, header packets left out.  A packet's segments are
    joined once it ends: adding each to the bytes so far copied a comment packet holding 2 MB of cover art (10,000
    segments) 10,000 times, 10 s for each check of such a file."""
    packets: dict[int, list[bytes]] = {}
    pending: dict[int, list[FileBytes]] = {}
    for page in ogg_structure.pages(data):
        body = page.body
        for value in page.lacing:
            pending.setdefault(page.serial, []).append(data[body : body + value])
            body += value
            if value < 255:
                packets.setdefault(page.serial, []).append(b"".join(pending.pop(page.serial)))
    for stream in packets.values():
        for packet in stream[_ogg_header_packets(stream[0]) :]:
            yield struct.pack("<I", len(packet)) + packet


SPEEX_HEADER = 80
"""Bytes of a Speex stream's first packet, its header."""
SPEEX_EXTRA_HEADERS = 68
"""Where a Speex header says how many header packets follow its comment packet (32 bits, little-endian)."""


def _ogg_header_packets(first: bytes) -> int:
    """How many header packets open a logical stream, from its first packet."""
    if first.startswith(b"\x01vorbis"):
        return 3  # identification, comment, setup
    if first.startswith(b"OpusHead"):
        return 2  # identification, comment (OpusTags)
    if first.startswith(b"Speex   ") and len(first) >= SPEEX_HEADER:
        return 2 + int.from_bytes(first[SPEEX_EXTRA_HEADERS : SPEEX_EXTRA_HEADERS + 4], "little")  # and extra headers
    raise ValueError("an Ogg stream that is neither Vorbis, Opus nor Speex")


def _mp4_audio(data: FileBytes) -> Iterator[FileBytes]:
    """Contents of every top-level ``mdat`` atom, then of every ``moov`` atom but its ``udta``, chunk offsets as
    places in the ``mdat`` atoms (:func:`_decoder_view`)."""
    atoms = list(_mp4_atoms(data, 0, len(data), top=True))
    mdats = [(start, end) for kind, _at, start, end in atoms if kind == b"mdat"]
    if not mdats:
        raise ValueError("no mdat atom")
    for start, end in mdats:
        yield data[start:end]
    for kind, _at, start, end in atoms:
        if kind == b"moov":
            yield from _decoder_view(data, start, end, mdats)


_SAMPLE_TABLE_HOLDERS = frozenset({b"trak", b"mdia", b"minf", b"stbl"})
"""The atoms of a ``moov`` atom that hold a track's chunk offset tables (``stco``, ``co64``)."""
_CHUNK_OFFSET_WIDTHS = {b"stco": "I", b"co64": "Q"}


def _decoder_view(data: FileBytes, start: int, end: int, mdats: Sequence[tuple[int, int]]) -> Iterator[FileBytes]:
    """The atoms between ``start`` and ``end`` (a ``moov`` atom's contents) as a decoder reads the audio by them:
    each as stored, but a ``udta`` (the tags, which writers rewrite) left out and the chunk offsets of ``stco`` and
    ``co64`` tables given as the ``mdat`` (of ``mdats``, their contents' ranges) and the place in it they point at."""
    for kind, at, contents, atom_end in _mp4_atoms(data, start, end):
        if kind == b"udta":
            continue
        if kind in _SAMPLE_TABLE_HOLDERS:
            yield data[at:contents]
            yield from _decoder_view(data, contents, atom_end, mdats)
        elif kind in _CHUNK_OFFSET_WIDTHS and (offsets := _chunk_offsets(data, kind, contents, atom_end)) is not None:
            yield data[at : contents + 8]  # size, name, version, flags, count
            starts = [mdat_start for mdat_start, _mdat_end in mdats]
            yield b"".join(_place_in(offset, mdats, starts) for offset in offsets)
        else:
            yield data[at:atom_end]


def _chunk_offsets(data: FileBytes, kind: bytes, start: int, end: int) -> tuple[int, ...] | None:
    """The offsets of the ``stco`` or ``co64`` table (``kind``) whose contents lie between ``start`` and ``end``; None
    when it holds fewer than it says (as stored, such a table is compared byte for byte)."""
    if end - start < 8:
        return None
    layout = f">{int.from_bytes(data[start + 4 : start + 8], 'big')}{_CHUNK_OFFSET_WIDTHS[kind]}"
    return struct.unpack_from(layout, data, start + 8) if start + 8 + struct.calcsize(layout) <= end else None


def _place_in(offset: int, mdats: Sequence[tuple[int, int]], starts: Sequence[int]) -> bytes:
    """Which of ``mdats`` (their contents' ranges, in order; ``starts``, where each starts) the chunk at ``offset``
    starts in, and where in it; the offset itself, marked, when it points at none."""
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and offset < mdats[index][1]:
        return struct.pack(">iQ", index, offset - mdats[index][0])
    return struct.pack(">iQ", -1, offset)


def _mp4_atoms(data: FileBytes, offset: int, end: int, *, top: bool = False) -> Iterator[tuple[bytes, int, int, int]]:
    """The atoms between ``offset`` and ``end``: name, where the atom starts, where its contents start and where it
    ends.  A size of 0 runs to the end of the file (``top`` atoms alone).  ValueError when an atom's size is not one
    it can have."""
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
            header = 16
        elif size == 0 and top:
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError(f"atom {kind!r} at byte {offset} has a bad size {size} (truncated?)")
        yield kind, offset, offset + header, offset + size
        offset += size

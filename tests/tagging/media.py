"""Real audio files of every taggable format, generated on the fly and pre-tagged natively with mutagen.

The tests read tags back with mutagen itself (not through ``musictagger.tagging``), so a bug in
the registry cannot hide behind the same bug on the reading side.
"""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Sequence
from pathlib import Path

import av
import mutagen
import numpy as np
import pytest
import soundfile as sf
from mutagen.apev2 import APETextValue, APEv2
from mutagen.apev2 import delete as delete_apev2
from mutagen.id3 import ID3, TALB, TCON, TDAT, TIT2, TPE1, TYER, Frames
from mutagen.mp4 import MP4, Atoms, MP4FreeForm, MP4Tags
from mutagen.ogg import OggPage

from tests.audio.musepack import write_musepack
from tests.audio.signals import FORMATS, music, noise, write, write_aac

SR = 48000  # libsndfile writes Opus at 48 kHz (or lower rates only)

# Every taggable format: test id → kind of tests.audio.signals.FORMATS.
KINDS = {
    "wav": "wav-pcm16",
    "aiff": "aiff",
    "flac": "flac",
    "ogg": "ogg-vorbis",
    "opus": "opus",
    "mp3": "mp3",
    "m4a": "m4a-aac",
    "wv": "wavpack",
}


def make_file(
    folder: Path, fmt: str, *, name: str | None = None, seconds: float = 3.0, seed: int = 0, hiss: bool = False
) -> Path:
    """``seconds`` of generated music (or of white noise, ``hiss``) in format ``fmt`` (a key of :data:`KINDS`).

    The shipped model hears the two differently (another genre, another confidence), which the
    threshold tests use; they measure the confidences rather than assume them.
    """
    kind = KINDS[fmt]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or fmt}.{FORMATS[kind][0]}"
    y = noise(sr=SR, seconds=seconds, rms_dbfs=-20, seed=seed) if hiss else music(sr=SR, seconds=seconds, seed=seed)
    return write(path, y, SR, kind)


FASTSTART = {"movflags": "+faststart"}
"""FFmpeg's MP4 muxer options that put the ``moov`` atom before the ``mdat`` (as files to be streamed have it), so
that the chunk offsets move with the tags."""
FRAGMENTED = {"movflags": "frag_keyframe+empty_moov", "frag_duration": "250000"}
"""FFmpeg's MP4 muxer options that cut the audio in fragments of a quarter of a second (``moof`` atoms)."""


def as_encoded(
    folder: Path, fmt: str, *, muxer_options: dict[str, str] | None = None, genre: str | None = None
) -> Path:
    """A second of music as a FLAC (libsndfile) or M4A (``m4a``, FFmpeg) file, given a title and an artist by its
    encoder: without the FLAC PADDING block or the MP4 ``free`` atom beside the tags that mutagen's writer
    always adds.  ``muxer_options``: the M4A remuxed with these options of FFmpeg's MP4 muxer
    (:data:`FASTSTART`, :data:`FRAGMENTED`).  ``genre``: the M4A's, which FFmpeg writes after its ``©too``
    item (iTunes' order has it before)."""
    folder.mkdir(parents=True, exist_ok=True)
    y = music(sr=SR, seconds=1.0)
    path = folder / f"encoded.{fmt}"
    if fmt == "flac":
        with sf.SoundFile(path, "w", samplerate=SR, channels=1, format="FLAC", subtype="PCM_16") as file:
            file.title, file.artist = "A title", "An artist"
            file.write(y)
        return path
    tags = {"title": "A title", "artist": "An artist", **({"genre": genre} if genre else {})}
    encoded = write_aac(folder / "encoded-first.m4a", np.atleast_2d(y), SR, metadata=tags)
    if not muxer_options:
        return encoded.rename(path)
    with av.open(str(encoded)) as source, av.open(str(path), "w", options=muxer_options) as out:
        out.metadata.update(source.metadata)
        stream = out.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:  # not the flush packet demux ends with
                packet.stream = stream
                out.mux(packet)
    encoded.unlink()
    return path


ITEM_LIST = (b"moov", b"udta", b"meta", b"ilst")
UNKNOWN_MP4_ITEM = struct.pack(">I4sI4s2I", 28, b"xtra", 20, b"data", 0, 0) + b"\x01\x02\x03\x04"
"""An MP4 item of a tagger mutagen does not know, holding binary data (mutagen cannot read it as text)."""


def mp4_items(path: Path) -> list[bytes]:
    """The items of ``path``'s MP4 item list, each atom as stored, in their order."""
    data = path.read_bytes()
    ilst = Atoms(io.BytesIO(data)).path(*ITEM_LIST)[-1]
    return [data[atom.offset : atom.offset + atom.length] for atom in ilst.children]


def with_mp4_items(path: Path, items: Sequence[bytes]) -> None:
    """Give ``path``'s MP4 item list ``items`` (atoms as stored) in their order, as another tagger would order
    them, taking the room from (or giving it to) the ``free`` atom after the list, which mutagen's writer left:
    no other atom moves."""
    data = bytearray(path.read_bytes())
    *_parents, meta, ilst = Atoms(io.BytesIO(bytes(data))).path(*ITEM_LIST)
    free = meta.children[meta.children.index(ilst) + 1]
    assert free.name == b"free"
    body = b"".join(items)
    region = struct.pack(">I4s", 8 + len(body), b"ilst") + body
    room = ilst.length + free.length - len(region)
    data[ilst.offset : free.offset + free.length] = region + struct.pack(">I4s", room, b"free") + bytes(room - 8)
    path.write_bytes(bytes(data))


def widen_mp4(path: Path) -> None:
    """Give the ``moov``, ``udta``, ``meta`` and ``ilst`` atoms of ``path`` (an M4A whose ``moov`` ends the file, so
    that nothing after them moves) the 64-bit form of their size, as a writer of large files may."""
    data = bytearray(path.read_bytes())
    atoms = Atoms(io.BytesIO(bytes(data)))
    assert atoms.atoms[-1].name == b"moov"
    holding = atoms.path(*ITEM_LIST)
    for depth, atom in reversed(list(enumerate(holding))):  # the innermost first: the offsets before it stay
        wider = 8 * (len(holding) - depth)  # its own header's 8 bytes more, and those of the atoms it holds
        data[atom.offset : atom.offset + 8] = struct.pack(">I4sQ", 1, atom.name, atom.length + wider)
    path.write_bytes(bytes(data))


def udta_first(path: Path) -> None:
    """Put the ``udta`` atom of ``path``'s ``moov`` right after its ``mvhd``, before the traks, as some muxers order
    them: ``moov`` keeps its size, so nothing else moves."""
    data = path.read_bytes()
    children = Atoms(io.BytesIO(data))[b"moov"].children
    parts = {atom.name: data[atom.offset : atom.offset + atom.length] for atom in children}
    assert list(parts) == [b"mvhd", b"trak", b"udta"]
    start, end = children[0].offset, children[-1].offset + children[-1].length
    path.write_bytes(data[:start] + parts[b"mvhd"] + parts[b"udta"] + parts[b"trak"] + data[end:])


def untagged_moov_to_the_end(path: Path) -> None:
    """Take the ``udta`` atom (the tags) out of the ``moov`` atom that ends ``path`` (FFmpeg's layout, so nothing else
    moves), and give the ``moov`` the size 0 that says it runs to the end of the file, as the standard allows."""
    data = path.read_bytes()
    moov = Atoms(io.BytesIO(data)).atoms[-1]
    udta = next(atom for atom in moov.children if atom.name == b"udta")
    assert moov.name == b"moov" and udta.offset + udta.length == len(data)
    path.write_bytes(data[: moov.offset] + bytes(4) + data[moov.offset + 4 : udta.offset])


def take_out_mp4_atom(path: Path, names: Sequence[bytes]) -> None:
    """Take the atom at ``names`` (a path of atom names from the top: ``moov.udta``) out of ``path``, as a muxer that
    writes no tags leaves the file, the atoms holding it shrinking with it.  Nothing else moves: the ``moov`` ends the
    file, or (FFmpeg's faststart layout) the ``free`` atom after it takes the room, before the ``mdat``."""
    data = path.read_bytes()
    *holders, gone = Atoms(io.BytesIO(data)).path(*names)
    taken = gone.length
    kept = bytearray(data[: gone.offset] + data[gone.offset + taken :])
    for atom in holders:
        kept[atom.offset : atom.offset + 4] = struct.pack(">I", atom.length - taken)
    end = holders[0].offset + holders[0].length - taken
    if end < len(kept):
        size, name = struct.unpack_from(">I4s", kept, end)
        assert name == b"free"
        kept[end : end + 4] = struct.pack(">I", size + taken)
        kept[end + size : end + size] = bytes(taken)
    path.write_bytes(bytes(kept))


def genre_as_its_id3v1_number(path: Path, number: int) -> None:
    """Put a ``gnre`` item of ID3v1 genre ``number`` in the place of the ``©gen`` item of ``path`` (an FFmpeg M4A whose
    ``moov`` ends the file), as iTunes once wrote a genre: the number plus one, in 16 bits.  The atoms holding the list
    shrink with it; nothing else moves."""
    data = path.read_bytes()
    *holders, ilst = Atoms(io.BytesIO(data)).path(*ITEM_LIST)
    assert holders[0].offset + holders[0].length == len(data)
    item = next(atom for atom in ilst.children if atom.name == b"\xa9gen")
    gnre = struct.pack(">I4sI4s2IH", 26, b"gnre", 18, b"data", 0, 0, number + 1)
    changed = bytearray(data[: item.offset] + gnre + data[item.offset + item.length :])
    for atom in (*holders, ilst):
        changed[atom.offset : atom.offset + 4] = struct.pack(">I", atom.length + len(gnre) - item.length)
    path.write_bytes(bytes(changed))


def lengthen_mp4_atom(path: Path, names: Sequence[bytes], by: int) -> None:
    """Make the atom at ``names`` (a path of atom names from the top) say it is ``by`` bytes longer than it is, as a
    damaged file's may: it then takes in the start of the atom after it."""
    data = bytearray(path.read_bytes())
    atom = Atoms(io.BytesIO(bytes(data))).path(*names)[-1]
    data[atom.offset : atom.offset + 4] = struct.pack(">I", atom.length + by)
    path.write_bytes(bytes(data))


def monkeys_audio(folder: Path, *, name: str = "ape", seconds: float = 1.0) -> Path:
    """A Monkey's Audio file laid out as Monkey's Audio 3.99 (and Debian's jmac) writes one, without an encoder:
    the ``MAC `` descriptor, the header (16-bit stereo at 48 kHz, in one frame), the seek table, the WAV header
    a decoder gives back, and the frame data.  The frame data are stand-in bytes no decoder would play: mutagen
    reads the descriptor and header alone (their first 76 bytes), and tagging and the payload check keep the
    frames' bytes without reading them, so the tagging tests run on .ape files where no encoder is installed."""
    blocks = round(seconds * SR)
    frames = random.Random(0).randbytes(blocks)  # about what 16-bit stereo at level 2 compresses to
    seek_table = struct.pack("<I", 52 + 24 + 4 + 44)  # where the one frame starts
    wav_header = b"RIFF" + struct.pack(
        "<I4s4sIHHIIHH4sI", 36 + 4 * blocks, b"WAVE", b"fmt ", 16, 1, 2, SR, 4 * SR, 4, 16, b"data", 4 * blocks
    )
    descriptor = b"MAC " + struct.pack(
        "<HH7I16s", 3990, 0, 52, 24, len(seek_table), len(wav_header), len(frames), 0, 0, bytes(16)
    )
    header = struct.pack("<HHIIIHHI", 2000, 0, 73728, blocks, 1, 16, 2, SR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ape"
    path.write_bytes(descriptor + header + seek_table + wav_header + frames)
    return path


def ogg_speex(folder: Path, *, name: str = "spx", seconds: float = 1.0) -> Path:
    """An Ogg Speex file laid out as speexenc writes one, without an encoder (FFmpeg's libspeex is not in PyAV): the
    80-byte Speex header (16 kHz mono, 320-sample frames, no extra headers) on the first page, the comment packet
    (``speexenc`` as vendor, a title) on the second, then a 38-byte packet a frame.  The packets are stand-in bytes
    no decoder would play: mutagen reads the header and the last page's granule alone, and tagging and the payload
    check keep the audio packets' bytes without reading them."""
    rate, frame = 16000, 320
    header = (
        b"Speex   " + b"1.2.1".ljust(20, b"\0") + struct.pack("<13i", 1, 80, rate, 1, 4, 1, -1, frame, 0, 1, 0, 0, 0)
    )
    vendor, title = b"speexenc", b"TITLE=A title"
    comments = struct.pack("<I", len(vendor)) + vendor + struct.pack("<2I", 1, len(title)) + title
    rng = random.Random(0)
    frames = [rng.randbytes(38) for _ in range(round(seconds * rate / frame))]
    pages, granule = [], 0
    for sequence, packets in enumerate(
        [[header], [comments], *(frames[i : i + 50] for i in range(0, len(frames), 50))]
    ):
        page = OggPage()
        page.serial, page.sequence, page.packets = 0x5EEC, sequence, packets
        if sequence >= 2:
            granule += frame * len(packets)
        page.position, page.first = granule, sequence == 0
        pages.append(page)
    pages[-1].last = True
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.spx"
    path.write_bytes(b"".join(page.write() for page in pages))
    return path


def apev2_file(folder: Path, fmt: str) -> Path:
    """A file whose tags are APEv2, without a tag: WavPack (``wv``, encoded by FFmpeg, whose tag is deleted), Monkey's
    Audio (``ape``, :func:`monkeys_audio`) or Musepack (``mpc``, encoded by ``mpcenc``: the test skips without it)."""
    if fmt == "ape":
        return monkeys_audio(folder)
    if fmt == "mpc":
        folder.mkdir(parents=True, exist_ok=True)
        path = write_musepack(folder / "mpc.mpc", music(sr=SR, seconds=1.0), SR)
        if path is None:
            pytest.skip(
                "no Musepack encoder: Debian's musepack-tools has mpcenc (FFmpeg decodes Musepack, not encodes it)"
            )
        return path
    path = make_file(folder, fmt)
    delete_apev2(path)  # FFmpeg's muxer wrote one, naming itself
    return path


def ape_item(key: str, value: bytes, *, kind: int = 0, read_only: bool = False) -> bytes:
    """An APEv2 item as stored: value length, flags (kind in bits 1-2, read-only in bit 0), key, NUL, value."""
    return struct.pack("<2I", len(value), kind << 1 | read_only) + key.encode() + b"\0" + value


def ape_tag(items: list[bytes], *, header: bool = True, version: int = 2000) -> bytes:
    """An APE tag of ``items`` in their order: header (or none, as some writers and APEv1 leave out), items, footer."""
    body = b"".join(items)
    sizes = struct.pack("<3I", version, len(body) + 32, len(items))
    flags = (1 << 31) if header else 0
    head = b"APETAGEX" + sizes + struct.pack("<I", flags | 1 << 29) + bytes(8) if header else b""
    return head + body + b"APETAGEX" + sizes + struct.pack("<I", flags) + bytes(8)


ID3V1_TAG = b"TAG" + b"An old song".ljust(30, b"\0") + bytes(94) + b"\x08"


def pretag(path: Path, *, genres: Sequence[str] = (), title: str = "A title", artist: str = "An artist") -> None:
    """Give ``path`` a title, artist, album and ``genres`` the way other taggers would (ID3 as v2.4)."""
    audio = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if isinstance(audio, MP4):
        tags["©nam"], tags["©ART"], tags["©alb"] = [title], [artist], ["An album"]
        if genres:
            tags["©gen"] = list(genres)
    elif hasattr(tags, "getall"):  # ID3
        for frame in (
            TIT2(encoding=3, text=[title]),
            TPE1(encoding=3, text=[artist]),
            TALB(encoding=3, text=["An album"]),
        ):
            tags.add(frame)
        if genres:
            tags.add(TCON(encoding=3, text=list(genres)))
    else:  # Vorbis comments, APEv2 (whose keys are case-insensitive)
        tags["title"], tags["artist"], tags["album"] = [title], [artist], ["An album"]
        if genres:
            tags["genre"] = list(genres)
    audio.save()


def native_genres(path: Path) -> list[str]:
    """The genre values exactly as stored, read with mutagen: TCON text, GENRE fields, ©gen list."""
    tags = mutagen.File(path).tags
    if tags is None:
        return []
    if hasattr(tags, "getall"):
        return [text for frame in tags.getall("TCON") for text in frame.text]
    if isinstance(tags, MP4Tags):
        return list(tags.get("©gen", []))
    return list(tags.get("genre", []))


def native_tags(path: Path) -> dict[str, list[str]]:
    """Every tag of the file as ``key → text values`` (the whole tag state, for exact comparisons)."""
    tags = mutagen.File(path).tags
    if tags is None:
        return {}
    if hasattr(tags, "getall"):
        return {frame.HashKey: [str(v) for v in getattr(frame, "text", [frame])] for frame in tags.values()}
    if isinstance(tags, MP4Tags):
        return {key: [str(v) for v in value] for key, value in tags.items()}
    if isinstance(tags, APEv2):
        return {key: list(value) if isinstance(value, APETextValue) else [repr(value)] for key, value in tags.items()}
    return {key: tags[key] for key in sorted({key.lower() for key, _ in tags})}


# Where mood and grouping live, spelt out here independently of the registry (tags/formats.py).
NATIVE_KEYS = {
    "mood": {"id3": "TMOO", "vorbis": "mood", "mp4": "----:com.apple.iTunes:MOOD", "ape": "Mood"},
    "grouping": {"id3": "TIT1", "vorbis": "grouping", "mp4": "©grp", "ape": "Grouping"},
}


def _family(tags: object) -> str:
    if isinstance(tags, APEv2):
        return "ape"
    return "id3" if hasattr(tags, "getall") else "mp4" if isinstance(tags, MP4Tags) else "vorbis"


def pretag_field(path: Path, field: str, values: Sequence[str]) -> None:
    """Give ``path`` ``values`` in ``field`` (mood, grouping) natively, as another tagger would (ID3 as v2.4)."""
    audio = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    key = NATIVE_KEYS[field][_family(audio.tags)]
    if _family(audio.tags) == "id3":
        audio.tags.add(Frames[key](encoding=3, text=list(values)))
    elif key.startswith("----"):
        audio.tags[key] = [MP4FreeForm(value.encode()) for value in values]
    else:
        audio.tags[key] = list(values)
    audio.save()


def native_values(path: Path, field: str) -> list[str]:
    """The values of ``field`` (mood, grouping) exactly as stored, read with mutagen."""
    tags = mutagen.File(path).tags
    if tags is None:
        return []
    key = NATIVE_KEYS[field][_family(tags)]
    if _family(tags) == "id3":
        return [text for frame in tags.getall(key) for text in frame.text]
    return [value.decode() if isinstance(value, bytes) else str(value) for value in tags.get(key, [])]


UNKNOWN_FRAME = b"XTST" + (11).to_bytes(4, "big") + b"\x00\x00" + b"kept as is!"
"""A frame of a tagger mutagen does not know, as it wrote it into an ID3v2.3 tag."""


def synchsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def insert_first_frame(path: Path, frame: bytes) -> None:
    """Put ``frame`` (raw bytes) first in ``path``'s ID3v2.3 tag, growing the tag's size to hold it."""
    data = bytearray(path.read_bytes())
    size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    data[10:10] = frame
    data[6:10] = synchsafe(size + len(frame))
    path.write_bytes(bytes(data))


def v23_mp3(folder: Path) -> Path:
    """An MP3 tagged by an older program: an ID3v2.3 tag with a date in TYER/TDAT and a frame mutagen does not know."""
    path = make_file(folder, "mp3", name="old")
    audio = mutagen.File(path)
    audio.add_tags()
    for frame in (
        TIT2(encoding=1, text=["An old song"]),
        TYER(encoding=0, text=["1999"]),
        TDAT(encoding=0, text=["2403"]),
        TCON(encoding=0, text=["Jazz"]),
    ):
        audio.tags.add(frame)
    audio.save(v2_version=3)
    insert_first_frame(path, UNKNOWN_FRAME)
    assert ID3(path).version == (2, 3, 0) and UNKNOWN_FRAME in path.read_bytes()
    return path


def id3_frame(frame_id: str, body: bytes, major: int, *, flags: bytes = b"\0\0") -> bytes:
    """A raw ID3v2.``major`` frame: its size synchsafe in v2.4, a plain integer in v2.3."""
    size = synchsafe(len(body)) if major == 4 else len(body).to_bytes(4, "big")
    return frame_id.encode("ascii") + size + flags + body


def id3_tag(major: int, frames: Sequence[bytes], *, padding: int) -> bytes:
    """A raw ID3v2.``major`` tag of ``frames`` and ``padding`` zeros."""
    body = b"".join(frames) + bytes(padding)
    return b"ID3" + bytes([major, 0, 0]) + synchsafe(len(body)) + body


def with_id3_tag(folder: Path, fmt: str, tag: bytes) -> Path:
    """A second of music as ``fmt`` (``mp3``, ``wav``, ``aiff``) holding the raw ID3v2 ``tag`` as another tagger wrote
    it: before an MP3's audio, in a WAV's ``id3`` chunk or an AIFF's ``ID3`` chunk after the audio's."""
    path = make_file(folder, fmt, seconds=1.0)
    data = path.read_bytes()
    if fmt == "mp3":
        path.write_bytes(tag + data)
        return path
    order = "little" if fmt == "wav" else "big"
    chunk = (b"id3 " if fmt == "wav" else b"ID3 ") + len(tag).to_bytes(4, order) + tag + bytes(len(tag) % 2)
    whole = data + chunk
    path.write_bytes(whole[:4] + (len(whole) - 8).to_bytes(4, order) + whole[8:])
    return path


def id3_frames(path: Path, major: int) -> tuple[list[bytes], int]:
    """The frames of ``path``'s ID3v2.``major`` tag, each as stored (header and body), and where the tag ends."""
    data = path.read_bytes()
    start = data.index(b"ID3" + bytes([major, 0]))
    end = start + 10 + sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[start + 6 : start + 10]))
    frames, position = [], start + 10
    while position < end and data[position]:
        size_bytes = data[position + 4 : position + 8]
        size = sum(b << (7 * (3 - i)) for i, b in enumerate(size_bytes)) if major == 4 else int.from_bytes(size_bytes)
        frames.append(data[position : position + 10 + size])
        position += 10 + size
    return frames, end

"""A WAV file's RIFF ``LIST/INFO`` chunk: the title, artist, album and genre broadcast and archive tools write.

mutagen reads a WAV's ID3 chunk but not its INFO chunk, where Sound Forge, Audition, BWF tools and
libsndfile keep their tags.  The library shows those where the ID3 chunk has none, and tagging must know
that a genre is there: it writes ID3 only, and a second, different genre beside the INFO one would leave
the file saying two things.  Read only.
"""

from __future__ import annotations

from pathlib import Path

from musictagger.tags.riff_structure import HEADER_BYTES, chunks

INFO_FIELDS = {"title": b"INAM", "artist": b"IART", "album": b"IPRD", "genre": b"IGNR"}
"""Our field names and the INFO chunk ids that hold them."""
_MAX_INFO_BYTES = 1 << 20  # a LIST chunk larger than this is not a tag list: it is not read


def read_riff_info(path: Path) -> dict[str, str]:
    """The fields of :data:`INFO_FIELDS` that ``path``'s INFO chunks hold (empty when it is not a RIFF WAVE
    file or has none).  A file may have several (FFmpeg writes one with its own name; another tool adds a
    second with the genre): the first value of each field wins.  A damaged chunk ends the reading."""
    found: dict[str, str] = {}
    try:
        with open(path, "rb") as file:
            header = file.read(HEADER_BYTES)
            if len(header) < HEADER_BYTES or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                return {}
            for chunk in chunks(file):
                if chunk.id == b"LIST" and 4 <= chunk.size <= _MAX_INFO_BYTES:
                    file.seek(chunk.start)
                    body = file.read(chunk.size)
                    if body[:4] == b"INFO":
                        found = _fields(body[4:]) | found
    except OSError:
        return found
    return found


def _fields(body: bytes) -> dict[str, str]:
    """The INFO subchunks of ``body`` that :data:`INFO_FIELDS` names, as text."""
    wanted = {chunk_id: field for field, chunk_id in INFO_FIELDS.items()}
    found: dict[str, str] = {}
    for chunk in chunks(body, 0):
        if chunk.id in wanted and (text := _text(body[chunk.start : chunk.start + chunk.size])):
            found[wanted[chunk.id]] = text
    return found


def _text(data: bytes) -> str:
    """A NUL-terminated INFO string: UTF-8 where it decodes as such, else Latin-1 (what older tools wrote)."""
    raw = data.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()

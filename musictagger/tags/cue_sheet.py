"""CD images: one file holding a whole disc, whose tracks a cue sheet lists.

A rip kept as an image (EAC's or XLD's "image + CUE") is one FLAC, WavPack or Monkey's Audio file per disc, with a
``.cue`` file beside it, or the cue sheet inside it (a FLAC CUESHEET block, a ``CUESHEET`` Vorbis comment or APEv2
item, as foobar2000 embeds it).  Analysed as a file, it is one track an hour long: its verdict and its matches are
the disc's, which a user who sees one row must be told.  :func:`disc_image_tracks` counts the tracks of such a file.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import mutagen
from mutagen.flac import FLAC, CueSheet, VCFLACDict

from musictagger.tags.flac_structure import CUESHEET, VORBIS_COMMENT, metadata_blocks

# Lines of a cue sheet: ``FILE "Album.flac" WAVE`` opens a file's tracks, ``TRACK 01 AUDIO`` each (a data CD's
# ``TRACK 01 MODE1/2352`` holds no audio).
_LINE = re.compile(r'^\s*(?:FILE\s+"?(?P<file>[^"\r\n]+?)"?\s+\S+|TRACK\s+\d+\s+(?P<kind>\S+))\s*$', re.IGNORECASE)

# The most of a cue sheet read: a disc's, even with every track's REM lines, is a few kilobytes.
_MOST_CUE_BYTES = 1 << 20

# The embedded cue sheet's keys (case-insensitive in both families).
_EMBEDDED_KEY = "cuesheet"

# A FLAC CUESHEET block's lead-out "track", numbered 170 on a CD (255 otherwise), holds no audio.
_LEAD_OUT = frozenset({170, 255})


@dataclass(frozen=True)
class DiscImage:
    """A file holding ``tracks`` tracks of a disc, as ``listed_by`` (a cue sheet's name, or words) says."""

    tracks: int
    listed_by: str

    @property
    def note(self) -> str:
        """What an analysis of the file says of it."""
        return (
            f"a CD image: {self.listed_by} lists {self.tracks} tracks in this file, analysed as one track "
            "(the verdict and the matches are the whole disc's)"
        )


def _cue_text(data: bytes) -> str:
    """A cue sheet's text: UTF-8 (with or without its byte-order mark), else the Windows code page EAC wrote it in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def sheet_lines(text: str) -> Iterator[tuple[str | None, str | None]]:
    """The FILE and TRACK lines of ``text``, a cue sheet, in order: ``(file named, None)`` for a FILE line,
    ``(None, track kind)`` (``AUDIO``, ``MODE1/2352`` …) for a TRACK line."""
    for line in text.splitlines():
        if match := _LINE.match(line):
            yield match["file"], match["kind"]


def _audio(kind: str | None) -> bool:
    return kind is not None and kind.upper() == "AUDIO"


def _tracks_for(lines: Iterable[tuple[str | None, str | None]], path: Path) -> int:
    """The audio tracks a cue sheet's ``lines`` (:func:`sheet_lines`) list in ``path``: those under a FILE line naming
    it, or naming a file of its stem (EAC writes ``Album.wav`` into the sheet of the WAV it then compressed to
    ``Album.flac``)."""
    names = {path.name.casefold(), path.stem.casefold()}
    tracks, mine = 0, False
    for file, kind in lines:
        if file is not None:
            named = Path(file.replace("\\", "/")).name.casefold()
            mine = named in names or Path(named).stem in names
        elif mine and _audio(kind):
            tracks += 1
    return tracks


@lru_cache(maxsize=16)
def _cue_sheets(folder: Path, _changed_ns: int) -> tuple[str, ...]:
    """The ``.cue`` files of ``folder`` as it was when last changed at ``_changed_ns``: listed once per folder, not
    once per file (a folder of 2,000 tracks on a network share was listed 2,000 times, each listing slower than the
    last), and again when a file is added, removed or renamed there."""
    with os.scandir(folder) as entries:
        return tuple(sorted(entry.path for entry in entries if entry.name.lower().endswith(".cue") and entry.is_file()))


@lru_cache(maxsize=16)
def _sheet(path: str, _changed_ns: int, _size: int) -> tuple[tuple[str | None, str | None], ...]:
    """The FILE and TRACK lines (:func:`sheet_lines`) of the cue sheet at ``path`` as it was when last changed at
    ``_changed_ns``: read once for the files beside it, not once per file (an album's 12 tracks each read Album.cue),
    and again when it is changed.  OSError when it cannot be read."""
    with open(path, "rb") as file:
        return tuple(sheet_lines(_cue_text(file.read(_MOST_CUE_BYTES))))


def _beside(path: Path) -> DiscImage | None:
    """The tracks a ``.cue`` file in ``path``'s folder lists in it."""
    try:
        sheets = _cue_sheets(path.parent, path.parent.stat().st_mtime_ns)
    except OSError:
        return None
    for sheet in sheets:
        try:
            version = os.stat(sheet)
            lines = _sheet(sheet, version.st_mtime_ns, version.st_size)
        except OSError:
            continue
        if (tracks := _tracks_for(lines, path)) > 1:
            return DiscImage(tracks, Path(sheet).name)
    return None


def _embedded(path: Path) -> DiscImage | None:
    """The tracks a cue sheet inside ``path`` lists: a FLAC CUESHEET block, or a ``CUESHEET`` tag.  Of a FLAC file
    only those two blocks are read (mutagen would read them all: a cover's megabytes, for every track of a library
    analysed); other files are read by mutagen."""
    try:
        with open(path, "rb") as file:
            blocks = metadata_blocks(file, (CUESHEET, VORBIS_COMMENT))
        if blocks is None:
            audio = mutagen.File(path)
            cuesheet, tags = (audio.cuesheet if isinstance(audio, FLAC) else None), getattr(audio, "tags", None)
        else:
            cuesheet = CueSheet(blocks[CUESHEET]) if CUESHEET in blocks else None
            tags = VCFLACDict(blocks[VORBIS_COMMENT]) if VORBIS_COMMENT in blocks else None
    except (mutagen.MutagenError, OSError, ValueError, struct.error):  # damaged: the decoders will say so
        return None
    if cuesheet is not None:
        tracks = sum(track.track_number not in _LEAD_OUT for track in cuesheet.tracks)
        if tracks > 1:
            return DiscImage(tracks, "its CUESHEET block")
    for key in tags.keys() if tags is not None else ():
        if key.casefold() == _EMBEDDED_KEY:
            value = tags[key]  # a Vorbis comment's list of values, or an APEv2 item
            text = value[0] if isinstance(value, list) else str(value)
            tracks = sum(_audio(kind) for _file, kind in sheet_lines(text))
            if tracks > 1:
                return DiscImage(tracks, "its embedded cue sheet")
    return None


# The formats a disc is kept whole in; an MP3 or AAC of a whole disc is rare, and needs a cue sheet beside it.
_IMAGE_SUFFIXES = frozenset({".flac", ".wv", ".ape"})


def disc_image_tracks(path: Path) -> DiscImage | None:
    """How many tracks ``path`` holds as a CD image (two or more, by a cue sheet beside it or inside it), else None."""
    found = _beside(path)
    if found is None and path.suffix.lower() in _IMAGE_SUFFIXES:
        found = _embedded(path)
    return found

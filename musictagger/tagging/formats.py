"""Writing genres into files' tags with mutagen, on the read-only registry of :mod:`musictagger.tags.formats`.

Multiple genres are stored as separate values wherever the format allows: ID3v2.4 TCON with
several (null-separated) strings, several Vorbis ``GENRE`` fields, an MP4 ``©gen`` list.
ID3v2.3 has no multi-value text frames, so — like mutagen and Picard — several genres are joined
with ``/`` there (and split on ``/`` when read, see :class:`musictagger.tags.formats.Id3Family`).
:func:`detect` here gives a :class:`WritableFormat`: the file's tag format with ``write_genres``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen.id3 import TCON

from musictagger.errors import TagWriteError
from musictagger.tags import formats as read_side
from musictagger.tags.formats import Id3Family, Id3Version, TagFormat, TagSummary, read_genres, read_tags

__all__ = [
    "Id3Version",
    "TagFormat",
    "TagSummary",
    "WritableFormat",
    "detect",
    "is_taggable",
    "read_genres",
    "read_tags",
]

TAGGABLE_EXTENSIONS = frozenset({".mp3", ".wav", ".aif", ".aiff", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4"})


def is_taggable(path: Path) -> bool:
    """True when the extension names a format whose genre we can write (the header decides the family)."""
    return Path(path).suffix.lower() in TAGGABLE_EXTENSIONS


@dataclass(frozen=True)
class WritableFormat(TagFormat):
    """A file's tag format (see :class:`~musictagger.tags.formats.TagFormat`) that can also write its genres."""

    @classmethod
    def of(cls, tag_format: TagFormat) -> WritableFormat:
        return cls(tag_format.family, tag_format.file_type)

    def write_genres(self, path: Path, genres: Sequence[str], id3_version: Id3Version = Id3Version.V24) -> None:
        """Set the file's genres in place, keeping every other tag (callers write to a copy, see ``apply``)."""
        audio = self.load(path)
        id3 = isinstance(self.family, Id3Family)
        (_set_id3_genres if id3 else _set_listed_genres)(audio, self.family.fields["genre"], genres)
        try:
            if id3 and not audio.tags:  # nothing left (undo of a file that had no tags): drop the tag block
                audio.delete()
            elif id3:
                audio.save(v2_version=id3_version.minor, v23_sep=Id3Family.V23_SEPARATOR)
            else:
                audio.save()
        except (mutagen.MutagenError, OSError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TagWriteError(path, f"cannot write its {self.family.name} tags ({reason})") from exc


def _set_listed_genres(audio: mutagen.FileType, key: str, genres: Sequence[str]) -> None:
    """Key → list-of-values tags (Vorbis comments, MP4 atoms): one value per genre, no field for none."""
    if audio.tags is None:
        audio.add_tags()
    if key in audio.tags:
        del audio.tags[key]
    if genres:
        audio.tags[key] = list(genres)


def _set_id3_genres(audio: mutagen.FileType, key: str, genres: Sequence[str]) -> None:
    """One TCON frame with a string per genre (joined with ``/`` when saved as v2.3)."""
    if audio.tags is None:
        audio.add_tags()
    audio.tags.delall(key)
    if genres:
        audio.tags.add(TCON(encoding=3, text=list(genres)))


def detect(path: Path) -> WritableFormat:
    """The tag format of ``path``, writable (TagReadError naming the file when unknown or unreadable)."""
    return WritableFormat.of(read_side.detect(path))

"""A registry of tag families: reading a file's tags (title, artist, album, genres, mood, grouping) with mutagen.

Read-only: writing genres lives in :mod:`musictagger.tagging.formats`, on top of this.
One small class per tag family, as Picard does: ID3 (MP3, WAV, AIFF), Vorbis comments (FLAC,
Ogg Vorbis, Opus), MP4 atoms (M4A/MP4), APEv2 (WavPack, Monkey's Audio, Musepack) and ASF attributes (WMA).  A file is taggable by its extension, and its family
is then found by sniffing its header (``mutagen.File``), so an ``.mp3`` that is really a FLAC file
is read (and tagged) as FLAC.  Every mutagen call of the package lives in ``tags/`` and ``tagging/``.

Multiple genres are stored as separate values wherever the format allows: ID3v2.4 TCON with
several (null-separated) strings, several Vorbis ``GENRE`` fields, an MP4 ``©gen`` list, an APEv2
``Genre`` item's null-separated values, several ASF ``WM/Genre`` attributes.  ID3v2.3 has no multi-value text frames, so — like mutagen and Picard — several genres are joined
with ``/`` there, and a v2.3 TCON is split on ``/`` when read; reading and writing v2.3 thus
round-trip, at the price of a v2.3 genre that itself contains ``/`` being read as two genres.
ID3 genres are read as mutagen interprets them, so a numeric ID3v1 reference such as ``(17)`` is
read (and therefore restored by undo) as its name, ``Rock``; so is a Vorbis comment's, an APEv2 item's (an MP3's
APEv2 tag's too) or an MP4 ``©gen`` item's genre that begins with one, ``(17)`` or ``(17)Rock``, as older taggers
wrote them there (:func:`id3_genres`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

import mutagen
from mutagen._constants import GENRES
from mutagen.aiff import AIFF
from mutagen.apev2 import APETextValue, APEv2
from mutagen.asf import ASF, UNICODE
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TCON, ID3NoHeaderError
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.musepack import Musepack
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from musictagger.errors import TagReadError
from musictagger.tags.ape_structure import read_ape_tag
from musictagger.tags.id3_structure import HEADER_BYTES, id3v2_damage, leading_tag_size
from musictagger.tags.riff_info import INFO_FIELDS, read_riff_info

LABEL_FIELDS = ("genre", "mood", "grouping")
"""The one-value-per-track fields a personal model learns (``musictagger learn --field``) and tagging writes.

Both sides reach a field's native key through the same :attr:`TagFamily.fields` maps below."""


class Id3Version(StrEnum):
    """The ID3v2 revision written into MP3, WAV and AIFF files."""

    V23 = "v2.3"
    V24 = "v2.4"

    @property
    def minor(self) -> int:
        """The ``v2_version`` mutagen expects (3 or 4)."""
        return int(self.value[-1])


@dataclass(frozen=True)
class TagSummary:
    """What the library index and the window show of a file's tags (None/empty where absent)."""

    title: str | None
    artist: str | None
    album: str | None
    genres: tuple[str, ...]


class TagFamily:
    """How one family of tag formats stores the fields we read."""

    name: ClassVar[str]
    file_types: ClassVar[tuple[type[mutagen.FileType], ...]]
    fields: ClassVar[Mapping[str, str]]
    """Our field names (title, artist, album, genre, mood, grouping) → the family's native keys: the one
    field↔frame map, which the library, learning and tagging all read and write through."""

    def values(self, audio: mutagen.FileType, field: str) -> tuple[str, ...]:
        """Every value of ``field`` in the file's tags, as text."""
        tags = audio.tags
        key = self.fields[field]
        if tags is None or key not in tags:
            return ()
        # MP4 freeform atoms (mood) hold bytes; every other value reads as text.
        return tuple(
            value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value) for value in tags[key]
        )

    def genres(self, audio: mutagen.FileType) -> tuple[str, ...]:
        """The file's genres: its genre values, one beginning with an ID3v1 number read as ID3 reads it
        (:func:`id3v1_referenced`); ID3 itself reads its own frame (:class:`Id3Family`)."""
        return id3v1_referenced(self.values(audio, "genre"))

    def labels(self, audio: mutagen.FileType, field: str) -> tuple[str, ...]:
        """The values of label field ``field`` (:data:`LABEL_FIELDS`) as tagging writes them."""
        return self.genres(audio) if field == "genre" else self.values(audio, field)


class Id3Family(TagFamily):
    """ID3v2 in MP3 files and in the ``ID3`` chunk of WAV and AIFF files."""

    name = "ID3"
    file_types = (MP3, WAVE, AIFF)
    fields: ClassVar[Mapping[str, str]] = {
        "title": "TIT2",
        "artist": "TPE1",
        "album": "TALB",
        "genre": "TCON",
        "mood": "TMOO",
        "grouping": "TIT1",
    }
    V23_SEPARATOR = "/"

    def genres(self, audio: mutagen.FileType) -> tuple[str, ...]:
        tags = audio.tags
        if tags is None or "TCON" not in tags:
            return ()
        return self._split_v23(audio, id3_genres(tags["TCON"].text))

    def labels(self, audio: mutagen.FileType, field: str) -> tuple[str, ...]:
        """As for every family, and a v2.3 frame is split on ``/`` (its several values were joined so)."""
        if field == "genre":
            return self.genres(audio)
        if audio.tags is None:  # a file with no ID3 tag yet
            return ()
        return self._split_v23(audio, self.values(audio, field))

    def _split_v23(self, audio: mutagen.FileType, values: Sequence[str]) -> tuple[str, ...]:
        if audio.tags.version < (2, 4, 0):
            values = [part for value in values for part in value.split(self.V23_SEPARATOR)]
        return tuple(value for value in values if value)


class VorbisFamily(TagFamily):
    """Vorbis comments in FLAC, Ogg Vorbis, Opus and Speex files: one ``GENRE`` field per genre (one beginning with an
    ID3v1 number, ``(17)Rock``, read as ID3 reads it: :func:`id3v1_referenced`)."""

    name = "Vorbis comments"
    file_types = (FLAC, OggVorbis, OggOpus, OggSpeex)
    fields: ClassVar[Mapping[str, str]] = {
        "title": "title",
        "artist": "artist",
        "album": "album",
        "genre": "GENRE",
        "mood": "MOOD",
        "grouping": "GROUPING",
    }


class Mp4Family(TagFamily):
    """iTunes-style MP4 metadata atoms (M4A, MP4): a ``©gen`` list (a value beginning with an ID3v1 number read as
    Vorbis comments' are, :func:`id3v1_referenced`)."""

    name = "MP4"
    file_types = (MP4,)
    fields: ClassVar[Mapping[str, str]] = {
        "title": "©nam",
        "artist": "©ART",
        "album": "©alb",
        "genre": "©gen",
        "mood": "----:com.apple.iTunes:MOOD",
        "grouping": "©grp",
    }


class ApeFamily(TagFamily):
    """APEv2 tags ending WavPack, Monkey's Audio and Musepack files: a ``Genre`` item of null-separated values.

    Keys are case-insensitive (``GENRE`` is ``Genre``); an item holding binary data or an external
    reference has no text values.  (TTA files carry APEv2 tags too, where foobar2000 and Picard write them,
    but mutagen reads a TTA file's ID3v2 tag instead, so they are not tagged.)"""

    name = "APEv2"
    file_types = (WavPack, MonkeysAudio, Musepack)
    fields: ClassVar[Mapping[str, str]] = {
        "title": "Title",
        "artist": "Artist",
        "album": "Album",
        "genre": "Genre",
        "mood": "Mood",
        "grouping": "Grouping",
    }

    def values(self, audio: mutagen.FileType, field: str) -> tuple[str, ...]:
        value = audio.tags.get(self.fields[field]) if audio.tags is not None else None
        return tuple(value) if isinstance(value, APETextValue) else ()


class AsfFamily(TagFamily):
    """The attributes of a WMA (ASF) file's header: ``WM/Genre`` attributes, the first in its Extended Content
    Description object, where Windows Media Player, foobar2000 and FFmpeg read it, the others in its Metadata Library
    object (:mod:`~musictagger.tags.asf_structure`); text values alone, one beginning with an ID3v1 number read as
    Vorbis comments' are (:func:`id3v1_referenced`).

    ``WM/GenreID``, the genre as an ID3v2 TCON reference (``(17)``), is neither read nor written: Windows Media Player 10
    and later ignore it (Microsoft: use ``WM/Genre`` in preference), and so do foobar2000, FFmpeg and mutagen's
    readers; it is kept as the file has it, like every other attribute."""

    name = "ASF"
    file_types = (ASF,)
    fields: ClassVar[Mapping[str, str]] = {
        "title": "Title",
        "artist": "Author",
        "album": "WM/AlbumTitle",
        "genre": "WM/Genre",
        "mood": "WM/Mood",
        "grouping": "WM/ContentGroupDescription",
    }

    def values(self, audio: mutagen.FileType, field: str) -> tuple[str, ...]:
        key = self.fields[field]
        return tuple(str(value) for name, value in audio.tags or () if name == key and value.TYPE == UNICODE)


FAMILIES: tuple[TagFamily, ...] = (Id3Family(), VorbisFamily(), Mp4Family(), ApeFamily(), AsfFamily())


@dataclass(frozen=True)
class TagFormat:
    """A file's tag family and the mutagen class that reads it, found once from the original file.

    A temporary copy is opened with the same class, whatever its name, so the copy is read (and
    tagged) exactly as its original would be.
    """

    family: TagFamily
    file_type: type[mutagen.FileType]

    @property
    def name(self) -> str:
        """E.g. ``"MP3 (ID3)"``."""
        return f"{self.file_type.__name__} ({self.family.name})"

    def load(self, path: Path, *, as_stored: bool = False) -> mutagen.FileType:
        """The file's tags, loaded; TagReadError naming it when they cannot be parsed.

        ``as_stored``: those of the ID3v2 tag alone (mutagen otherwise adds an ID3v1 tag's title, artist, album,
        year, comment, track and genre where the ID3v2 tag has none, and its writer would write them into it); what a
        writer must start from.  ID3 frames are loaded in the revision the file has them in either way: mutagen's
        conversion to v2.4 as it reads deletes the frames v2.4 has no form for, and rewrites a genre frame's text as
        the names it reads there, ``255`` (none: :data:`NO_GENRE`) as ``Unknown``."""
        options = {"translate": False, "load_v1": not as_stored} if isinstance(self.family, Id3Family) else {}
        try:
            return self.file_type(path, **options)
        except (mutagen.MutagenError, OSError, ValueError) as exc:
            raise TagReadError(path, f"cannot read its {self.family.name} tags ({_reason(exc, path)})") from exc

    def read_genres(self, path: Path) -> tuple[str, ...]:
        """The file's genres (empty when it has none)."""
        return self.read_labels(path, "genre")

    def read_labels(self, path: Path, field: str) -> tuple[str, ...]:
        """The values of label field ``field`` (:data:`LABEL_FIELDS`) in the file (empty when it has none).

        TagReadError naming the file when its tags are unreadable or its format has no such field.
        """
        return self.labels_in(self.load(path), path, field)

    def labels_in(self, audio: mutagen.FileType, path: Path, field: str) -> tuple[str, ...]:
        """:meth:`read_labels` of ``audio``, the tags of ``path`` as :meth:`load` loads them."""
        if field not in self.family.fields:
            known = ", ".join(sorted(self.family.fields))
            raise TagReadError(path, f"its {self.family.name} tags have no field {field!r} (known: {known})")
        return self.family.labels(audio, field)

    def read_only_labels(self, path: Path, field: str) -> tuple[tuple[str, ...], str]:
        """Values of ``field`` the file holds where tagging does not write, and where: a WAV's RIFF INFO
        chunks (:mod:`~musictagger.tags.riff_info`; several values separated by ``;``), an MP3's APEv2 tag,
        an ID3v2 tag some taggers put before a FLAC stream, or an ID3v1 tag after it.  ``((), "")`` when there are
        none."""
        if self.file_type is WAVE and field in INFO_FIELDS:
            return info_values(read_riff_info(path), field), "its RIFF INFO chunk"
        try:
            if self.file_type is MP3:
                value = APEv2(path).get(field)  # APEv2 keys are case-insensitive: "Genre", "GENRE"
                text = tuple(value) if isinstance(value, APETextValue) else ()  # not a binary value's repr
                return id3v1_referenced(text) if field == "genre" else text, "its APEv2 tag"
            if self.file_type is FLAC:
                return _id3_labels_beside_flac(path, field)
        except (mutagen.MutagenError, OSError):
            pass  # none there (or unreadable, which that tag's own tools must mend)
        except ValueError as exc:  # damage mutagen does not catch: an APEv2 footer saying the tag is 0 bytes
            where = "its APEv2 tag" if self.file_type is MP3 else "the ID3v2 tag before its FLAC stream"
            raise TagReadError(path, _damage_reason(path, where, exc)) from exc
        return (), ""

    def read_id3_version(self, path: Path) -> Id3Version | None:
        """The ID3v2 revision the file has now, v2.3 for a v2.2 tag (mutagen writes no v2.2); None for other
        families and for a file without an ID3v2 tag (untagged, or an MP3 with an ID3v1 tag alone).

        TagReadError when the tag is damaged (:func:`~musictagger.tags.id3_structure.id3v2_damage`): a
        writer would keep only the frames before the damage, so tagging asks this first."""
        if not isinstance(self.family, Id3Family):
            return None
        if damage := id3v2_damage(path):
            raise TagReadError(path, f"{damage}; rewriting it would lose the frames after the damage")
        return id3_revision(self.load(path).tags)


def _id3_labels_beside_flac(path: Path, field: str) -> tuple[tuple[str, ...], str]:
    """:meth:`TagFormat.read_only_labels` of a FLAC file: the values of ``field`` in an ID3v2 tag some taggers put
    before its stream, or else in an ID3v1 tag after it, and which, so that the preview sends its user to the tag that
    is there (mutagen reads the two as one: an ID3v1 genre as the ID3v2 tag's)."""
    key = Id3Family.fields[field]
    for load_v1, where in (
        (False, "the ID3v2 tag before its FLAC stream"),
        (True, "an ID3v1 tag after its FLAC stream"),
    ):
        try:
            frame = ID3(path, load_v1=load_v1).get(key)
        except ID3NoHeaderError:  # no ID3v2 tag (the first time), nor an ID3v1 one
            continue
        if frame is not None:
            values = frame.genres if field == "genre" else frame.text
            return tuple(str(value) for value in values if value), where
    return (), ""


def id3_revision(tags: ID3 | None) -> Id3Version | None:
    """The ID3v2 revision of tags as loaded (:meth:`TagFormat.load`), v2.3 for a v2.2 tag (mutagen writes no
    v2.2); None for no tag or an ID3v1 tag alone.  A tag without frames has its revision too: an undo gives it
    back."""
    if tags is None or tags.version < (2, 2, 0):
        return None
    return Id3Version.V23 if tags.version < (2, 4, 0) else Id3Version.V24


class NotTaggableError(TagReadError):
    """A file whose extension is that of a format tagging writes, holding one it does not: an Ogg FLAC stream
    (``.oga``, ``.ogg``), an RF64 WAV (a broadcast recorder's, or one past 4 GB).  Tagging skips it as not
    taggable, as it does a ``.tta`` file, rather than count it as failed at every run."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(path, f"not taggable ({kind})")
        self.kind = kind

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        return type(self), (self.path, self.kind)


UNTAGGED_NAMES = {"OggFLAC": "Ogg FLAC", "OggTheora": "Ogg Theora"}
"""How :class:`NotTaggableError` names the mutagen classes of files with a taggable extension whose tags are not
written (other classes by their own names: ``TrueAudio``)."""
RF64_IDS = (b"RF64", b"BW64")
"""The first bytes of a WAV file in the 64-bit RIFF forms (EBU RF64, ITU BW64), which mutagen cannot read."""


def detect(path: Path) -> TagFormat:
    """The tag format of ``path`` (TagReadError naming the file when unknown or unreadable; NotTaggableError when it
    is a format whose tags are not written).

    mutagen weighs the extension and the header; when that fails (an ``.mp3`` that is really a
    FLAC file), the header alone decides.
    """
    return _detected(Path(path))[0]


def _detected(path: Path) -> tuple[TagFormat, mutagen.FileType]:
    """:func:`detect`'s tag format of ``path``, and the file as mutagen loaded it to tell."""
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError) as exc:
        audio = _sniff(path)
        if audio is None and (foreign := _foreign_format(path)):
            raise NotTaggableError(path, foreign) from exc
        if audio is None:
            raise TagReadError(path, f"cannot read its tags ({_reason(exc, path)})") from exc
    if audio is None:
        if foreign := _foreign_format(path):
            raise NotTaggableError(path, foreign)
        raise TagReadError(path, "not a file format whose tags can be read (unrecognised header)")
    for family in FAMILIES:
        if isinstance(audio, family.file_types):
            return TagFormat(family, type(audio)), audio
    name = type(audio).__name__
    raise NotTaggableError(path, UNTAGGED_NAMES.get(name, name))


# The first bytes of recordings in formats tagging does not write, which mutagen does not recognise under a name that
# lies (a Sun AU file named .wav, an ADTS AAC stream named .m4a, a TTA file named .flac) or at all (CAF, Wave64,
# Matroska): such a file is skipped as not taggable, as a .tta or .caf file is, where it failed with mutagen's words
# ("Root chunk must be a RIFF chunk, got .snd") and was counted as failed at every run.  After any ID3v2 tag.
_FOREIGN_IDS = (
    (RF64_IDS, "RF64"),
    ((b".snd",), "Sun AU"),
    ((b"riff",), "Wave64"),
    ((b"caff",), "CAF"),
    ((b"\x1aE\xdf\xa3",), "Matroska"),
    ((b"TTA1", b"TTA2"), "TrueAudio"),
    ((b"ajkg",), "Shorten"),
    ((b"DSD ",), "DSF"),
    ((b"FRM8",), "DSDIFF"),
)


def _foreign_format(path: Path) -> str | None:
    """The format tagging does not write that ``path``'s first bytes say it is (:data:`_FOREIGN_IDS`, or an ADTS
    AAC stream's frame sync), if any (None too when it cannot be read)."""
    try:
        with open(path, "rb") as file:
            file.seek(leading_tag_size(file.read(HEADER_BYTES)))
            head = file.read(4)
    except OSError:
        return None
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # 12 sync bits, MPEG-4 or -2, layer 0
        return "ADTS AAC"
    return next((name for ids, name in _FOREIGN_IDS if head.startswith(ids)), None)


def _sniff(path: Path) -> mutagen.FileType | None:
    """The file loaded by the supported class that best recognises its header alone, if any."""
    try:
        with open(path, "rb") as file:
            header = file.read(128)
            scores = [(kind.score("", file, header), kind) for family in FAMILIES for kind in family.file_types]
    except OSError:
        return None
    score, kind = max(scores, key=lambda scored: scored[0])
    if score <= 0:
        return None
    try:
        return kind(path)
    except (mutagen.MutagenError, OSError, ValueError):
        return None


def detect_loaded(path: Path) -> tuple[TagFormat, mutagen.FileType]:
    """The tag format of ``path`` and its tags as :meth:`TagFormat.load` loads them: the file mutagen parsed to tell
    its format, parsed once more only for ID3, whose frames ``load`` reads as stored (mutagen converts them)."""
    tag_format, audio = _detected(path)
    return tag_format, tag_format.load(path) if isinstance(tag_format.family, Id3Family) else audio


def read_genres(path: Path) -> tuple[str, ...]:
    """The genres of ``path`` (empty when it has none); TagReadError naming the file when unreadable."""
    return read_values(path, "genre")


def read_tags(path: Path) -> TagSummary:
    """Title, artist, album and genres of ``path``; TagReadError naming the file when unreadable.

    Several artists (or titles) are joined with ``"; "`` for display.
    """
    tag_format, audio = detect_loaded(Path(path))
    family = tag_format.family

    info = read_riff_info(path) if tag_format.file_type is WAVE else {}  # where a WAV's ID3 chunk says nothing

    def text(field: str) -> str | None:
        return "; ".join(family.values(audio, field)) or info.get(field)

    genres = family.genres(audio) or info_values(info, "genre")
    return TagSummary(text("title"), text("artist"), text("album"), genres)


def info_values(info: dict[str, str], field: str) -> tuple[str, ...]:
    """The values of ``field`` in a RIFF INFO chunk's fields (:func:`read_riff_info`), several separated by ``;``."""
    return tuple(value.strip() for value in info.get(field, "").split(";") if value.strip())


def _reason(exc: BaseException, path: Path) -> str:
    """mutagen's words for ``exc`` (its class's name when it has none), ``path`` in them said as "it": the message
    names the file already, and mutagen's FLAC reader names it whole (``'/music/…/01.flac' is not a valid FLAC
    file``)."""
    return str(exc).replace(repr(str(path)), "it") or type(exc).__name__


def _damage_reason(path: Path, where: str, exc: ValueError) -> str:
    """Why mutagen failed with ``exc`` to read ``where`` (a tag of ``path``): the damage of the APEv2 tag ending
    the file (:func:`~musictagger.tags.ape_structure.read_ape_tag`) when it has one, else mutagen's words."""
    try:
        with open(path, "rb") as file:
            damage = read_ape_tag(file)
    except OSError:
        damage = None
    return damage if isinstance(damage, str) else f"cannot read {where} ({_reason(exc, path)})"


def id3_genre_name(number: int) -> str | None:
    """The name of ID3v1 genre ``number`` (``17`` → ``"Rock"``), None when out of range."""
    return GENRES[number] if 0 <= number < len(GENRES) else None


NO_GENRE = frozenset({"255", "(255)"})
"""ID3v1's genre number for none, as converters carried it into the genre frame (the ripper abcde writes it for a
disc without a genre): no genre, where mutagen reads the genre 'Unknown'.  Only a frame as stored holds it; the ID3
tags are read so (:meth:`TagFormat.load`)."""
ID3V1_REFERENCE = re.compile(r"\s*\(\d+\)")
"""The start of a genre value written as an ID3v1 number, ``(17)`` or ``(17)Rock``."""


def id3_genres(texts: Sequence[str]) -> tuple[str, ...]:
    """Genre texts as an ID3 TCON frame's are read (mutagen's reading): an ID3v1 number as its name, ``(17)``,
    ``17`` and ``(17)Rock`` as ``Rock``, ``(17)Hard Rock`` as ``Rock`` and ``Hard Rock``, ``(255)`` (ID3v1's none,
    :data:`NO_GENRE`) as no genre."""
    return tuple(TCON(encoding=3, text=[text for text in texts if text.strip() not in NO_GENRE]).genres)


def id3v1_referenced(values: Sequence[str]) -> tuple[str, ...]:
    """Genre values of a format without ID3v1 numbers (Vorbis comments, APEv2, MP4's ``©gen``), those that begin with one
    (:data:`ID3V1_REFERENCE`) read as ID3 reads them (:func:`id3_genres`): older taggers carried ``(17)`` and
    ``(17)Rock`` over from ID3 into them, and learning, the Library tab and tagging read ``Rock`` there as in an MP3.
    Other values are as written (``17``, ``CR`` name no ID3v1 genre here)."""
    return tuple(
        genre for value in values for genre in (id3_genres([value]) if ID3V1_REFERENCE.match(value) else (value,))
    )


def id3v1_spellings(values: Sequence[str]) -> list[list[str]]:
    """``values`` as they are, then as older taggers spelt those with an ID3v1 number, ``(9)Metal`` and ``(9)``, or no
    genre as ID3v1's none, ``(255)`` and ``255``: forms read as the same genres (:func:`id3_genres`), which an undo
    tries for the bytes a file had."""
    if not values:
        return [[], *([none] for none in sorted(NO_GENRE))]
    if not any(id3v1_genre_number(value) is not None for value in values):
        return [list(values)]
    return [list(values), *([_numbered(value, named) for value in values] for named in (True, False))]


def _numbered(value: str, named: bool) -> str:
    """A genre as its ID3v1 number, ``(9)Metal`` (``named``) or ``(9)``; as it is when it has none."""
    number = id3v1_genre_number(value)
    return value if number is None else f"({number}){value}" if named else f"({number})"


def id3v1_genre_number(name: str) -> int | None:
    """The ID3v1 genre number of ``name`` (``"Rock"`` → ``17``; the first of a name listed twice), None when it has
    none: what old taggers wrote for a genre, ``(9)`` in an ID3 TCON frame, an M4A's ``gnre`` item."""
    return _ID3V1_NUMBERS.get(name)


_ID3V1_NUMBERS = {name: number for number, name in reversed(list(enumerate(GENRES)))}


def read_values(path: Path, field: str) -> tuple[str, ...]:
    """Every value of ``field`` (``genre``, ``mood``, ``grouping`` …) in the tags of ``path``.

    TagReadError naming the file when its tags are unreadable or the field is unknown to its format.
    """
    tag_format, audio = detect_loaded(Path(path))
    return tag_format.labels_in(audio, Path(path), field)

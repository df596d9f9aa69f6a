"""Writing label fields (genre, mood, grouping) into files' tags with mutagen, on the read-only registry of
:mod:`musictagger.tags.formats`, whose per-family field maps say where each field lives (ID3 TCON / TMOO /
TIT1, Vorbis GENRE / MOOD / GROUPING, MP4 ``©gen`` / ``----:com.apple.iTunes:MOOD`` / ``©grp``, APEv2
Genre / Mood / Grouping, ASF ``WM/Genre`` / ``WM/Mood`` / ``WM/ContentGroupDescription``).

Multiple values are stored as the genres are; multiple genres are stored as separate values wherever the format allows: ID3v2.4 TCON with
several (null-separated) strings, several Vorbis ``GENRE`` fields, an MP4 ``©gen`` list, an APEv2 ``Genre``
item's null-separated values, several ASF ``WM/Genre`` attributes.  ID3v2.3 has no multi-value text frames, so — like mutagen and Picard — several genres are joined
with ``/`` there (and split on ``/`` when read, see :class:`musictagger.tags.formats.Id3Family`).
:func:`detect` here gives a :class:`WritableFormat`: the file's tag format with ``write_labels``.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import mutagen
from mutagen import PaddingInfo
from mutagen.id3 import ID3, Frames
from mutagen.id3 import delete as delete_id3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4FreeForm

from musictagger.errors import TagWriteError
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tags import formats as read_side
from musictagger.tags.ape_structure import ID3V1, ape_rewrite_problem, is_id3v1_tag, set_ape_item
from musictagger.tags.asf_structure import asf_rewrite_problem, set_asf_attribute
from musictagger.tags.formats import (
    LABEL_FIELDS,
    ApeFamily,
    AsfFamily,
    Id3Family,
    Id3Version,
    Mp4Family,
    TagFormat,
    TagSummary,
    VorbisFamily,
    id3v1_spellings,
    read_genres,
    read_tags,
)
from musictagger.tags.id3_frames import Placed, StoredTag, stored_tag, text_frame_forms, write_frame_by_frame
from musictagger.tags.id3_structure import (
    convert_revision,
    id3v2_damage,
    joined_in_v23,
    revision_losses,
    rewrite_losses,
)
from musictagger.tags.mp4_structure import item_forms, mp4_rewrite_problem, rewrites_item_by_item, set_mp4_item
from musictagger.tags.padding_structure import FLAC_BLOCK_HEADER, without_empty_padding
from musictagger.tags.vorbis_structure import vorbis_comment_damage, with_field

__all__ = [
    "LABEL_FIELDS",
    "Id3Version",
    "TagFormat",
    "TagSummary",
    "WritableFormat",
    "detect",
    "is_taggable",
    "read_genres",
    "read_tags",
]

TAGGABLE_EXTENSIONS = frozenset(
    {".mp3", ".wav", ".aif", ".aiff", ".flac", ".ogg", ".oga", ".opus", ".spx", ".m4a", ".m4b", ".mp4", ".wv", ".ape"}
    | {".mpc", ".wma"}
)


def is_taggable(path: Path) -> bool:
    """True when the extension names a format whose label fields we can write (the header decides the family)."""
    return Path(path).suffix.lower() in TAGGABLE_EXTENSIONS


@dataclass(frozen=True)
class WritableFormat(TagFormat):
    """A file's tag format (see :class:`~musictagger.tags.formats.TagFormat`) that can also write its label fields."""

    @classmethod
    def of(cls, tag_format: TagFormat) -> WritableFormat:
        return cls(tag_format.family, tag_format.file_type)

    def write_labels(
        self,
        path: Path,
        field: str,
        values: Sequence[str],
        id3_version: Id3Version | None = Id3Version.V24,
        *,
        restoring: Fingerprint | None = None,
    ) -> None:
        """Set label field ``field``'s values in place, keeping every other tag (callers write to a copy,
        see ``apply``); no values removes the field.  TagWriteError naming the file when it cannot.

        ``id3_version`` is the ID3v2 revision written; None (an undo, of a file that had no ID3v2 tag)
        leaves an MP3 that has an ID3v1 tag with that tag alone, as it was.  Every other ID3 frame is
        kept as the file has it: a tag in its own revision is rewritten frame by frame, the field's frame
        where it was and every other frame byte for byte in its order
        (:func:`~musictagger.tags.id3_frames.with_text_frame`: mutagen's writer sorts and re-encodes them);
        one mutagen's writer rewrites whole (to change revision; a v2.2, unsynchronised or compressed one) is
        converted only to change revision, and refused when its rewriting would lose anything
        (:meth:`rewrite_refusal`); an ID3v1 tag is kept byte for byte (mutagen would rewrite it from the ID3v2
        frames).  ``restoring`` is
        an undo's: the file as it was before the run.  The tags' padding is chosen to give the file its size
        (default: the size it has) where it can be (:func:`_save_to_size`), so a value that fits leaves the
        rest of the file where it was, and an undo gives back the bytes the file had (without the empty padding
        block mutagen adds to a FLAC file that had none, :func:`_drop_empty_padding_it_had_not`);
        an undo into ID3v2.3 keeps the frames its v2.3 tag had
        (:func:`~musictagger.tags.id3_structure.convert_revision`).  A Vorbis field keeps its place among the comments and the spelling of its name, and so does an APEv2
        item, whose tag is rewritten item by item (:func:`~musictagger.tags.ape_structure.set_ape_item`:
        mutagen's writer reorders the items and drops an ID3v1 tag after them); it has no padding, and ends
        the file, so the audio never moves.  An MP4 item is rewritten where it was too, every other item kept
        byte for byte in its order (:func:`~musictagger.tags.mp4_structure.set_mp4_item`: mutagen's writer
        sorts them into iTunes' order), with no ``free`` atom where the padding chosen is none, and an undo tries
        the forms the items its run replaced may have had (:func:`~musictagger.tags.mp4_structure.item_forms`: a
        ``gnre`` item, no item list); a file without an item list, or a fragmented one an undo writes, is saved by
        mutagen.  An ASF attribute is rewritten where it was too, every other byte of the header kept
        (:func:`~musictagger.tags.asf_structure.set_asf_attribute`: mutagen's writer renders the header again), and an
        undo tries the form without the Metadata Library object the run made for a second value."""
        audio = self.load(path, as_stored=True)
        if refusal := self.rewrite_refusal(path, field, id3_version, restoring=restoring is not None, audio=audio):
            raise TagWriteError(path, refusal)
        id3 = isinstance(self.family, Id3Family)
        key = self.family.fields[field]
        spellings = id3v1_spellings(values) if restoring and field == "genre" else [list(values)]  # (17) read as Rock
        if isinstance(self.family, ApeFamily):
            size = restoring.size if restoring else None  # an empty tag the file had stays
            ape = [partial(_save_ape_item, path, key, spelt, size) for spelt in spellings]
            self._save_first_holding(path, ape, restoring)
            return
        if isinstance(self.family, AsfFamily):
            drops = (False, True) if restoring else (False,)  # a Metadata Library object the run made goes again
            asf = [partial(_save_asf_attribute, path, key, spelt, drop) for spelt in spellings for drop in drops]
            self._save_first_holding(path, asf, restoring)
            return
        if isinstance(self.family, Mp4Family) and rewrites_item_by_item(path):
            with self._writing(path):  # a value UTF-8 cannot hold (a lone surrogate)
                forms = item_forms(path, key, values, restoring_size=restoring.size if restoring else None)
            self._save_first_holding(path, [partial(set_mp4_item, path, key, form) for form in forms], restoring)
            return
        tag = self._frames_kept(path, audio.tags, field, id3_version) if id3 else None
        if tag is not None and (values or restoring or tag.holds_besides(key)):  # else no tag is left, as below
            self._write_frame(path, audio, tag, key, values, restoring)
            return
        minor = (id3_version or Id3Version.V24).minor
        if audio.tags is None:
            audio.add_tags()
        if id3:
            audio.tags.delall(key)
            if audio.tags.version[1] != minor:  # another revision (or a tag read from ID3v1)
                convert_revision(audio.tags, minor, restoring=restoring is not None)
            if values:
                audio.tags.add(Frames[key](encoding=3, text=list(values)))
        elif isinstance(self.family, Mp4Family):
            if key in audio.tags:
                del audio.tags[key]
            if values:
                audio.tags[key] = _mp4_values(key, values)
        else:
            comments = list(audio.tags)  # as loaded: each form an undo tries starts from them
            vorbis = [partial(_save_vorbis_field, audio, comments, key, spelt) for spelt in spellings]
            self._save_first_holding(path, vorbis, restoring)
            return
        v1_block = _id3v1_block(path) if self.file_type is MP3 else None  # ID3v1 ends MP3 files only

        def save(padding: Callable[[PaddingInfo], int]) -> None:
            if not id3:  # an MP4 file mutagen saves (no item list, or fragmented)
                audio.save(padding=padding)
                return
            if audio.tags:
                _save_keeping_id3v1(
                    audio, path, v1_block, v2_version=minor, v23_sep=Id3Family.V23_SEPARATOR, padding=padding
                )
            else:  # nothing left (undo of a file that had no tags): drop the tag block
                audio.delete()
                if v1_block:
                    _put_back_id3v1(path, v1_block)
            if v1_block and id3_version is None:
                delete_id3(path, delete_v1=False, delete_v2=True)

        self._save(path, save, restoring)

    def _frames_kept(
        self, path: Path, tags: ID3 | None, field: str, id3_version: Id3Version | None
    ) -> StoredTag | None:
        """``path``'s ID3v2 tag when ``field`` is written into it frame by frame, every other frame kept as stored
        (:mod:`~musictagger.tags.id3_frames`); None when mutagen's writer rewrites the tag whole: no tag, one in
        another revision than ``id3_version`` (or None: an undo into a file that had no ID3v2 tag, which deletes
        it), or one the frame writer does not cover (:func:`~musictagger.tags.id3_frames.stored_tag`)."""
        if id3_version is None or tags is None or tags.version[1] != id3_version.minor:
            return None
        return stored_tag(path, tags, self.family.fields[field])

    def _write_frame(
        self,
        path: Path,
        audio: mutagen.FileType,
        tag: StoredTag,
        key: str,
        values: Sequence[str],
        restoring: Fingerprint | None,
    ) -> None:
        """Give ``tag``'s frame ``key`` ``values``, every other frame kept as stored, and an ID3v1 tag after the audio.

        An undo tries the forms the frames its run replaced may have had
        (:func:`~musictagger.tags.id3_frames.text_frame_forms`, :meth:`_save_first_holding`)."""
        v1_block = _id3v1_block(path) if self.file_type is MP3 else None
        with self._writing(path):  # a value no text encoding holds (a lone surrogate)
            forms = text_frame_forms(tag, key, values, restoring=restoring is not None)

        def save(placed: Placed, padding: Callable[[PaddingInfo], int]) -> None:
            write_frame_by_frame(audio.tags, key, placed)
            _save_keeping_id3v1(audio, path, v1_block, v2_version=tag.major, padding=padding)

        self._save_first_holding(path, [partial(save, placed) for placed in forms], restoring)

    def _save_first_holding(
        self, path: Path, saves: Sequence[Callable[[Callable[[PaddingInfo], int]], None]], restoring: Fingerprint | None
    ) -> None:
        """``saves[0]``, the form tagging writes (:meth:`_save`); for an undo, each of ``saves`` (the forms the tags its
        run replaced may have had) until one gives back the bytes the file had, and the first again when none does.

        Each is tried on the file as the run left it: its padding is chosen from the room the tags have, and the room
        another form left is not the file's (in a WAV or AIFF chunk of odd length, a byte of padding can take the
        place of the pad byte, which gives the file's length, not its bytes).  ``path`` is the atomic writer's
        temporary copy; the file as the run left it is kept in a second copy beside it, not in memory (an audiobook
        is a gigabyte), named so that a killed run's is deleted as the first one is (its name begins the same)."""
        if restoring is None or len(saves) == 1:
            self._save(path, saves[0], restoring)
            return
        tagged = path.with_name(f"{path.stem}-as-tagged{path.suffix}")
        try:  # a copy cut short (a full disk) goes too
            with self._writing(path):
                shutil.copyfile(path, tagged)
            for attempt, save in enumerate((*saves, saves[0])):  # none gave the bytes back: the form tagging writes
                if attempt:
                    with self._writing(path):
                        shutil.copyfile(tagged, path)
                self._save(path, save, restoring)
                if _holds(path, restoring):
                    return
        finally:
            tagged.unlink(missing_ok=True)

    def _save(
        self, path: Path, save: Callable[[Callable[[PaddingInfo], int]], None], restoring: Fingerprint | None
    ) -> None:
        """``save(padding)`` to the size the file had (:func:`_save_to_size`), without the empty padding it had not
        (:func:`_drop_empty_padding_it_had_not`); TagWriteError naming it when it fails."""
        with self._writing(path):
            _save_to_size(save, path, restoring.size if restoring else None)
            if restoring:
                _drop_empty_padding_it_had_not(path, restoring)

    @contextlib.contextmanager
    def _writing(self, path: Path) -> Iterator[None]:
        """TagWriteError naming ``path`` for what writing its tags raises (mutagen's errors, OSError, ValueError: a
        structure the writers cannot rewrite, a value the tag's encodings cannot hold), so that a run goes on."""
        try:
            yield
        except (mutagen.MutagenError, OSError, ValueError) as exc:
            raise TagWriteError(path, f"cannot write its {self.family.name} tags ({_reason(exc)})") from exc

    def rewrite_refusal(
        self,
        path: Path,
        field: str,
        id3_version: Id3Version | None = Id3Version.V24,
        *,
        restoring: bool = False,
        audio: mutagen.FileType | None = None,
    ) -> str | None:
        """Why writing ``field`` into ``path`` in ID3v2 revision ``id3_version`` (None as v2.4, as
        :meth:`write_labels` takes it) would lose other tags, or None when it would not: the preview asks
        it, and the writer again, of the copy it writes, before it writes.  ``restoring``: for an undo, which
        keeps the frames a v2.3 tag had (:func:`~musictagger.tags.id3_structure.convert_revision`).
        ``audio``: the file's tags as stored (:meth:`load` ``as_stored``), when the caller has loaded them.

        For an ID3 tag: a damaged tag (mutagen keeps only the frames before the damage); in a tag mutagen's
        writer rewrites whole (not :meth:`_frames_kept`), frames it cannot keep as they are
        (:func:`~musictagger.tags.id3_structure.rewrite_losses`); and, to change revision, frames the other
        revision drops or values it joins.  For Vorbis comments: a field that
        is not UTF-8 ``name=value`` text (:func:`~musictagger.tags.vorbis_structure.vorbis_comment_damage`).
        For APEv2: a damaged tag, one that does not end the file, an APEv1 tag, and items of that field in
        several spellings, flagged read-only or holding binary data
        (:func:`~musictagger.tags.ape_structure.ape_rewrite_problem`).  For MP4: a fragmented file, whose
        fragments mutagen's writer would move without all their offsets
        (:func:`~musictagger.tags.mp4_structure.mp4_rewrite_problem`); an undo (of a file an earlier release
        tagged) goes ahead: the size it gives back puts the fragments back where their offsets point.  For ASF: a
        damaged header, protection by DRM, and attributes of that field holding binary data or one stream's
        (:func:`~musictagger.tags.asf_structure.asf_rewrite_problem`).
        """
        if field not in LABEL_FIELDS:
            return f"{field!r} is not a field tagging writes (it writes {', '.join(LABEL_FIELDS)})"
        if isinstance(self.family, VorbisFamily):
            return vorbis_comment_damage(path, self.file_type)
        if isinstance(self.family, ApeFamily):
            tags = (self.load(path, as_stored=True) if audio is None else audio).tags
            return ape_rewrite_problem(path, self.family.fields[field], mutagen_found=tags is not None)
        if isinstance(self.family, Mp4Family):
            return None if restoring else mp4_rewrite_problem(path)
        if isinstance(self.family, AsfFamily):
            return asf_rewrite_problem(path, self.family.fields[field])
        if not isinstance(self.family, Id3Family):
            return None
        if damage := id3v2_damage(path):
            return f"{damage}; rewriting it would lose the frames after the damage"
        tags = (self.load(path, as_stored=True) if audio is None else audio).tags
        if tags is None:
            return None
        key = self.family.fields[field]
        frames_kept = self._frames_kept(path, tags, field, id3_version) is not None
        if not frames_kept and (loss := rewrite_losses(path, tags, key)):
            return loss
        stored, minor = tags.version[1], (id3_version or Id3Version.V24).minor
        if stored == minor or tags.version < (2, 2, 0):
            return None
        tags.delall(key)
        if lost := revision_losses(tags, minor, restoring=restoring):
            advice = "" if restoring else f"; write it in v2.{stored} (--id3 keep, the default) to keep them"
            return f"converting its ID3v2.{stored} tag to v2.{minor} would drop its {', '.join(lost)} frames{advice}"
        if minor == 3 and (joined := joined_in_v23(tags)):
            return (
                f"converting its ID3v2.{stored} tag to v2.3 would join the values of its {', '.join(joined)} frames "
                f"with '/'; write it in v2.{stored} (--id3 keep, the default) to keep them apart"
            )
        return None


RESTORE_SLACK = 64
"""Bytes by which a restore's padding may come out short of the original size (see :func:`_padding_for`)."""

RESTORE_SAVES = 4
"""Saves a restore may take to reach the original size (see :func:`_save_to_size`)."""


def _save_to_size(save: Callable[[Callable[[PaddingInfo], int]], None], path: Path, size: int | None) -> None:
    """``save(padding)`` the tags with the padding that gives ``path`` ``size`` bytes (None: the size it has).

    A restore saves again while the file misses that size by a few bytes: the framing around an Ogg comment
    packet grows with it (a lacing byte every 255 bytes), so the padding found from the size of the file
    the run left is that many bytes off the padding the file had; each save comes closer, as the file grows
    with its padding.  A file that had no padding, or whose tags outgrew it, ends the first time.
    """
    size_now = path.stat().st_size
    target = size_now if size is None else size
    for _ in range(RESTORE_SAVES if size is not None else 1):
        save(_padding_for(target, size_now))
        size_before, size_now = size_now, path.stat().st_size
        if size_now in (target, size_before) or abs(size_now - target) >= RESTORE_SLACK:
            return


def _drop_empty_padding_it_had_not(path: Path, restoring: Fingerprint) -> None:
    """Give ``path`` the bytes it had before the run when they are its bytes now without the empty FLAC PADDING
    block mutagen's writer always leaves (:func:`~musictagger.tags.padding_structure.without_empty_padding`):
    those of a file that had none.

    Only those bytes: their SHA-256 must be the one ``restoring`` has, so nothing else can come of it."""
    if path.stat().st_size - restoring.size != FLAC_BLOCK_HEADER:
        return
    trimmed = without_empty_padding(path.read_bytes())
    if trimmed is not None and hashlib.sha256(trimmed).hexdigest() == restoring.sha256:
        path.write_bytes(trimmed)


def _padding_for(size: int, size_now: int) -> Callable[[PaddingInfo], int]:
    """mutagen's padding choice for a file of ``size_now`` bytes to end ``size`` bytes long: the padding that
    gives that length where it is not negative, else mutagen's own choice (the tags outgrew the room).

    Keeping the padding mutagen found leaves the file's length as it is; each byte more or less of padding is
    about a byte more or less of file: an Ogg page's lacing can make it a few bytes short (which
    :func:`_save_to_size` makes up), and a restore that far short of no padding at all is one to a file that
    had none.  mutagen's own choice keeps the parity of the room the tags had, in every format: an ID3 chunk
    of odd length in a WAV or AIFF file is followed by a pad byte, so its length and the next one up take the
    same room, and only a chunk that kept its parity comes back from an undo at the length it had; elsewhere a
    byte of padding more or less changes nothing but the file's length, which undo sets again.
    """

    def choose(info: PaddingInfo) -> int:
        wanted = info.padding + size - size_now
        if wanted >= 0:
            return wanted
        if size != size_now and wanted > -RESTORE_SLACK:
            return 0
        default = info.get_default_padding()
        return default + (default - info.padding) % 2

    return choose


def _save_ape_item(path: Path, key: str, values: Sequence[str], size: int | None, _padding: object) -> None:
    """:func:`~musictagger.tags.ape_structure.set_ape_item` as a save (an APEv2 tag has no padding)."""
    set_ape_item(path, key, values, size=size)


def _save_asf_attribute(
    path: Path, key: str, values: Sequence[str], drop_empty_library: bool, padding: Callable[[PaddingInfo], int]
) -> None:
    """:func:`~musictagger.tags.asf_structure.set_asf_attribute` as a save."""
    set_asf_attribute(path, key, values, padding, drop_empty_library=drop_empty_library)


def _save_vorbis_field(
    audio: mutagen.FileType,
    comments: Sequence[tuple[str, str]],
    key: str,
    values: Sequence[str],
    padding: Callable[[PaddingInfo], int],
) -> None:
    """Save ``audio`` with its Vorbis ``comments`` but for ``key``, which holds ``values``
    (:func:`~musictagger.tags.vorbis_structure.with_field`: in the places and spellings of its fields)."""
    audio.tags[:] = with_field(comments, key, values)
    audio.save(padding=padding)


def _id3v1_block(path: Path) -> bytes | None:
    """The file's ID3v1 tag (its last 128 bytes, when they are one: :func:`~musictagger.tags.ape_structure.
    is_id3v1_tag`), or None."""
    with open(path, "rb") as file:
        if file.seek(0, 2) < ID3V1:
            return None
        file.seek(-ID3V1, 2)
        block = file.read(ID3V1)
    return block if is_id3v1_tag(block) else None


def _save_keeping_id3v1(audio: mutagen.FileType, path: Path, v1_block: bytes | None, **options: object) -> None:
    """Save ``audio``'s ID3v2 tag with mutagen's ``options``, and end the file with ``v1_block``, the ID3v1 tag it
    had, byte for byte (mutagen would write it again from the ID3v2 frames)."""
    audio.save(**options, **({"v1": 0} if v1_block else {}))
    if v1_block:
        _put_back_id3v1(path, v1_block)


def _holds(path: Path, fingerprint: Fingerprint) -> bool:
    """Whether ``path`` holds the bytes of the file ``fingerprint`` was taken of (its size first: no hash otherwise)."""
    return path.stat().st_size == fingerprint.size and Fingerprint.of(path).content == fingerprint.content


def _put_back_id3v1(path: Path, block: bytes) -> None:
    """End the file with ``block``, the ID3v1 tag it had (saved without one, or with one mutagen rewrote)."""
    if _id3v1_block(path) is not None:
        with open(path, "r+b") as file:
            file.truncate(file.seek(-ID3V1, 2))
    with open(path, "ab") as file:
        file.write(block)


def _mp4_values(key: str, values: Sequence[str]) -> list[str] | list[MP4FreeForm]:
    """MP4 atoms hold text lists, except freeform ``----`` atoms (mood), which hold UTF-8 bytes."""
    return [MP4FreeForm(value.encode("utf-8")) for value in values] if key.startswith("----") else list(values)


def detect(path: Path) -> WritableFormat:
    """The tag format of ``path``, writable (TagReadError naming the file when unknown or unreadable)."""
    return WritableFormat.of(read_side.detect(path))


def detect_loaded(path: Path) -> tuple[WritableFormat, mutagen.FileType]:
    """:func:`detect`'s format of ``path``, and its tags as :meth:`~WritableFormat.load` loads them, from one parse
    (:func:`~musictagger.tags.formats.detect_loaded`)."""
    tag_format, audio = read_side.detect_loaded(path)
    return WritableFormat.of(tag_format), audio


def _reason(exc: Exception) -> str:
    """What went wrong, in words: an OSError's (or the one a MutagenError wraps) its bare reason (``No space left on
    device``), without the names of the temporary copies it met or an errno number."""
    os_error = next((error for error in (exc, *exc.args[:1]) if isinstance(error, OSError)), None)
    return (os_error.strerror if os_error else None) or str(exc) or type(exc).__name__

"""The bytes a tagging run changed in a file, kept as they were where its undo's writer could not give them back.

An ID3v2 tag that mutagen's writer rewrites whole (to change its revision; a v2.2, unsynchronised or extended-header
tag, a compressed genre frame) comes back from an undo with its old values but in mutagen's form: its frames sorted,
their text re-encoded.  So do genre frames the frame-by-frame writer's forms do not cover (three of them, a frame
spelt as no writer spells it), Vorbis genre fields spelt or placed apart that a run replaced by fewer (their
spellings and places went with them), and an M4A's ``gnre`` and ``©gen`` items a run replaced by one.  For such a
file (:func:`undo_gives_back` says which) the journal keeps, before the file is replaced, the bytes its new version
changed, as they were (:func:`changed_bytes`: the tag with its
padding, and a WAV's or AIFF's chunk and container sizes), and the undo of a file that holds exactly what the run
left puts them back (:meth:`KeptBytes.put_back`), which gives back the file's bytes, checked by their SHA-256.
Only the bytes that differ are kept (cover art that stays where it was is not), and no more than
:data:`KEPT_BYTES_CAP` a file: past that (cover art that moved), only their count, and that file's undo gives back its
old values alone, as before, saying why.  The journal keeps them for the latest runs only
(:data:`KEPT_BYTES_BUDGET`, ``Journal.bound_kept_bytes``): an older run's are dropped, their count kept, and its undo
gives back the old values alone, saying why.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from musictagger.file_bytes import FileBytes, mapped_bytes
from musictagger.tags.asf_structure import undo_gives_back_attribute
from musictagger.tags.formats import AsfFamily, Id3Family, Mp4Family, TagFormat, VorbisFamily, id3v1_spellings
from musictagger.tags.id3_frames import frames_placed, stored_tag, text_frame_forms
from musictagger.tags.id3_structure import leading_tag_size
from musictagger.tags.mp4_structure import undo_gives_back_items
from musictagger.tags.vorbis_structure import with_field

KEPT_BYTES_CAP = 1 << 20
"""The most bytes the journal keeps of one file (1 MiB): a tag holding a larger cover art is not kept."""
KEPT_BYTES_BUDGET = 256 << 20
"""The most bytes the journal keeps for the runs before the newest whose undo can use kept bytes (256 MiB).

The undo a user most needs is the latest run's, so that run keeps all of its own (each file's under
:data:`KEPT_BYTES_CAP`, so at most 1 MiB a file it wrote); the runs before it keep theirs, newest first, while they
add up to no more than this, and a run whose bytes would pass it drops them, as every older run does: an older run's
kept bytes serve only once the runs after it are undone byte for byte.  So the journal holds at most the latest run's
and 256 MiB more, where keeping every run's grew it by the tags of every file each run converted (100 KB of cover art
each, a run: 5 GB for 50,000 such files); 256 MiB is a few thousand such files' tags, several runs of an album
collection."""

_BLOCK = 1 << 20
"""Bytes compared at a time."""
_GAP = 64
"""Unchanged bytes between two changed runs below which they are kept as one (fewer, longer patches)."""
_PATCH = struct.Struct(">QQQ")
"""A patch's offset, the length it replaces and the length of the bytes it puts back."""


@dataclass(frozen=True)
class Patch:
    """The ``length`` bytes at ``offset`` of the file as the run left it were ``original``."""

    offset: int
    length: int
    original: bytes


@dataclass(frozen=True)
class KeptBytes:
    """The bytes a run changed in one file, as they were (``patches``, in their order); or, when they are more than
    :data:`KEPT_BYTES_CAP` or were ``dropped`` since, only how many (``patches`` None)."""

    size: int
    """Bytes the patches put back."""
    patches: tuple[Patch, ...] | None
    dropped: bool = False
    """The patches were kept, then dropped with an older run's to bound the journal (:data:`KEPT_BYTES_BUDGET`)."""

    def to_blob(self) -> bytes | None:
        """The patches as the journal stores them (None: not kept)."""
        if self.patches is None:
            return None
        return b"".join(_PATCH.pack(p.offset, p.length, len(p.original)) + p.original for p in self.patches)

    @classmethod
    def from_blob(cls, size: int, blob: bytes | None, *, dropped: bool = False) -> KeptBytes:
        """The inverse of :meth:`to_blob` (``dropped``: as the journal says); ValueError when ``blob`` is not one."""
        if blob is None:
            return cls(size, None, dropped)
        patches, position = [], 0
        while position < len(blob):
            offset, length, count = _PATCH.unpack_from(blob, position)
            position += _PATCH.size
            patches.append(Patch(offset, length, blob[position : position + count]))
            position += count
        if position != len(blob) or sum(len(p.original) for p in patches) != size:
            raise ValueError("the kept bytes are not whole")
        return cls(size, tuple(patches))

    def put_back(self, source: Path, target: Path) -> str:
        """Write into ``target`` the file ``source`` was before the run: its bytes with the patches put back; the
        SHA-256 (hex) of what was written, for the caller to check against the file's before the run."""
        assert self.patches is not None
        digest = hashlib.sha256()
        with open(source, "rb") as reading, open(target, "wb") as writing:

            def write(data: bytes) -> None:
                digest.update(data)
                writing.write(data)

            position = 0
            for patch in self.patches:
                for block in _blocks(reading, patch.offset - position):
                    write(block)
                write(patch.original)
                reading.seek(patch.length, 1)
                position = patch.offset + patch.length
            for block in _blocks(reading, None):
                write(block)
        return digest.hexdigest()


def undo_gives_back(tag_format: TagFormat, original: Path, tagged: Path, field: str, old: Sequence[str]) -> bool:
    """Whether the undo of writing ``field`` into ``original`` (making ``tagged``) gives back the tags it had without
    kept bytes.  Vorbis comments: when setting the old values again gives back its fields, in their order and spelling
    (:func:`~musictagger.tags.vorbis_structure.with_field`), which it does not where the run replaced several fields of
    that name, spelt or placed apart, by fewer.  MP4: when a form the undo tries gives back the item list
    (:func:`~musictagger.tags.mp4_structure.undo_gives_back_items`: not for a ``gnre`` item and a ``©gen`` one a run
    replaced by one).  ASF: when a form the undo tries gives back the header
    (:func:`~musictagger.tags.asf_structure.undo_gives_back_attribute`: not for values stored without their closing
    null).  ID3: a file of another family, or without an ID3v2 tag (the undo takes out the one tagging
    added), or whose tag was rewritten frame by frame and the frames the undo tries for ``old``, the values it had
    (:func:`~musictagger.tags.id3_frames.text_frame_forms`), include those it had, in their order, in a tag as large
    as it was.  The undo's tag fills the room the file's size gives it back, so a tag that had less room than its WAV
    or AIFF chunk (bytes after it in the chunk) does not come back."""
    key = tag_format.family.fields[field]
    forms = id3v1_spellings(old) if field == "genre" else [list(old)]  # those write_labels' undo tries
    if isinstance(tag_format.family, VorbisFamily):
        fields = list(tag_format.load(original).tags or [])
        tagged_fields = list(tag_format.load(tagged).tags or [])
        return any(with_field(tagged_fields, key, form) == fields for form in forms)
    if isinstance(tag_format.family, AsfFamily):
        return any(undo_gives_back_attribute(original, tagged, key, form) for form in forms)
    if isinstance(tag_format.family, Mp4Family):
        return undo_gives_back_items(original, tagged, key, old)
    if not isinstance(tag_format.family, Id3Family):
        return True
    before_tags = tag_format.load(original, as_stored=True).tags
    if before_tags is None:
        return True
    after_tags = tag_format.load(tagged, as_stored=True).tags
    before = stored_tag(original, before_tags, key)
    after = stored_tag(tagged, after_tags, key) if after_tags is not None else None
    if before is None or after is None or before.header[:6] != after.header[:6]:
        return False  # mutagen's writer rewrote it whole
    growth = tagged.stat().st_size - original.stat().st_size
    if leading_tag_size(before.header) != leading_tag_size(after.header) - growth:
        return False  # it did not fill its room (a WAV's or AIFF's chunk), as the undo's tag will
    forms = text_frame_forms(after, key, old, restoring=True)
    return any(frames_placed(after, key, placed) == before.frames for placed in forms)


def changed_bytes(original: Path, tagged: Path) -> KeptBytes:
    """The bytes of ``original`` that ``tagged`` (its new version) changed, as :meth:`KeptBytes.put_back` puts them
    back into ``tagged``; only their count when they are more than :data:`KEPT_BYTES_CAP`.

    The files are compared as a writer changes them: the same bytes at their end (the audio after the tag, or the
    chunks after a WAV's ID3 chunk), and before that the same offsets but for a few bytes (a container's size) and
    the tag, which may have grown or shrunk."""
    before, after = mapped_bytes(original), mapped_bytes(tagged)
    end_before, end_after = _before_common_end(before, after)
    aligned = min(end_before, end_after)
    runs = _changed_runs(before, after, aligned)
    if end_before != end_after:  # the tag changed size: it runs to the end of what differs
        start = runs.pop()[0] if runs and runs[-1][1] + _GAP >= aligned else aligned
        runs.append((start, end_before))
    size = sum(stop - start for start, stop in runs)
    if size > KEPT_BYTES_CAP:
        return KeptBytes(size, None)
    patches = [Patch(start, stop - start, bytes(before[start:stop])) for start, stop in runs]
    if end_before != end_after:
        start = runs[-1][0]
        patches[-1] = Patch(start, end_after - start, bytes(before[start:end_before]))
    return KeptBytes(size, tuple(patches))


def _before_common_end(before: FileBytes, after: FileBytes) -> tuple[int, int]:
    """Where the bytes the two files end with alike begin, in each."""
    same, limit = 0, min(len(before), len(after))
    while same < limit:
        step = min(_BLOCK, limit - same)
        tail_before = before[len(before) - same - step : len(before) - same]
        tail_after = after[len(after) - same - step : len(after) - same]
        if tail_before != tail_after:
            differ = np.flatnonzero(_array(tail_before) != _array(tail_after))
            same += step - 1 - int(differ[-1])
            break
        same += step
    return len(before) - same, len(after) - same


def _changed_runs(before: FileBytes, after: FileBytes, end: int) -> list[tuple[int, int]]:
    """The runs (start, stop) of bytes that differ at the same offsets of the two files before ``end``, runs fewer
    than :data:`_GAP` bytes apart joined; those found up to a little past :data:`KEPT_BYTES_CAP` bytes (the caller
    keeps no more)."""
    runs: list[tuple[int, int]] = []
    found = 0
    for start in range(0, end, _BLOCK):
        stop = min(start + _BLOCK, end)
        block_before, block_after = before[start:stop], after[start:stop]
        if block_before == block_after:
            continue
        differ = np.flatnonzero(_array(block_before) != _array(block_after)) + start
        breaks = np.flatnonzero(np.diff(differ) > _GAP)
        starts, stops = differ[np.r_[0, breaks + 1]], differ[np.r_[breaks, len(differ) - 1]] + 1
        for run_start, run_stop in zip(starts.tolist(), stops.tolist(), strict=True):
            if runs and run_start - runs[-1][1] <= _GAP:
                run_start = runs.pop()[0]
            runs.append((run_start, run_stop))
        found += len(differ)
        if found > KEPT_BYTES_CAP:
            break
    return runs


def _array(data: FileBytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def _blocks(file: BinaryIO, count: int | None) -> Iterator[bytes]:
    """The next ``count`` bytes of ``file`` (None: the rest), a block at a time."""
    while count is None or count > 0:
        block = file.read(_BLOCK if count is None else min(_BLOCK, count))
        if not block:
            return
        if count is not None:
            count -= len(block)
        yield block

"""The library's codes in a file beside its SQLite file, so that a new process searches at once.

Reading ten million codes out of SQLite takes ~20 s, because they are stored among everything
else of a track; ``library.sqlite3.codes`` holds just the track ids and packed codes (16 bytes
per track) and is memory-mapped, so a new ``musictagger similar`` touches only the pages it
scans.  It is current while the library's codes stamp (a number that triggers renew at every
change of a code: :mod:`.schema`) equals the one it was written at; otherwise it is rebuilt.

Layout, little-endian: a header of :data:`HEADER_BYTES` (magic, stamp, code length, track
count), then the ids ``(n,)`` int64, then the codes ``(n,)`` uint64.  A writer fills a
temporary file in the same folder, flushes it to disk and renames it over the old one, so a
reader sees the old file or the new, never part of one; a reader also checks the magic and the
size, so a file cut short some other way is rebuilt rather than read.  A writer killed midway
leaves its temporary file (:func:`~musictagger.atomic_write.temporary_path`), which the next
writer removes once it is old enough that no writer can still be filling it.
"""

from __future__ import annotations

import glob
import logging
import os
import stat
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musictagger.atomic_write import replacing, temporary_pattern

log = logging.getLogger(__name__)

MAGIC = b"MTCODES1"
_HEADER = struct.Struct("<8sqqq")  # magic, codes stamp, code length, track count
HEADER_BYTES = 64
"""The header, padded so that the arrays after it are aligned."""

PARTIAL_AGE_S = 600.0
"""A temporary file untouched this long belongs to a writer that died (writing takes seconds)."""


@dataclass(frozen=True)
class StoredCodes:
    """The analysed tracks' ids ``(n,)`` ascending, packed codes ``(n,)`` and code length, as of ``stamp``."""

    stamp: int
    ids: np.ndarray
    packed: np.ndarray
    n_bits: int


def sidecar_path(database: Path) -> Path:
    """The codes file of the library at ``database``: ``library.sqlite3.codes`` beside it."""
    return database.with_name(database.name + ".codes")


def read_codes(database: Path, stamp: int) -> StoredCodes | None:
    """The codes stored beside ``database``, memory-mapped; ``None`` if there are none as of ``stamp``."""
    path = sidecar_path(database)
    try:
        with open(path, "rb") as file:
            header = file.read(HEADER_BYTES)
            if len(header) < HEADER_BYTES:
                return None
            magic, file_stamp, n_bits, n = _HEADER.unpack_from(header)
            if magic != MAGIC or file_stamp != stamp or os.fstat(file.fileno()).st_size != HEADER_BYTES + 16 * n:
                return None
            if n == 0:
                return StoredCodes(stamp, np.zeros(0, np.int64), np.zeros(0, np.uint64), n_bits)
            ids = np.memmap(file, dtype="<i8", mode="r", offset=HEADER_BYTES, shape=(n,))
            packed = np.memmap(file, dtype="<u8", mode="r", offset=HEADER_BYTES + 8 * n, shape=(n,))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read the codes file, reading the library instead (%s)", path, exc)
        return None
    return StoredCodes(stamp, ids, packed, n_bits)


def write_codes(database: Path, codes: StoredCodes) -> bool:
    """Store ``codes`` beside ``database``, atomically; False (and a log line) if the folder refuses.

    Searching works without the file, only each new process then reads the codes from SQLite.
    """
    path = sidecar_path(database)
    _remove_abandoned(path)
    header = _HEADER.pack(MAGIC, codes.stamp, codes.n_bits, len(codes.ids)).ljust(HEADER_BYTES, b"\0")
    try:
        mode = stat.S_IMODE(os.stat(database).st_mode)  # readable by whoever may read the library
        with replacing(path, mode=mode) as temporary, open(temporary, "wb") as file:
            file.write(header)
            file.write(np.ascontiguousarray(codes.ids, "<i8").data)
            file.write(np.ascontiguousarray(codes.packed, "<u8").data)
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        log.warning("%s: cannot write the codes file (%s); searches read the library instead", path, exc)
        return False
    return True


def _remove_abandoned(path: Path) -> None:
    """Remove the temporary files of writers that died (untouched for :data:`PARTIAL_AGE_S`), and those of earlier
    releases, named ``library.sqlite3.codes.XXXX.partial``: 16 bytes a track, a big library's would stay for good."""
    for pattern in (temporary_pattern(path), f"{glob.escape(path.name)}.*.partial"):
        for partial in path.parent.glob(pattern):
            try:
                if time.time() - partial.stat().st_mtime > PARTIAL_AGE_S:
                    partial.unlink()
            except OSError:
                continue  # removed by another writer meanwhile, or not ours to remove

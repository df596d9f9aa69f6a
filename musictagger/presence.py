"""Whether a file is gone: no such file, not merely out of reach, nor reached only by another spelling of its name.

A folder on the way that cannot be read, or a drive failing with I/O errors, makes ``os.path.exists`` say False (and
``Path.exists`` raise): the index would have removed such a file's track, an undo called it deleted, and tag's plan
said it was moved or deleted since it was found.  Indexing (its pruning and its analyses), tag's plan and undo ask
this instead.

A case-insensitive file system (FAT and exFAT: USB sticks, SD cards; NTFS as Windows has it) finds ``song.mp3``
renamed ``Song.mp3`` by either name: the index kept the old name's track beside the new one's, which it analysed
again.  A name is gone when its folder lists the file by another spelling alone.
"""

from __future__ import annotations

import os
import stat
import time
import unicodedata
from pathlib import Path


def missing(path: str | Path) -> bool:
    """Whether ``path`` does not exist (not merely out of reach: a folder on the way cannot be read), or is a file
    reached only as another spelling of the name its folder lists."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    if stat.S_ISDIR(info.st_mode):  # a folder as the user named it (a library's folder typed in other case) is there
        return False
    folder, name = os.path.split(os.path.abspath(path))
    listed = _names_if_case_blind(folder, name)
    return listed is not None and name not in listed


def as_listed(path: str) -> str:
    """``path`` with its name as its folder lists it, where it is there by another spelling alone (``SONG.MP3`` typed
    for ``Song.mp3`` on a USB stick): the one listed name the same but for case and composed accents; else ``path``."""
    folder, name = os.path.split(path)
    listed = _names_if_case_blind(folder, name)
    if listed is None or name in listed:
        return path
    same = [other for other in listed if _folded(other) == _folded(name)]
    return os.path.join(folder, same[0]) if len(same) == 1 else path


def _names_if_case_blind(folder: str, name: str) -> frozenset[str] | None:
    """The names ``folder`` lists, where ``name`` in other case reaches a file too (a case-insensitive file system, or
    both names there); None where it does not, which is all a case-sensitive one costs: one lookup that finds
    nothing, as the folder is not read.

    A listing that holds ``name`` is kept for :data:`LISTING_KEPT_S` and serves the folder's other files: tag's plan
    asks of each file, and listing a folder of 3,000 files on an exFAT stick for each took 17 s more.  One that does
    not hold it is read again, so that a file is never called gone from an old listing.
    """
    other = name.swapcase()
    if other == name or not os.path.lexists(os.path.join(folder, other)):
        return None
    kept = _listings.get(folder)
    if kept is not None and time.monotonic() - kept[0] < LISTING_KEPT_S and name in kept[1]:
        return kept[1]
    try:
        names = frozenset(os.listdir(folder or "."))
    except OSError:
        return None
    if len(_listings) >= LISTINGS_KEPT:
        _listings.clear()
    _listings[folder] = (time.monotonic(), names)
    return names


def forget_listings() -> None:
    """Read folders afresh from now on: a command that looks at files as they are now (an undo, in the window a moment
    after its run) takes none for there under a name it was renamed from since a listing was kept."""
    _listings.clear()


LISTING_KEPT_S = 1.0
"""How long a folder's listing is taken as it is (a file renamed meanwhile is taken for there under its old name)."""
LISTINGS_KEPT = 64
_listings: dict[str, tuple[float, frozenset[str]]] = {}


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()

"""Why a file or folder cannot be written, or kept as asked, in words a user can act on.

Shared by every layer that writes files (a model's sidecar, the library's database and playlists, the tagging journal,
the window's settings, a file's tags): it was part of :mod:`musictagger.db`, so the model layer and
:mod:`musictagger.atomic_write` imported the library's SQLite module, and sqlite3 with it, to say a disk was full.
Imports nothing of musictagger.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NEARLY_FULL = 1 << 20
"""Free bytes below which a disk is called full (SQLite says ``disk I/O error``
when its shared-memory file cannot grow, ``database or disk is full`` only when a page cannot be written)."""


def disk_trouble(folder: Path) -> str | None:
    """Why nothing can be written into ``folder``: a file or a broken link where it or a folder above it should be
    (:func:`_in_the_way`), on a read-only file system, read-only itself, or on a full disk; None when none of these
    holds (or the folder cannot be looked at)."""
    if in_the_way := _in_the_way(folder):
        return in_the_way
    try:
        usage = shutil.disk_usage(folder)
    except OSError:
        return None
    if on_read_only_mount(folder):
        return "its folder is on a read-only file system (mounted read-only), so it cannot be written"
    if not os.access(folder, os.W_OK):
        return "its folder is read-only, so it cannot be written"
    if usage.total and usage.free < NEARLY_FULL:  # some FUSE mounts give no size at all, nor so free space
        return f"the disk holding it is full ({usage.free:,} bytes free): free some space and try again"
    return None


def _in_the_way(folder: Path) -> str | None:
    """What stands where ``folder`` or the first of the folders above it that is there should be, when that is no
    folder: a file, or a link to nothing (a data folder moved to a drive not mounted), which mkdir says as
    '[Errno 17] File exists: …' or '[Errno 20] Not a directory'; None when it is a folder or cannot be looked at."""
    there = next((above for above in (folder, *folder.parents) if os.path.lexists(above)), None)
    if there is None or os.path.isdir(there):
        return None
    if os.path.islink(there):
        try:
            os.stat(there)
        except FileNotFoundError:
            return f"{there} is a broken link (to {os.readlink(there)}), where a folder should be"
        except OSError as exc:
            return f"{there} is a link to {os.readlink(there)}, which cannot be reached ({exc.strerror or exc})"
    return f"{there} is a file, where a folder should be"


REFUSED_IN_NAMES = '"*:<>?\\|'
"""The characters FAT, exFAT and NTFS drives (USB sticks, drives shared with Windows) refuse in a file's name, as
Windows does; control characters too."""


def name_trouble(path: Path, error: OSError) -> str | None:
    """Why no file named ``path`` could be made in its folder (``error``), which is there and may be written: its name
    holds characters the drives music is carried on refuse (:data:`REFUSED_IN_NAMES`), whose file systems say so as
    `No such file or directory` (exFAT), `Operation not permitted` (FAT through FUSE) or `Invalid argument`; None when
    that is not why."""
    refused = sorted({c for c in path.name if c in REFUSED_IN_NAMES or ord(c) < 32})
    if not refused or error.errno not in _NAME_REFUSED or not os.access(path.parent, os.W_OK | os.X_OK):
        return None
    shown = ", ".join(map(repr, refused))
    return f"its name holds {shown}, which FAT, exFAT and NTFS drives refuse in a name: choose another name"


@contextmanager
def unless_not_kept() -> Iterator[None]:
    """Go on past a file system's refusal to set what it does not keep (an owner, permissions, times: FAT through
    FUSE, gvfs's shares and phones say `Function not implemented`), or a user's lack of the right to (giving a file
    away)."""
    try:
        yield
    except OSError as exc:
        if not isinstance(exc, PermissionError) and exc.errno not in _NOT_KEPT:
            raise


_NOT_KEPT = frozenset({errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP})
"""The errors of a file system that keeps no owners, permissions or times of its own to set."""
_NAME_REFUSED = frozenset({errno.ENOENT, errno.EPERM, errno.EACCES, errno.EINVAL})
"""The errors a file system refuses a name with."""


def on_read_only_mount(folder: Path) -> bool:
    """Whether ``folder`` is on a file system mounted read-only (a user checking its files' modes would find nothing
    read-only); False where that cannot be told (Windows, a folder that cannot be looked at)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) if hasattr(os, "statvfs") else False
    except OSError:
        return False

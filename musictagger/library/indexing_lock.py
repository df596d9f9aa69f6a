"""One indexing run at a time per library index: a second is refused, naming the process that runs the first.

Two runs on the same index (a second ``musictagger index`` while a long one runs, a cron job meeting a run by
hand, the window's Index now meanwhile) each took the same files still to be analysed, in the same order, and
analysed every one of them twice: twice the machine for the same index, each run at half speed, and nothing said.
The lock is an advisory ``flock`` on ``library.sqlite3.indexing`` beside the index, which the system releases when
its process ends in any way (a kill included), so a killed run never leaves the library locked; the file holds the
running process's id for the refusal.  Readers (``similar``, ``index --status``, the window) take no lock.
Without ``fcntl`` (Windows) nothing is locked, as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from musictagger.disk import disk_trouble
from musictagger.errors import DatabaseError, MusictaggerError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


class IndexingBusyError(MusictaggerError):
    """Another run holds the index's indexing lock; ``holder`` names it (``process 25493``, or ``another process``)
    for a message of the caller's own (the window's Remove says what it left undone)."""

    def __init__(self, library_path: Path, holder: str) -> None:
        super().__init__(
            f"{library_path} is being indexed by {holder}: wait for that run to end (or stop it: what it has "
            "analysed is kept), then run this command again",
            paths=[library_path],
        )
        self.holder = holder


def lock_path(library_path: Path) -> Path:
    """The lock file of the index at ``library_path``."""
    return library_path.with_name(library_path.name + ".indexing")


@contextmanager
def indexing_lock(library_path: Path) -> Iterator[None]:
    """Hold the index's indexing lock for the ``with`` block; :class:`IndexingBusyError` at once when another run holds it
    (another process's, or the window's own: each holder opens the file afresh, so the lock is per run)."""
    if fcntl is None:
        yield
        return
    path = lock_path(library_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise _cannot_open(library_path, exc) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip()
            raise IndexingBusyError(
                library_path, f"process {holder}" if holder.isdigit() else "another process"
            ) from exc
        _write_holder(handle, library_path)
        try:
            yield
        finally:
            handle.truncate(0)


def _write_holder(handle: TextIO, library_path: Path) -> None:
    """Put this process's id in the lock file ``handle``, for a second run's refusal to name.

    Written past the text layer's buffer, so that a disk that will not take these few bytes (full: ``index`` with the
    user-data folder's disk full ended in a traceback, ``No space left on device``) fails here alone, as
    :func:`_cannot_open`'s error, not again as the file is closed."""
    try:
        os.ftruncate(handle.fileno(), 0)
        os.write(handle.fileno(), str(os.getpid()).encode())
    except OSError as exc:
        raise _cannot_open(library_path, exc) from exc


def _cannot_open(library_path: Path, exc: OSError) -> DatabaseError:
    """The error of an index whose lock file could not be made or written: a read-only or full disk said so, not as
    '[Errno 30] …'."""
    why = disk_trouble(library_path.parent) or exc
    return DatabaseError(f"{library_path}: cannot open the database ({why})", paths=[library_path])

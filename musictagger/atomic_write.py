"""The one way musictagger writes a file whole: into a temporary file beside it, renamed over it once written.

A reader then sees the old file or the new one, never part of one, and a write that fails (a full disk, a folder that
refuses it) or is stopped (Ctrl-C, or SIGTERM or SIGHUP, which the commands take as one) leaves the file as it was and
no temporary file: each writer had its own copy of this, and most removed their temporary file on a failed write
alone, or never, so ``export``, ``streamline``, a model's sidecar, ``tag --csv`` and the experiments' reports left a
``.partial`` file (or a file cut short) beside the one asked for.

The temporary file is named for its target, this process and this thread (:func:`temporary_path`), so that processes
writing the same file (a cache entry, the library's codes) each write their own, and it keeps the target's suffix,
which writers such as Matplotlib's ``savefig`` go by (numpy, which adds ``.npz`` to a name that lacks it, writes into
an open file: :func:`replacing_file`).  A process killed outright (SIGKILL, a power cut) leaves it behind;
:func:`temporary_pattern` finds such files.

Qt-free, and imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from musictagger.disk import unless_not_kept
from musictagger.interrupts import interrupt_held

MARK = "partial"
"""What every temporary file's name holds before its target's suffix: ``.NAME.PID-THREAD.partial.SUFFIX``."""
NAME_BYTES = 255
"""The longest name a folder entry holds on the file systems music is kept on (ext4, NTFS, FAT's long names)."""


@contextlib.contextmanager
def replacing(path: Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield the temporary path to write ``path``'s new content to; once the ``with`` block ends without an exception,
    rename it over ``path``.  On any exception (an OSError, KeyboardInterrupt, the commands' SIGTERM or SIGHUP) the
    temporary file is removed and ``path`` is as it was; the exception goes on.  The caller makes the folder.

    The new file has the permissions ``mode``, by default those of the file it replaces (as writing into that file
    would have kept them: a playlist or table one made private, a model's sidecar), or a new file's (the umask's).
    A ``path`` that is a symbolic link has the file it names replaced, the link kept, as writing into it would."""
    with replacing_together(path, mode=mode) as (temporary,):
        yield temporary


@contextlib.contextmanager
def replacing_together(*paths: Path, mode: int | None = None) -> Iterator[tuple[Path, ...]]:
    """:func:`replacing` of several files at once: once the block ends, each temporary path yielded (in the order of
    ``paths``) is renamed over its file, in order, and a stop that comes meanwhile waits for the last rename
    (:func:`~musictagger.interrupts.interrupt_held`), so that no file of the set is seen without the others (a
    personal model's weights and its sidecar).

    A path that names one of this process's open descriptors (``/dev/stdout``, ``/dev/fd/N``: ``tag --csv
    /dev/stdout | column``, or ``> plan.txt``, whose file holds the command's other output too) gets the new content
    through that descriptor once written: its real path may be a pipe's (``/proc/PID/fd/pipe:[N]``), where no file can
    be made beside it, and a file renamed over the shell's would take the lines after it to the unlinked one.  A path
    that is there but not a file (a named pipe, a device) is yielded itself, to be written into: a rename would put a
    file where it was."""
    destinations = [_destination_of(path) for path in paths]
    made = [d.written for d in destinations if d.fd is not None or d.target is not None]  # not the streams themselves
    try:
        yield tuple(d.written for d in destinations)
        for d in destinations:
            if d.target is not None:
                _give_mode(d.written, d.target, mode)
        with interrupt_held():
            for d in destinations:
                if d.fd is not None:
                    _write_through(d.fd, d.written)
                elif d.target is not None:
                    os.replace(d.written, d.target)
    except BaseException:
        for temporary in made:
            with contextlib.suppress(OSError):  # not made, renamed already, or in a folder that refuses even that
                temporary.unlink(missing_ok=True)
        raise
    for d in destinations:
        if d.fd is not None:
            d.written.unlink(missing_ok=True)  # its copy, now through its descriptor


@dataclass(frozen=True)
class _Destination:
    """Where :func:`replacing_together` has a path's new content written, and what it does with it after."""

    written: Path
    """The file the ``with`` block writes."""
    fd: int | None = None
    """A descriptor the content then goes through (:func:`_write_through`)."""
    target: Path | None = None
    """A file the content is then renamed over; with neither, ``written`` is the stream itself, written into."""


def _destination_of(path: Path) -> _Destination:
    if (fd := _descriptor_of(path)) is not None:
        return _Destination(_stream_copy_path(fd), fd=fd)
    if _is_a_stream(path):
        return _Destination(path)
    target = Path(os.path.realpath(path))
    return _Destination(temporary_path(target), target=target)


def _descriptor_of(path: Path) -> int | None:
    """The descriptor of this process that ``path`` names, as a shell or a user gives one: ``/dev/stdout``,
    ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N`` or ``/proc/PID/fd/N`` of this process; else None."""
    match = re.fullmatch(r"/dev/(stdout|stderr)|/dev/fd/(\d+)|/proc/(self|\d+)/fd/(\d+)", os.path.abspath(path))
    if match is None or match[3] not in (None, "self", str(os.getpid())):
        return None
    return {"stdout": 1, "stderr": 2}.get(match[1] or "") or int(match[2] or match[4])


def _stream_copy_path(fd: int) -> Path:
    """Where the content for descriptor ``fd`` is written before it goes through it (:func:`replacing_together`)."""
    owner = f"{os.getpid()}-{threading.get_native_id()}"
    return Path(tempfile.gettempdir()) / f".musictagger-stream.{owner}-fd{fd}.{MARK}"


def _write_through(fd: int, copy: Path) -> None:
    """Write the bytes of ``copy`` to descriptor ``fd`` whole, after what this process's own streams on it hold."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # none, closed, or not on a descriptor
            if stream.fileno() == fd:
                stream.flush()
    with open(copy, "rb") as source:
        while chunk := source.read(1 << 16):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]


def _is_a_stream(path: Path) -> bool:
    """Whether ``path`` (a link followed) is there and not a regular file: a named pipe, a terminal, a device."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # not there yet (a new file), or not to be looked at: replaced as a file
        return False


@contextlib.contextmanager
def replacing_file(path: Path) -> Iterator[BinaryIO]:
    """:func:`replacing`, the temporary file given open for writing bytes: for writers that name their file
    themselves, such as ``numpy.save``/``savez``, which add ``.npy``/``.npz`` to a name without it (``distil --out
    narrow`` wrote ``.narrow….partial.npz``, and the rename found nothing)."""
    with replacing(path) as temporary, open(temporary, "wb") as file:
        yield file


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in UTF-8, whole (:func:`replacing`): the reports, a sidecar, a run's settings."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def _give_mode(temporary: Path, target: Path, mode: int | None) -> None:
    """Give ``temporary`` the permissions ``mode``, or, with None, those of ``target`` if there is such a file."""
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            return
    with unless_not_kept():
        os.chmod(temporary, mode)


def temporary_path(path: Path) -> Path:
    """Where :func:`replacing` writes ``path``'s new content in this process and thread: hidden, beside it, named
    ``.NAME.PID-THREAD.partial.SUFFIX`` (``NAME`` without its suffix); a name too long for a folder entry has a hash
    of itself for ``NAME``."""
    owner = f"{os.getpid()}-{threading.get_native_id()}"
    name = f".{path.stem}.{owner}.{MARK}{path.suffix}"
    if len(os.fsencode(name)) > NAME_BYTES:
        digest = hashlib.sha256(os.fsencode(path.stem)).hexdigest()[:12]
        name = f".{digest}.{owner}.{MARK}{path.suffix}"
    return path.with_name(name)


def temporary_pattern(path: Path) -> str:
    """A glob pattern, within ``path``'s folder, of the temporary files of ``path`` (:func:`temporary_path`) of every
    process and thread: what writers killed outright left."""
    return f".{glob.escape(path.stem)}.*.{MARK}{glob.escape(path.suffix)}"

"""The one way musictagger writes a file whole: into a temporary file beside it, renamed over it once written.

A reader then sees the old file or the new one, never part of one, and a write that fails (a full disk, a folder that
refuses it) or is stopped (Ctrl-C, or SIGTERM or SIGHUP, which the commands take as one) leaves the file as it was and
no temporary file: each writer had its own copy of this, and most removed their temporary file on a failed write
alone, or never, so ``export``, ``streamline``, a model's sidecar, ``tag --csv`` and the experiments' reports left a
``.partial`` file (or a file cut short) beside the one asked for.

The temporary file is named for its target, this process and this thread (:func:`temporary_path`), so that processes
writing the same file (a cache entry, the library's codes) each write their own, and it keeps the target's suffix,
which writers such as ``numpy.save`` and Matplotlib's ``savefig`` go by.  A process killed outright (SIGKILL, a power
cut) leaves it behind; :func:`temporary_pattern` finds such files.

Qt-free, and imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from musictagger.db import unless_not_kept
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

    A path that is there but not a file (a pipe, ``/dev/stdout``, a device: ``tag --csv /dev/stdout | column``) is
    yielded itself, to be written into: there is nothing to replace, the temporary file beside ``/dev/stdout``'s real
    path (``/proc/PID/fd/pipe:[N]``) cannot be made, and a rename would put a file where the pipe was."""
    streams = {path for path in paths if _is_a_stream(path)}
    targets = [path if path in streams else Path(os.path.realpath(path)) for path in paths]
    replaced = [(temporary_path(target), target) for target in targets if target not in streams]
    written = iter(temporary for temporary, _ in replaced)
    try:
        yield tuple(target if target in streams else next(written) for target in targets)
        for temporary, target in replaced:
            _give_mode(temporary, target, mode)
        with interrupt_held():
            for temporary, target in replaced:
                os.replace(temporary, target)
    except BaseException:
        for temporary, _ in replaced:
            with contextlib.suppress(OSError):  # not made, renamed already, or in a folder that refuses even that
                temporary.unlink(missing_ok=True)
        raise


def _is_a_stream(path: Path) -> bool:
    """Whether ``path`` (a link followed) is there and not a regular file: a pipe, a terminal, a device."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # not there yet (a new file), or not to be looked at: replaced as a file
        return False


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

"""Ctrl-C: the exit status of a command it stopped and the line saying so, holding it back while a process
cannot take it well, and output it does not cut short.

Imports nothing heavy: the programs' entry points (:mod:`musictagger.cli.entry`, which holds SIGINT back itself
from its first statement, before this import) use it before their modules are imported, and
:mod:`musictagger.workers` while it starts a worker process, which inherits the blocked signal.  Qt-free."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTED_STATUS = 130
"""Exit status of a program stopped by Ctrl-C or SIGTERM (128 + SIGINT, as a shell reports it)."""
_INTERRUPTS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a command: Ctrl-C, and SIGTERM, which it takes as one (:mod:`musictagger.cli.main`)."""


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back from this thread (and the processes it starts) for the ``with`` block: one that comes
    meanwhile is delivered at its end.  Where there are no POSIX signal masks (Windows, where Ctrl-C is another
    mechanism), do nothing."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def interrupted() -> int:
    """Say that Ctrl-C (or SIGTERM) stopped the program, on one line; its exit status."""
    print("interrupted", file=sys.stderr)
    return INTERRUPTED_STATUS


def print_whole(text: str) -> None:
    """Print ``text`` and a line break on standard output whole, even if Ctrl-C or SIGTERM (which the command takes
    as one) comes meanwhile: it stops the command once the text is out.

    Output to a slow reader (a pipe that is full) waits in the write, and an interrupt there cut the text short:
    ``analyze --json`` stopped by SIGTERM left a last JSON line without its end (with ``PYTHONUNBUFFERED`` set, as
    containers often have it, Python writes the line and its break apart), which a script reading JSON Lines takes
    for a damaged record.  The bytes go out here in ``os.write`` calls until all are written, the interrupt held
    until then; a reader that takes nothing more keeps the command waiting, as it would any program's write.  A
    stream in memory (a caller's, or a test's) takes them at once."""
    stream = sys.stdout
    if stream is None:  # no output at all (``>&-``): dropped, as print drops it
        return
    try:
        fd = stream.fileno()
    except (AttributeError, io.UnsupportedOperation):
        stream.write(text + "\n")
        stream.flush()
        return
    stream.flush()
    data = memoryview((text + "\n").encode(stream.encoding, stream.errors))
    with output_errors(), _interrupt_held():
        while data:
            data = data[os.write(fd, data) :]


class OutputError(OSError):
    """Standard output cannot be written (a full disk, a quota, an I/O error): the command says so and ends
    (:mod:`musictagger.cli.main`), where it ended in a traceback (``analyze --json … > out.jsonl`` on a full disk).
    What went out before is whole."""


@contextmanager
def output_errors() -> Iterator[None]:
    """An OSError of the ``with`` block, writing standard output, as :class:`OutputError`; but the reader's going
    (BrokenPipeError), which ends the command quietly (:mod:`musictagger.cli.main`)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.errno, exc.strerror) from None


@contextmanager
def _interrupt_held() -> Iterator[None]:
    """Take a Ctrl-C or SIGTERM that comes during the ``with`` block at its end, as KeyboardInterrupt: meanwhile
    their handlers only note them, so that nothing in the block is cut short (the main thread only).  A signal
    ignored, or left to end the process, stays so."""
    held: list[int] = []
    handlers = {number: handler for number in _INTERRUPTS if callable(handler := signal.getsignal(number))}
    for number in handlers:
        signal.signal(number, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    if held:
        raise KeyboardInterrupt

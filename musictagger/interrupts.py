"""Ctrl-C: the exit status of a command it stopped and the line saying so, and holding it back while a process
cannot take it well.

Imports nothing heavy: the programs' entry points (:mod:`musictagger.cli.entry`, which holds SIGINT back itself
from its first statement, before this import) use it before their modules are imported, and
:mod:`musictagger.workers` while it starts a worker process, which inherits the blocked signal.  Qt-free."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTED_STATUS = 130
"""Exit status of a program stopped by Ctrl-C or SIGTERM (128 + SIGINT, as a shell reports it)."""


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

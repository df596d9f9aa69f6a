"""The installed programs' entry points: ``musictagger``, ``musictagger-gui`` and ``python -m musictagger``.

They import nothing heavy themselves, so that Ctrl-C ends a program the same way from its first moment.
The command's and the window's modules (numpy, PyAV, onnxruntime, Qt) take ~0.3 s and ~1 s to import, and a
Ctrl-C in that time printed a traceback of the import it cut short, and not always a KeyboardInterrupt's:
onnxruntime's initialiser turns it into ``ImportError: initialization failed``, Python 3.11 one in a class
body into a ``RuntimeError`` (threadpoolctl), and shiboken (Qt) ends the process with a "Fatal Python error".
So SIGINT is held back while they import, and one that came meanwhile stops the program once they are in,
with ``interrupted`` and status 130, as a Ctrl-C while the command runs does (:func:`musictagger.cli.main.main`).
Python's own start (before this module runs, ~20 ms) is out of its reach.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTED_STATUS = 130
"""Exit status of a program stopped by Ctrl-C or SIGTERM (128 + SIGINT, as a shell reports it)."""


def musictagger() -> int:
    """The ``musictagger`` command (pyproject's ``[project.scripts]``, ``python -m musictagger``)."""
    try:
        with _ctrl_c_held_back():
            from musictagger.cli.main import main
        return main()
    except KeyboardInterrupt:
        return interrupted()


def musictagger_gui() -> int:
    """The ``musictagger-gui`` program (pyproject's ``[project.gui-scripts]``): the window's ``main``."""
    try:
        with _ctrl_c_held_back():
            from musictagger.gui.app import main
        return main()
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say that Ctrl-C stopped the program, on one line; its exit status."""
    print("interrupted", file=sys.stderr)
    return INTERRUPTED_STATUS


@contextmanager
def _ctrl_c_held_back() -> Iterator[None]:
    """Hold SIGINT back for the ``with`` block; one that came meanwhile raises KeyboardInterrupt at its end.
    Where there are no POSIX signal masks (Windows, where Ctrl-C is another mechanism), do nothing."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

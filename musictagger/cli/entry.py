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

from musictagger.interrupts import interrupted, sigint_blocked


def musictagger() -> int:
    """The ``musictagger`` command (pyproject's ``[project.scripts]``, ``python -m musictagger``)."""
    try:
        with sigint_blocked():
            from musictagger.cli.main import main
        return main()
    except KeyboardInterrupt:
        return interrupted()


def musictagger_gui() -> int:
    """The ``musictagger-gui`` program (pyproject's ``[project.gui-scripts]``): the window's ``main``."""
    try:
        with sigint_blocked():
            from musictagger.gui.app import main
        return main()
    except KeyboardInterrupt:
        return interrupted()

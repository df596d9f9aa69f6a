"""The installed programs' entry points: ``musictagger``, ``musictagger-gui`` and ``python -m musictagger``.

Ctrl-C ends a program the same way from the first statement of this module: ``interrupted`` and status 130.
The command's and the window's modules (numpy, PyAV, onnxruntime, Qt) take ~0.3 s and ~1 s to import, and a
Ctrl-C in that time printed a traceback of the import it cut short, and not always a KeyboardInterrupt's:
onnxruntime's initialiser turns it into ``ImportError: initialization failed``, Python 3.11 one in a class
body into a ``RuntimeError`` (threadpoolctl), and shiboken (Qt) ends the process with a "Fatal Python error".
So SIGINT is held back from this module's first statement, before any other import, until the program's
modules are in; one that came meanwhile then stops the program, as a Ctrl-C while the command runs does
(:func:`musictagger.cli.main.main`).  Importing this module is therefore for starting a program alone.

Out of its reach: Python's own start, whose SIGINT handler is there before its ``site`` import (a Ctrl-C
there ends in "Fatal Python error: init_import_site" and a traceback, status 1), and the launcher's lookup
of this module and of the ``musictagger`` package, kept free of imports for that (~1 ms).
"""

import _signal  # signal's C half, already loaded: ``signal`` imports enum, 3 ms of Ctrl-C tracebacks more

_MASK_AT_START = (
    _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT}) if hasattr(_signal, "pthread_sigmask") else None
)
"""This thread's signal mask before SIGINT was held back; None where there are no masks (Windows)."""

from musictagger.interrupts import interrupted  # noqa: E402 (SIGINT is held back first)

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers alone: collections is one more import before SIGINT is let in
    from collections.abc import Callable


def musictagger() -> int:
    """The ``musictagger`` command (pyproject's ``[project.scripts]``, ``python -m musictagger``)."""
    return _started(_command_main)


def musictagger_gui() -> int:
    """The ``musictagger-gui`` program (pyproject's ``[project.gui-scripts]``): the window's ``main``."""
    return _started(_window_main)


def _command_main() -> "Callable[[], int]":
    from musictagger.cli.main import main

    return main


def _window_main() -> "Callable[[], int]":
    from musictagger.gui.app import main

    return main


def _started(import_main: "Callable[[], Callable[[], int]]") -> int:
    """Import a program's ``main`` (``import_main``: the import written out, where PyInstaller finds it) with
    SIGINT still held back, let it in, and run ``main``: a Ctrl-C at any time ends it with ``interrupted``.

    Once its status is decided, SIGINT is ignored: Python puts back its default action as it shuts down, and a
    Ctrl-C pressed again as the program left (twice to stop ``index``, the second as the first was answered)
    killed it, status -2 to its parent where it had said ``interrupted`` and was leaving with 130."""
    try:
        try:
            main = import_main()
        finally:
            _let_sigint_in()
        return main()
    except KeyboardInterrupt:
        _ignore_sigint()  # before it is said: another Ctrl-C meanwhile would escape this handler
        return interrupted()
    finally:
        _ignore_sigint()


def _ignore_sigint() -> None:
    """Ignore SIGINT from now on; Python leaves an ignored signal ignored as it shuts down."""
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


def _let_sigint_in() -> None:
    """Give this thread back the signal mask it started with: a Ctrl-C held back meanwhile raises
    KeyboardInterrupt here."""
    if _MASK_AT_START is not None:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, _MASK_AT_START)

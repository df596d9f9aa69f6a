"""A write stopped (KeyboardInterrupt, as Ctrl-C and the commands' SIGTERM raise it) in the instant before its file is
renamed into place: its new content is whole by then, beside the file, which is where a writer that cleans up after a
failed write alone leaves it.  And a write that fails part-way, as on a full disk: a file written in place is left cut
short."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_stop_before: list[Callable[[Path], bool]] = []
"""Which file's next rename into place is stopped (true of the path renamed onto), while a test asks for it."""


def _stop_at_rename(event: str, args: tuple[object, ...]) -> None:
    """The audit hook: ``os.replace``, ``os.rename`` and ``Path.replace`` all raise ``os.rename``."""
    if event == "os.rename" and _stop_before and _stop_before[0](Path(os.fsdecode(args[1]))):
        _stop_before.clear()
        raise KeyboardInterrupt


sys.addaudithook(_stop_at_rename)  # a hook cannot be removed: it does nothing unless asked


@contextmanager
def stopped_before_renaming(into: Callable[[Path], bool]) -> Iterator[None]:
    """For the ``with`` block, the first rename onto a path ``into`` is true of raises KeyboardInterrupt instead."""
    _stop_before[:] = [into]
    try:
        yield
    finally:
        _stop_before.clear()


def stopped_before_renaming_into(target: Path) -> contextlib.AbstractContextManager[None]:
    """For the ``with`` block, the first rename onto a file named as ``target`` raises KeyboardInterrupt instead."""
    return stopped_before_renaming(lambda path: path.name == target.name)


@contextmanager
def writes_failing_past(size: int) -> Iterator[None]:
    """For the ``with`` block, a write that would take a file of this process past ``size`` bytes fails part-way
    (OSError EFBIG), as on a full disk: what was written before stays, a file written in place is left cut short."""
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel ends the process
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, ignored)


def names_in(folder: Path) -> list[str]:
    """The names in ``folder``, sorted: what a stopped write must leave as it was."""
    return sorted(path.name for path in folder.iterdir())

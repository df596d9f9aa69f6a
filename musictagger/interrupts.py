"""Ctrl-C: the exit status of a command it stopped and the line saying so, holding it back while a process
cannot take it well, and output it does not cut short; SIGTERM and SIGHUP (its terminal closed), taken as Ctrl-C,
with the exit status a shell gives a program each ends.

Imports nothing heavy: the programs' entry points (:mod:`musictagger.cli.entry`, which holds SIGINT back itself
from its first statement, before this import) use it before their modules are imported, and
:mod:`musictagger.workers` while it starts a worker process, which inherits the blocked signals.  Qt-free."""

from __future__ import annotations

import errno
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

INTERRUPTED_STATUS = 128 + signal.SIGINT
"""Exit status of a program stopped by Ctrl-C, 130: 128 + SIGINT, as a shell reports a program Ctrl-C ends
(:func:`stopped_status`: SIGTERM's and SIGHUP's)."""
_HANGUP = getattr(signal, "SIGHUP", None)
"""SIGHUP, where there is one (not on Windows)."""
STOP_SIGNALS = (signal.SIGTERM, *((_HANGUP,) if _HANGUP is not None else ()))
"""The signals a program takes as Ctrl-C (:func:`stop_as_ctrl_c`): SIGTERM (``kill``, a service stopped, the session
ending) and, where there is one, SIGHUP (the terminal it runs in closed)."""
_INTERRUPTS = (signal.SIGINT, *STOP_SIGNALS)
"""The signals that stop a command: Ctrl-C, and those it takes as one (:mod:`musictagger.cli.main`)."""
TERMINAL_SIGNALS = {signal.SIGINT, *((_HANGUP,) if _HANGUP is not None else ())}
"""What a terminal sends every process of the command it runs: Ctrl-C, and SIGHUP as it closes."""


@contextmanager
def terminal_signals_blocked() -> Iterator[None]:
    """Hold :data:`TERMINAL_SIGNALS` back from this thread (and the processes it starts, which inherit the mask) for
    the ``with`` block: one that comes meanwhile is delivered at its end.  Where there are no POSIX signal masks
    (Windows, where Ctrl-C is another mechanism), do nothing."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINAL_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_stopped_by: list[int] = []
"""The signal that stopped the command, once one has (:func:`stopped_status`)."""


def stopped_status(signum: int | None = None) -> int:
    """The exit status of a program stopped by signal ``signum``, by default the one that stopped this command
    (:func:`stop_as_ctrl_c`, :func:`interrupt_held`; Ctrl-C when none was noted: Python's own handler raised it):
    128 + its number, as a shell reports a program the signal ends, and as scripts and service managers read it:
    130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.  Every stop said 130, Ctrl-C's, so that a script could not tell
    a ``kill`` (a service stopped, a timeout) from a user's Ctrl-C."""
    return 128 + (signum or next(iter(_stopped_by), signal.SIGINT))


@contextmanager
def stopping_as_ctrl_c() -> Iterator[None]:
    """For the ``with`` block (a command's run), take :data:`STOP_SIGNALS` as Ctrl-C (:func:`stop_as_ctrl_c`), but a
    signal ignored (``nohup``'s SIGHUP) stays so; no stop noted yet.  Ctrl-C itself, where Python's own handler takes
    it, goes through :func:`stop_as_ctrl_c` too, which notes it: a hang-up or SIGTERM while the command stopped after
    a Ctrl-C was the first stop noted, and the status said 129 or 143.  The handlers are given back after."""
    _stopped_by.clear()
    previous = {number: signal.signal(number, stop_as_ctrl_c) for number in _INTERRUPTS if _stops_here(number)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stops_here(signum: int) -> bool:
    """Whether the signal ``signum`` stops this process through Python: Ctrl-C by Python's own handler, the others
    unless ignored."""
    handler = signal.getsignal(signum)
    return handler is signal.default_int_handler if signum == signal.SIGINT else handler is not signal.SIG_IGN


def stop_noted() -> bool:
    """Whether a stop has come in this command (:func:`stop_as_ctrl_c`): for a KeyboardInterrupt a library swallowed,
    as ``sqlite3`` does one raised in a SQL function (:mod:`musictagger.db`)."""
    return bool(_stopped_by)


def _note_stop(signum: int) -> None:
    """Note ``signum`` as the signal that stopped the command, unless one already has (:func:`stopped_status`)."""
    if not _stopped_by:
        _stopped_by.append(signum)


def stop_as_ctrl_c(signum: int, _frame: FrameType | None) -> None:
    """The handler of Ctrl-C and :data:`STOP_SIGNALS` in the command (:func:`stopping_as_ctrl_c`): stop as Ctrl-C
    would, through the same clean paths, with the signal's own exit status (:func:`stopped_status`).

    SIGHUP used to end the command on the spot, as a kill does: closing the terminal window that ran ``listen
    --save heard.wav`` lost the recording (left in the cache, heard.wav never written), and ``tag`` left a hidden
    copy of the file it was writing in the music folder.  After a hang-up the terminal takes no more output
    (:func:`quiet_hung_up_terminal`).

    Once stopping, a hang-up stops nothing more: it only quiets the closed terminal.  A terminal's closing sends
    SIGHUP twice (the kernel's, then the shell's passing it on to its jobs), and the second, a KeyboardInterrupt in
    ``index``'s shutdown of its workers, left the command hanging for good after its last line."""
    _note_stop(signum)
    if _HANGUP is not None:
        signal.signal(_HANGUP, _quiet_on_hang_up)
    if signum == _HANGUP:
        quiet_hung_up_terminal()
    raise KeyboardInterrupt


def _quiet_on_hang_up(_signum: int, _frame: FrameType | None) -> None:
    """SIGHUP's handler in a command already stopping (:func:`stop_as_ctrl_c`)."""
    quiet_hung_up_terminal()


def quiet_hung_up_terminal() -> None:
    """Send what this process writes to standard output or error from now on nowhere where that is a terminal that
    has closed (hung up), rather than failing each write (EIO): the command's last lines, its progress bar's clearing
    or its ``interrupted`` then ended it in a traceback, or cut its clean-up short.  Output to a file or a pipe, or to
    a terminal still open (``kill -HUP`` from another one), is left as it is."""
    try:
        import termios
    except ImportError:  # no terminals of this kind (Windows)
        return
    for fd in (1, 2):
        try:
            termios.tcgetattr(fd)
        except termios.error as exc:
            if exc.args[0] == errno.EIO:  # a terminal, hung up (a file or a pipe: ENOTTY; closed: EBADF)
                nowhere = os.open(os.devnull, os.O_WRONLY)
                os.dup2(nowhere, fd)
                os.close(nowhere)


def interrupted(signum: int | None = None) -> int:
    """Say that Ctrl-C (or SIGTERM, or SIGHUP) stopped the program, on one line; its exit status
    (:func:`stopped_status` of ``signum``, by default the signal that stopped the command)."""
    print("interrupted", file=sys.stderr)
    return stopped_status(signum)


def print_whole(text: str) -> None:
    """Print ``text`` and a line break on standard output whole, even if Ctrl-C or SIGTERM (which the command takes
    as one, as SIGHUP) comes meanwhile: it stops the command once the text is out.

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
    with output_errors(), interrupt_held():
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
def interrupt_held() -> Iterator[None]:
    """Take a Ctrl-C, SIGTERM or SIGHUP that comes during the ``with`` block at its end, as KeyboardInterrupt: meanwhile
    their handlers only note them, so that nothing in the block is cut short.  Only handlers that raise
    KeyboardInterrupt are held (Python's own for Ctrl-C, :func:`stop_as_ctrl_c`): a signal ignored, left to end the
    process, or handled otherwise (the window's) stays so.  Python runs handlers in the main thread alone, so in
    another thread, where no KeyboardInterrupt is raised, this does nothing."""
    with interrupt_held_from_mark() as hold_from_here:
        hold_from_here()
        yield


@contextmanager
def interrupt_held_from_mark() -> Iterator[Callable[[], None]]:
    """:func:`interrupt_held` from the moment the ``with`` block calls the function it is given (if it does) to the
    block's end; before, a stop comes at once.  For a step whose long part may be cut short but whose end must not be,
    once begun: a file ``tag`` or ``undo`` has just replaced is journalled and counted before the stop (its long copy
    and check, before, stop at once).  Calling the function again changes nothing."""
    held: list[int] = []
    handlers: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}
    holding = [False]

    def note(signum: int, _frame: FrameType | None) -> None:
        held.append(signum)
        _note_stop(signum)
        if signum == _HANGUP:
            quiet_hung_up_terminal()

    def hold_from_here() -> None:
        if holding[0] or threading.current_thread() is not threading.main_thread():
            return
        holding[0] = True
        raising = (signal.default_int_handler, stop_as_ctrl_c)
        handlers.update({number: handler for number in _INTERRUPTS if (handler := signal.getsignal(number)) in raising})
        for number in handlers:
            signal.signal(number, note)

    try:
        yield hold_from_here
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    if held:
        raise KeyboardInterrupt

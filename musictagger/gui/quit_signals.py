"""Ctrl-C in the terminal (SIGINT), SIGTERM and SIGHUP (the terminal closed) close the window as File ▸ Quit does.

Python runs a signal's handler between the main thread's bytecodes, and while Qt's event loop waits in C++ there
are none: Ctrl-C did nothing to a running window (then raised a KeyboardInterrupt in whatever callback ran next).
So, while the window runs, the signals' Python handlers do nothing themselves: :func:`signal.set_wakeup_fd`
has Python's C-level handler write each signal's number to a socket, a :class:`QSocketNotifier` on the other end
wakes the event loop, and its slot closes every window.  The main window's close does what Quit does (its layout
and settings saved, the analysis process and the live input stopped, background work cancelled and waited for),
and a dialog open meanwhile is closed as its Close button would.  The program then exits with the signal's status,
as the command line does (:func:`musictagger.interrupts.stopped_status`: 130, 143, 129).  SIGHUP used to end the
window on the spot when the terminal it was started from closed: its layout unsaved, a file the Tag dialog was
writing left as a hidden copy beside it.  A signal ignored (``nohup``) stays so.
"""

from __future__ import annotations

import logging
import signal
import socket
from types import FrameType, TracebackType

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

from musictagger.interrupts import STOP_SIGNALS, quiet_hung_up_terminal

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, *STOP_SIGNALS)


class QuitOnSignals(QObject):
    """For a ``with`` block around the event loop: SIGINT, SIGTERM and SIGHUP close every window; :attr:`received` is the
    first such signal (None if none came).  The signals' handlers and Python's wake-up fd are given back after."""

    def __init__(self) -> None:
        super().__init__()
        self.received: signal.Signals | None = None
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)  # a burst of signals never blocks the handler, nor the slot reading them
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)
        self._previous_fd = -1
        self._previous_handlers: dict[signal.Signals, object] = {}

    def __enter__(self) -> QuitOnSignals:
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous_handlers = {
            number: signal.signal(number, _noted)
            for number in SIGNALS
            if signal.getsignal(number) is not signal.SIG_IGN
        }
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        for number, handler in self._previous_handlers.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()

    def _woken(self) -> None:
        """The socket has signal numbers to read: close the windows on one of :data:`SIGNALS` (others are ignored);
        after SIGHUP, the closed terminal takes no more output (:func:`~musictagger.interrupts.quiet_hung_up_terminal`,
        else the last lines' writes failed)."""
        try:
            numbers = self._read.recv(256)
        except BlockingIOError:
            return
        caught = [signal.Signals(number) for number in numbers if number in SIGNALS]
        if not caught:
            return
        if getattr(signal, "SIGHUP", None) in caught:
            quiet_hung_up_terminal()
        if self.received is None:
            self.received = caught[0]
            log.info("%s received: closing the window", self.received.name)
        QApplication.closeAllWindows()  # dialogs too; the last window closed ends the event loop


def _noted(_number: int, _frame: FrameType | None) -> None:
    """The signals' Python handler: nothing to do here, the wake-up fd carries the signal (see the module)."""

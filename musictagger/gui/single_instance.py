"""One window per library: ``musictagger-gui FILE...`` started while a window is open hands FILEs to that window.

A file manager's "Open with musictagger" runs ``musictagger-gui %F`` for each choice.  Each used to open another
window on the same library: a second analysis process, library view and settings writer, and the files nowhere near
the window the user was looking at.  Now the window already open listens on a local socket named after its library
(:func:`server_name`: its data folder, and the user's id); a later start connects, sends its files' absolute paths,
and ends once that window has answered with its process id, which it names.  The window queues the files as if they
were dropped on it and comes to the front.

Nothing answering (no window open, or one left a socket file behind when it was killed) or a window that does not
answer within :data:`ANSWER_WAIT_MS` (hung) and the start opens its own window as before; the socket of a killed one
is taken over.  ``--quit-after-first-result`` always opens its own window and listens for none: a scripted check
must see its own file's verdict, and a user's later start must not reach a window about to quit.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from musictagger import userdirs

log = logging.getLogger(__name__)

CONNECT_WAIT_MS = 1000
ANSWER_WAIT_MS = 3000
LENGTH_BYTES = 4
"""A message is its length (big-endian), then the start's activation token and its paths, each path as the file
system's bytes, separated by NUL."""
TOKEN_VARIABLE = "XDG_ACTIVATION_TOKEN"
"""Where a Wayland desktop gives a program it starts the token that lets a window come to the front, and where Qt's
Wayland platform takes it from when a window asks to (``QWindow.requestActivate``): without it, GNOME and KDE on
Wayland only flash a notice that the window is ready.  The later start hands its token to the open window."""


def server_name() -> str:
    """The local socket's name for this user's window on this library: another library (``XDG_DATA_HOME`` set
    elsewhere) gets a window of its own."""
    uid = os.getuid() if hasattr(os, "getuid") else ""  # Windows: a named pipe, the session's own
    owner = f"{uid}:{userdirs.data_dir()}"
    return f"musictagger-{hashlib.sha256(owner.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}"


def hand_to_open_window(paths: list[Path]) -> int | None:
    """Send ``paths`` (made absolute: the window runs in another folder) to the window open on this library; the
    id of its process once it has taken them, or None when no window took them."""
    socket = QLocalSocket()
    socket.connectToServer(server_name())
    if not socket.waitForConnected(CONNECT_WAIT_MS):
        return None
    token = os.environ.get(TOKEN_VARIABLE, "")
    payload = b"\0".join([token.encode(), *(os.fsencode(path.absolute()) for path in paths)])
    socket.write(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
    answer = b""
    while socket.waitForReadyRead(ANSWER_WAIT_MS):
        answer += bytes(socket.readAll().data())
        if answer.endswith(b"\n"):
            socket.disconnectFromServer()
            return int(answer)
    log.warning("the window open on this library (%s) did not answer; opening another", server_name())
    return None


class OpenWindowServer(QObject):
    """Listens, for the window open on this library, for later starts' files; ``on_paths`` gets each start's list
    (maybe empty: a start with no FILE), then the window comes to the front."""

    def __init__(self, window: QWidget, on_paths: Callable[[list[Path]], None]) -> None:
        super().__init__(window)
        self._window, self._on_paths = window, on_paths
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this user's starts alone
        self._server.newConnection.connect(self._accept)
        # Not listening once the window is closed: a later start opens its own, and no socket file outlives the run.
        QCoreApplication.instance().aboutToQuit.connect(self._server.close)
        name = server_name()
        if not self._server.listen(name):
            QLocalServer.removeServer(name)  # left by a window that was killed: nothing answered on it
            if not self._server.listen(name):
                log.warning("later starts will open windows of their own: %s", self._server.errorString())

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            received = bytearray()
            socket.readyRead.connect(lambda socket=socket, received=received: self._read(socket, received))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket, received: bytearray) -> None:
        received += bytes(socket.readAll().data())
        if len(received) < LENGTH_BYTES:
            return
        length = int.from_bytes(received[:LENGTH_BYTES], "big")
        if len(received) < LENGTH_BYTES + length:
            return
        token, *paths = bytes(received[LENGTH_BYTES : LENGTH_BYTES + length]).split(b"\0")
        socket.write(f"{os.getpid()}\n".encode())
        socket.flush()
        self._on_paths([Path(os.fsdecode(path)) for path in paths])
        self._bring_to_front(token.decode())

    def _bring_to_front(self, token: str) -> None:
        """Show the window, unminimised, above the others, with the later start's activation ``token`` where it had
        one (:data:`TOKEN_VARIABLE`; the desktop decides)."""
        window = self._window
        window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
        window.show()
        window.raise_()
        if token:
            os.environ[TOKEN_VARIABLE] = token
        try:
            window.activateWindow()
        finally:  # used once (Qt's Wayland platform removes it itself), and not handed to the programs the window starts
            os.environ.pop(TOKEN_VARIABLE, None)

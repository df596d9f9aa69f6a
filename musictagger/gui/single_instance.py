"""One window per library: ``musictagger-gui FILE...`` started while a window is open hands FILEs to that window.

A file manager's "Open with musictagger" runs ``musictagger-gui %F`` for each choice.  Each used to open another
window on the same library: a second analysis process, library view and settings writer, and the files nowhere near
the window the user was looking at.  Now the window already open listens on a local socket named after its library
(:func:`server_name`: its data folder, and the user's id); a later start connects, sends its files' absolute paths,
and ends once that window has answered with its process id, which it names, saying it had the answer
(:data:`ENDING`).  The window then queues the files as if they were dropped on it and comes to the front.

Nothing answering (no window open, or one left a socket file behind when it was killed) or a window that does not
answer within :data:`ANSWER_WAIT_MS` (hung) and the start opens its own window as before; the socket of a killed one
is taken over, that of a window still open is not (:class:`OpenWindowServer`).  The socket is this user's alone: in
``XDG_RUNTIME_DIR`` where there is one, and a start hands nothing to a socket another user made (:func:`_owner_id`).
``--quit-after-first-result`` always opens its own window and listens for none: a scripted check must see its own
file's verdict, and a user's later start must not reach a window about to quit.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDir, QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from musictagger import userdirs

log = logging.getLogger(__name__)

CONNECT_WAIT_MS = 1000
ANSWER_WAIT_MS = 3000
LENGTH_BYTES = 4
"""A message is its length (big-endian), then the start's activation token and its paths, each path as the file
system's bytes, separated by NUL.  The window answers with its process id and a newline, and the start, once it
has the answer, with :data:`ENDING`."""
ENDING = b"\n"
"""A start's last word, once it has the window's answer in time: the window takes the files only then.  A start that
waited in vain (the window busy for :data:`ANSWER_WAIT_MS`) opens a window of its own with them, and the busy one,
answering later, must not queue them too."""
TOKEN_VARIABLE = "XDG_ACTIVATION_TOKEN"
"""Where a Wayland desktop gives a program it starts the token that lets a window come to the front, and where Qt's
Wayland platform takes it from when a window asks to (``QWindow.requestActivate``): without it, GNOME and KDE on
Wayland only flash a notice that the window is ready.  The later start hands its token to the open window."""


SOCKET_PATH_MAX = 104
"""The longest path a Unix socket may have, in bytes, less its final NUL (macOS's; Linux allows 108)."""


def server_name() -> str:
    """The local socket's name for this user's window on this library: another library (``XDG_DATA_HOME`` set
    elsewhere) gets a window of its own.  A path in ``XDG_RUNTIME_DIR`` (the user's own folder, which no other user
    can enter) where that is set and the path not too long for a socket; else a name, which Qt puts in the temporary
    folder (``/tmp`` on Linux, shared by every user; the user's own on macOS) or makes a named pipe's (Windows)."""
    uid = os.getuid() if hasattr(os, "getuid") else ""  # Windows: a named pipe, the session's own
    owner = f"{uid}:{userdirs.data_dir()}"
    name = f"musictagger-{hashlib.sha256(owner.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "") if os.name == "posix" else ""
    path = os.path.join(runtime, name)
    return path if os.path.isabs(runtime) and len(os.fsencode(path)) < SOCKET_PATH_MAX else name


def _owner_id(name: str) -> int | None:
    """The user id of the socket file ``name`` (:func:`server_name`) names, None where there is none (or on
    Windows, whose named pipes have no file)."""
    if os.name != "posix":
        return None
    try:
        return os.lstat(name if os.path.isabs(name) else os.path.join(QDir.tempPath(), name)).st_uid
    except OSError:
        return None


def hand_to_open_window(paths: list[Path]) -> int | None:
    """Send ``paths`` (made absolute: the window runs in another folder) to the window open on this library; the
    id of its process once it has taken them, or None when no window took them.  Not to a socket another user made
    where ours would be (in a temporary folder all users share): that user's program would get the paths and could
    keep the start from opening a window."""
    name = server_name()
    if (uid := _owner_id(name)) is not None and uid != os.getuid():
        log.warning("%s: the socket is user %d's, not this user's; opening a window of its own", name, uid)
        return None
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_WAIT_MS):
        return None
    token = os.environ.get(TOKEN_VARIABLE, "")
    payload = b"\0".join([token.encode(), *(os.fsencode(path.absolute()) for path in paths)])
    socket.write(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
    answer = b""
    while socket.waitForReadyRead(ANSWER_WAIT_MS):
        answer += bytes(socket.readAll().data())
        if answer.endswith(b"\n"):
            socket.write(ENDING)
            socket.waitForBytesWritten(ANSWER_WAIT_MS)
            socket.disconnectFromServer()
            return int(answer)
    log.warning("the window open on this library (%s) did not answer; opening another", server_name())
    return None


def _answers(name: str) -> bool:
    """Whether a window listens on the socket ``name``.  Another window's start that overtook it (two starts at once,
    each opening a window as none was listening yet; or one beside a hung window) must not listen there: Qt's
    ``listen`` would put its socket in that one's place without a word, and that window, closed first, would remove
    the other's with its own, so that later starts opened windows again."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    listening = socket.waitForConnected(CONNECT_WAIT_MS)
    socket.abort()
    return listening


def _message_end(received: bytearray) -> int | None:
    """Where the message ``received`` begins with ends (:data:`LENGTH_BYTES`), None until it is there whole."""
    if len(received) < LENGTH_BYTES:
        return None
    end = LENGTH_BYTES + int.from_bytes(received[:LENGTH_BYTES], "big")
    return end if len(received) >= end else None


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
        if _answers(name):
            log.warning("%s: another window listens on this library's socket; later starts go to that one", name)
            return
        QLocalServer.removeServer(name)  # a socket file left by a window that was killed: nothing answers on it
        if not self._server.listen(name):
            log.warning("%s: later starts will open windows of their own: %s", name, self._server.errorString())

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            received = bytearray()
            socket.readyRead.connect(lambda socket=socket, received=received: self._read(socket, received))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket, received: bytearray) -> None:
        """Answer a start's whole message; take its files once it says it had the answer (:data:`ENDING`)."""
        answered = _message_end(received) is not None
        received += bytes(socket.readAll().data())
        if (end := _message_end(received)) is None:
            return
        if not answered:
            socket.write(f"{os.getpid()}\n".encode())
            socket.flush()
        if received[end:] != ENDING:  # not yet; or never, the start having given up
            return
        token, *paths = bytes(received[LENGTH_BYTES:end]).split(b"\0")
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

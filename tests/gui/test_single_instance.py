"""The open window's socket (musictagger.gui.single_instance): whose it is, and where it is."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QWidget

from musictagger.gui.single_instance import (
    ENDING,
    LENGTH_BYTES,
    SOCKET_PATH_MAX,
    OpenWindowServer,
    hand_to_open_window,
    server_name,
)

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="Unix sockets (Qt's local sockets are named pipes on Windows)"
)


def hand_over_by_hand(path: Path) -> socket.socket:
    """Send ``path`` as a later start does (:func:`hand_to_open_window`, whose waits would hold up this process's events
    and so the window's answer), from a plain socket; the socket, to read the answer from."""
    name = server_name()
    client = socket.socket(socket.AF_UNIX)
    client.connect(name if os.path.isabs(name) else os.path.join(QDir.tempPath(), name))
    payload = b"\0" + os.fsencode(path)  # no activation token, then the path
    client.sendall(len(payload).to_bytes(LENGTH_BYTES, "big") + payload)
    return client


def client_answered(client: socket.socket) -> bool:
    """Whether the window has answered ``client`` (:func:`hand_over_by_hand`); if so, say so as a start does."""
    try:
        answer = client.recv(64, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    assert answer == f"{os.getpid()}\n".encode()
    client.sendall(ENDING)
    return True


@pytest.fixture
def windows(qtbot) -> Iterator[list[QWidget]]:
    """Two widgets to stand for windows; the sockets their servers listen on closed after the test, as a window's
    are when the program quits (else their files stay in the temporary folder)."""
    made = [QWidget(), QWidget()]
    for widget in made:
        qtbot.addWidget(widget)
    yield made
    for widget in made:
        for server in widget.findChildren(QLocalServer):
            server.close()


def test_a_window_opened_while_another_listens_leaves_it_the_later_starts(
    qtbot, windows: list[QWidget], tmp_path: Path
) -> None:
    """Two starts at once (or one beside a hung window) each open a window.  The second's socket took the first's
    place without a word, and the first, closed, removed it with its own: later starts opened windows again."""
    first, second = windows
    taken: dict[str, list[list[Path]]] = {"first": [], "second": []}
    OpenWindowServer(first, taken["first"].append)
    OpenWindowServer(second, taken["second"].append)

    with hand_over_by_hand(tmp_path / "a.flac") as client:
        qtbot.waitUntil(lambda: client_answered(client))
    qtbot.waitUntil(lambda: taken != {"first": [], "second": []})
    assert taken == {"first": [[tmp_path / "a.flac"]], "second": []}


def test_a_busy_window_takes_no_files_from_a_start_that_gave_up_waiting(
    qtbot, windows: list[QWidget], tmp_path: Path
) -> None:
    """A start whose window did not answer in time (busy) opens a window of its own with its files; the busy one,
    answering later, queued them too: the same files in two windows, analysed twice."""
    window = windows[0]
    taken: list[list[Path]] = []
    OpenWindowServer(window, taken.append)
    hand_over_by_hand(tmp_path / "a.flac").close()  # sent, then gave up before the window had answered
    with hand_over_by_hand(tmp_path / "b.flac") as client:  # a later start, answered in time
        qtbot.waitUntil(lambda: client_answered(client))
    qtbot.waitUntil(lambda: taken != [])
    assert taken == [[tmp_path / "b.flac"]]


def test_the_socket_is_in_the_users_runtime_folder_where_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """``/tmp`` is every user's: the socket goes in ``XDG_RUNTIME_DIR``, no other user's, unless too long a path."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert os.path.dirname(server_name()) == "/run/user/1000"
    deep = "/run/" + "d" * (SOCKET_PATH_MAX - len("/run/"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", deep)
    assert server_name().startswith("musictagger-") and "/" not in server_name()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making another user's socket needs root")
def test_a_start_hands_nothing_to_a_socket_another_user_made(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user who made a socket where ours would be (``/tmp`` is every user's) got the start's paths and its
    Wayland token, and could answer so that the start opened no window."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    path = os.path.join(QDir.tempPath(), server_name())
    squatter = socket.socket(socket.AF_UNIX)
    squatter.bind(path)
    squatter.listen()
    os.chown(path, 4321, -1)
    squatter.settimeout(0.2)
    try:
        assert hand_to_open_window([tmp_path / "private.flac"]) is None
        with pytest.raises(TimeoutError):
            squatter.accept()
    finally:
        squatter.close()
        os.unlink(path)

"""Whether the window can open at all, asked before Qt starts: where it cannot, Qt's xcb platform ends the process
with SIGABRT (status 134) after blaming a missing xcb-cursor0 library and advising a reinstall ("This application
failed to start because no Qt platform plugin could be initialized. Reinstalling the application may fix this
problem."), which sends a user who has everything installed after the wrong fix."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

OVER_SSH = "over ssh, connect with ssh -X; the command line, musictagger, needs none"


@contextmanager
def display_checked(args: list[str]) -> Iterator[str | None]:
    """Why no window can open here (None where one can be tried), for Qt to be started inside the block.

    On Linux: no display server is named (ssh without -X, a text console, a cron job), or the X server named
    cannot be reached (a terminal multiplexer's DISPLAY from an earlier login, another user's display); not asked
    where Qt would not take X11 (:func:`x11_in_question`).  The X connection made to ask stays open until the
    block ends: closing an X server's only client makes it reset, and a window connecting meanwhile was refused
    (Xvfb, or another server with no desktop on it)."""
    if not x11_in_question(args):
        yield None
    elif not (display := os.environ.get("DISPLAY")):
        yield f"no display to open the window on: neither DISPLAY nor WAYLAND_DISPLAY is set ({OVER_SSH})"
    else:
        with x_connection(display) as reached:
            why = f"the display {display} (DISPLAY) cannot be reached: its X server is not running, or it does not let"
            yield None if reached else f"{why} this user in ({OVER_SSH})"


def x11_in_question(args: list[str]) -> bool:
    """Whether Qt would take its xcb platform: on Linux, where ``QT_QPA_PLATFORM`` asks for it, or asks for none
    outside a Wayland session, and no ``-platform`` option is given."""
    if not sys.platform.startswith("linux") or any(arg.lstrip("-").startswith("platform") for arg in args):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM")
    return platform == "xcb" if platform else not os.environ.get("WAYLAND_DISPLAY")


@contextmanager
def x_connection(display: str) -> Iterator[bool]:
    """Whether libxcb, which Qt's xcb platform connects with, connects to ``display``, the connection held open
    for the block; True where libxcb is missing (Qt then names the library it lacks, rightly)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        yield True
        return
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: a failed connection reports its error
    try:
        yield xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)

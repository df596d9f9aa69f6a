"""musictagger-gui started where there is no display (ssh without -X, a text console) says so and ends.

Qt ended the process with SIGABRT (status 134) after blaming a missing xcb-cursor0 library and advising a
reinstall ("This application failed to start because no Qt platform plugin could be initialized. Reinstalling the
application may fix this problem."), which sent a user who had everything installed after the wrong fix.
"""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_window_without_a_display_says_there_is_none() -> None:
    env = {
        key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "musictagger.gui"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        "musictagger-gui: error: no display to open the window on: neither DISPLAY nor WAYLAND_DISPLAY is set "
        "(over ssh, connect with ssh -X; the command line, musictagger, needs none)\n"
    )

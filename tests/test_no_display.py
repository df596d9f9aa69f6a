"""musictagger-gui where no window can open (ssh without -X, a text console, a stale DISPLAY) says why and ends.

Qt ended the process with SIGABRT (status 134) after blaming a missing xcb-cursor0 library and advising a
reinstall ("This application failed to start because no Qt platform plugin could be initialized. Reinstalling the
application may fix this problem."), which sent a user who had everything installed after the wrong fix.  And
where the display answers, asking first must not stop the window: an X server whose only client (the question)
leaves resets, and refused the window connecting meanwhile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

OVER_SSH = "(over ssh, connect with ssh -X; the command line, musictagger, needs none)"


def run_window(*args: str, under: list[str] | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """``musictagger-gui ARGS`` (``under`` a command) with the display variables as in ``env``, the others unset."""
    variables = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    base = {key: value for key, value in os.environ.items() if key not in variables}
    command = [*(under or []), sys.executable, "-m", "musictagger.gui", *args]
    return subprocess.run(command, env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_the_window_without_a_display_says_there_is_none() -> None:
    done = run_window()
    assert (done.returncode, done.stderr) == (
        1,
        f"musictagger-gui: error: no display to open the window on: neither DISPLAY nor WAYLAND_DISPLAY is set "
        f"{OVER_SSH}\n",
    )


def test_the_window_with_a_display_nobody_serves_says_it_cannot_be_reached() -> None:
    number = next(n for n in range(917, 1000) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    done = run_window(DISPLAY=f":{number}")
    assert done.returncode == 1, done.stderr
    assert done.stderr.endswith(
        f"musictagger-gui: error: the display :{number} (DISPLAY) cannot be reached: its X server is not running, "
        f"or it does not let this user in {OVER_SSH}\n"
    )


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (make test installs it)")
def test_the_window_opens_on_an_x_server_with_no_other_client(tmp_path: Path) -> None:
    """Asking with a connection closed before the window's: the window failed in 1 of 3 runs ('could not connect
    to display :100', then Qt's abort)."""
    song = tmp_path / "song.wav"
    t = np.arange(3 * 22050) / 22050
    sf.write(song, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    done = run_window("--quit-after-first-result", str(song), under=["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{song}: ")

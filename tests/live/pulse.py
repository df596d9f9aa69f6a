"""A PulseAudio null sink standing in for a microphone: started here for the tests and the live benchmark.

Music played into the sink (``paplay --device=vmic``) is heard on its monitor, which is made
the default input, through the very PortAudio path a real microphone takes.  Where
PulseAudio is not installed or cannot start, :func:`start_virtual_microphone` says why, and
the tests that need it (the ``virtual_microphone`` fixture in ``tests/conftest.py``) skip with that reason.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SINK = "vmic"
LOCK = Path(tempfile.gettempdir()) / "musictagger-vmic.lock"
SERVER_HOME = Path(tempfile.gettempdir()) / "musictagger-pulse"
"""The server's own XDG dirs: every test (each with isolated XDG dirs) and both test processes then
find the one server started first, instead of starting one each."""


class PulseUnavailableError(RuntimeError):
    """PulseAudio is absent, cannot start, or cannot be configured here; the message says which."""


def _server_environment() -> dict[str, str]:
    SERVER_HOME.mkdir(mode=0o700, exist_ok=True)
    return {**os.environ, "XDG_RUNTIME_DIR": str(SERVER_HOME), "XDG_CONFIG_HOME": str(SERVER_HOME / "config")}


def _pactl(*args: str) -> str:
    return subprocess.run(
        ["pactl", *args], check=True, capture_output=True, text=True, timeout=10, env=_server_environment()
    ).stdout


def start_virtual_microphone() -> str:
    """Start PulseAudio if needed, add the null sink, make its monitor the default input; return the server address.

    Clients need the address as ``PULSE_SERVER`` when their XDG dirs are not the server's
    (the tests isolate them, which hides the usual way clients find it).
    """
    if not (shutil.which("pulseaudio") and shutil.which("pactl") and shutil.which("paplay")):
        raise PulseUnavailableError(
            "PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)"
        )
    environment = _server_environment()
    if subprocess.run(["pulseaudio", "--check"], capture_output=True, env=environment).returncode != 0:
        started = subprocess.run(
            ["pulseaudio", "-D", "--exit-idle-time=-1"], capture_output=True, text=True, env=environment
        )
        if started.returncode != 0:
            raise PulseUnavailableError(f"PulseAudio cannot start here: {started.stderr.strip()}")
        time.sleep(0.5)
    try:
        if SINK not in _pactl("list", "short", "sinks"):
            _pactl("load-module", "module-null-sink", f"sink_name={SINK}")
        _pactl("set-default-source", f"{SINK}.monitor")
        server = next(
            line.split(":", 1)[1].strip() for line in _pactl("info").splitlines() if line.startswith("Server String")
        )
    except (subprocess.SubprocessError, OSError, StopIteration) as exc:
        raise PulseUnavailableError(f"PulseAudio is running but cannot be configured: {exc}") from exc
    return server if server.startswith(("unix:", "tcp:")) else f"unix:{server}"


@contextmanager
def sink_held_alone() -> Iterator[None]:
    """Hold the virtual microphone for one test: the suite's two processes (pytest-xdist) share one
    sound server, and two tests playing into one sink at once would each hear the other's music."""
    with LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield

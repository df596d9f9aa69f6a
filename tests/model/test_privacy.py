"""Analysing a file records nothing outside the app's own folders and opens no network socket.

onnxruntime's official wheels start telemetry when loaded (a device id and an event queue under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime``, and a DNS lookup of the collector); see
``musictagger.model.privacy``.  A real ``musictagger analyze`` process runs with a fresh home.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audio.signals import music, write
from tests.conftest import PROJECT_ROOT

XDG_VARIABLES = ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")


def analyse_in_a_fresh_home(tmp_path: Path, *, wrapper: list[str] = ()) -> Path:
    """Run ``musictagger analyze`` on a generated song with HOME and the XDG dirs in ``tmp_path``; the home."""
    home = tmp_path / "home"
    song = write(tmp_path / "song.flac", music(sr=22050, seconds=5.0), 22050, "flac")
    env = {**os.environ, "HOME": str(home)} | {name: str(home / name.lower()) for name in XDG_VARIABLES}
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app must turn it off itself
    command = [*wrapper, sys.executable, "-m", "musictagger", "analyze", str(song)]
    result = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return home


def test_analysing_a_file_writes_nothing_outside_the_apps_own_folders(tmp_path: Path) -> None:
    home = analyse_in_a_fresh_home(tmp_path)

    own = [home / name.lower() / "musictagger" for name in XDG_VARIABLES]
    elsewhere = [path for path in home.rglob("*") if not any(path == d or d in path.parents for d in own)]
    assert [path for path in elsewhere if path.is_file() or "Microsoft" in path.parts] == []


def strace() -> str | None:
    """strace, when it is installed and allowed to trace here (a container may forbid ptrace)."""
    path = shutil.which("strace")
    if path and subprocess.run([path, "-o", os.devnull, "true"], capture_output=True).returncode == 0:
        return path
    return None


@pytest.mark.skipif(strace() is None, reason="needs strace (apt-get install strace) and permission to trace")
def test_analysing_a_file_opens_no_network_socket(tmp_path: Path) -> None:
    trace = tmp_path / "syscalls.txt"

    analyse_in_a_fresh_home(
        tmp_path, wrapper=[strace(), "-f", "-qq", "--seccomp-bpf", "-e", "trace=socket,connect", "-o", str(trace)]
    )

    calls = trace.read_text().splitlines()
    assert [call for call in calls if "AF_INET" in call] == []  # AF_UNIX (multiprocessing, nscd) is local

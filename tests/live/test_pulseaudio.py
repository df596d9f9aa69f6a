"""The real PortAudio path: music played into a PulseAudio null sink, heard through its monitor.

The fixture starts a PulseAudio server (as the developers' guide describes) when the
machine has one installed; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from musictagger.model.runtime import analyze
from tests.audio.signals import music, write

SINK = "vmic"
SR = 44100


def _pactl(*args: str) -> str:
    return subprocess.run(["pactl", *args], check=True, capture_output=True, text=True, timeout=10).stdout


@pytest.fixture(scope="module")
def pulse_server() -> str:
    """A running PulseAudio server with a null sink whose monitor is the default input.

    Returns the server's address: the tests' isolated XDG dirs hide the usual way clients
    find it, so subprocesses get it as ``PULSE_SERVER``.
    """
    if not (shutil.which("pulseaudio") and shutil.which("pactl") and shutil.which("paplay")):
        pytest.skip("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)")
    if subprocess.run(["pulseaudio", "--check"], capture_output=True).returncode != 0:
        started = subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1"], capture_output=True, text=True)
        if started.returncode != 0:
            pytest.skip(f"PulseAudio cannot start here: {started.stderr.strip()}")
        time.sleep(0.5)
    try:
        if SINK not in _pactl("list", "short", "sinks"):
            _pactl("load-module", "module-null-sink", f"sink_name={SINK}")
        _pactl("set-default-source", f"{SINK}.monitor")
        server = next(
            line.split(":", 1)[1].strip() for line in _pactl("info").splitlines() if line.startswith("Server String")
        )
    except (subprocess.SubprocessError, OSError, StopIteration) as exc:
        pytest.skip(f"PulseAudio is running but cannot be configured: {exc}")
    return server if server.startswith(("unix:", "tcp:")) else f"unix:{server}"


@pytest.fixture
def virtual_microphone(pulse_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sink to play into; this test's subprocesses reach the server."""
    monkeypatch.setenv("PULSE_SERVER", pulse_server)
    return SINK


def musictagger(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "musictagger", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def test_the_pulse_input_is_listed(virtual_microphone: str) -> None:
    listed = musictagger("listen", "--list-devices")
    assert listed.returncode == 0, listed.stderr
    assert "pulse" in listed.stdout


def test_an_unknown_device_is_a_clear_error_naming_the_choices(virtual_microphone: str) -> None:
    result = musictagger("listen", "--device", "no such microphone", "--seconds", "1")
    assert result.returncode == 1
    assert "no input device matches 'no such microphone'; available:" in result.stderr
    assert "pulse" in result.stderr


def test_music_played_into_the_room_is_recognised_like_the_file(virtual_microphone: str, tmp_path: Path) -> None:
    path = write(tmp_path / "played.wav", np.stack([music(sr=SR, seconds=16.0, seed=5)] * 2), SR, "wav-pcm16")
    expected = analyze(path).genre
    command = ["listen", "--device", "pulse", "--seconds", "14", "--start-after", "6", "--json"]
    listener = subprocess.Popen(
        [sys.executable, "-m", "musictagger", *command, "--save", str(tmp_path / "heard.wav")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    time.sleep(2.0)  # let the stream open before the music starts
    player = subprocess.Popen(["paplay", f"--device={virtual_microphone}", str(path)])
    out, err = listener.communicate(timeout=120)
    player.wait(timeout=30)
    assert listener.returncode == 0, err
    steps = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    recognised = [s for s in steps if s["state"] == "recognised"]
    assert recognised, f"nothing recognised: {steps}"
    assert recognised[-1]["genre"] == expected
    assert max(s["level_dbfs"] or -200 for s in steps) > -40  # the music was really heard
    assert (tmp_path / "heard.wav").stat().st_size > SR * 4  # seconds of audio saved

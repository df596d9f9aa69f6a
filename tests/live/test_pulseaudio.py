"""The real PortAudio path: music played into a PulseAudio null sink, heard through its monitor.

The fixture (``virtual_microphone`` in tests/conftest.py, tests/live/pulse.py) start a PulseAudio server when the machine has one
installed; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from musictagger.model.runtime import analyze
from tests.audio.signals import music, write

SR = 44100


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


def test_a_script_lists_the_inputs_as_json_and_sees_the_default(virtual_microphone: str) -> None:
    """--list-devices --json printed the text lines, which a script reading JSON could not parse."""
    listed = musictagger("listen", "--list-devices", "--json")
    assert listed.returncode == 0, listed.stderr
    devices = json.loads(listed.stdout)["devices"]
    assert "pulse" in [device["name"] for device in devices]
    (default,) = [device for device in devices if device["default"]]
    assert default["channels"] > 0 and default["default_sample_rate"] > 0
    text = musictagger("listen", "--list-devices").stdout.splitlines()
    assert f"{default['index']}: {default['name']} (" in text[devices.index(default)]
    assert [line.endswith("(the default)") for line in text] == [device["default"] for device in devices]


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

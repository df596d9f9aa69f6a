"""Fixtures of the live tests: the PulseAudio virtual microphone (see tests/live/pulse.py)."""

from __future__ import annotations

import pytest

from tests.live.pulse import SINK, PulseUnavailableError, start_virtual_microphone


@pytest.fixture(scope="module")
def pulse_server() -> str:
    """A running PulseAudio server with a null sink whose monitor is the default input (its address)."""
    try:
        return start_virtual_microphone()
    except PulseUnavailableError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def virtual_microphone(pulse_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sink to play into; this test's process and subprocesses reach the server."""
    monkeypatch.setenv("PULSE_SERVER", pulse_server)
    return SINK

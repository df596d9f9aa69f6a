"""Errors keep their file and reason when they cross from a worker process."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from musictagger.errors import DecodeError, FileError, RefusedError, SilentAudioError


@pytest.mark.parametrize("kind", [FileError, DecodeError, SilentAudioError, RefusedError])
def test_file_errors_survive_pickling(kind: type[FileError]) -> None:
    error = pickle.loads(pickle.dumps(kind(Path("/music/a.mp3"), "damaged")))
    assert type(error) is kind
    assert (error.path, error.reason, str(error)) == (Path("/music/a.mp3"), "damaged", "/music/a.mp3: damaged")

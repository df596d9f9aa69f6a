"""Keeping what a live source heard, so it can be saved as a WAV and analysed like any file.

The ring buffer only holds the last minute, so a :class:`Recorder` drains it regularly
(the caller's timer or loop calls :meth:`drain`) into a WAV in the user cache dir;
:meth:`save` finishes that file and moves it into place atomically (a ``.part`` file beside
the destination, then a rename), so a crash never leaves a half-written recording under
the user's chosen name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import soundfile as sf

from musictagger.audio.capture import AudioSource
from musictagger.errors import FileError
from musictagger.userdirs import cache_dir


class Recorder:
    """Records ``source`` from the moment it is created."""

    def __init__(self, source: AudioSource) -> None:
        self.source = source
        folder = cache_dir() / "recordings"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=".wav", dir=folder)
        os.close(handle)
        self._temp = Path(name)
        self._file = sf.SoundFile(
            self._temp, "w", samplerate=source.sample_rate, channels=source.ring.channels, subtype="FLOAT"
        )
        self._position = source.ring.written
        self.frames = 0
        self.lost_frames = 0

    @property
    def seconds(self) -> float:
        return self.frames / self.source.sample_rate

    @property
    def path(self) -> Path:
        """Where the recording is kept until it is saved: named to the user when saving fails, so nothing heard is
        lost unsaid."""
        return self._temp

    def drain(self) -> None:
        """Append what the source heard since the last drain (counting any the ring had already dropped)."""
        block, self._position, lost = self.source.ring.since(self._position)
        self._file.write(block)
        self.frames += len(block)
        self.lost_frames += lost

    def save(self, destination: str | Path) -> Path:
        """Write the recording to ``destination`` (a WAV); the recorder is finished afterwards.

        If saving fails (no such folder, disk full) the recording is kept, so saving again
        elsewhere loses nothing.
        """
        destination = Path(destination)
        if not self._file.closed:
            self.drain()
            self._file.close()
        partial = destination.with_name(destination.name + ".part")
        try:
            shutil.copyfile(self._temp, partial)
            os.replace(partial, destination)
        except OSError as exc:
            with contextlib.suppress(OSError):  # a folder in its place, say: the reason to give is the first
                partial.unlink(missing_ok=True)
            raise FileError(destination, f"cannot save the recording: {exc.strerror}") from exc
        self._temp.unlink(missing_ok=True)
        return destination

    def discard(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)

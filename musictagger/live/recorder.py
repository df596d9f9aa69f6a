"""Keeping what a live source heard, so it can be saved as a WAV and analysed like any file.

The ring buffer only holds the last minute, so a :class:`Recorder` drains it regularly
(the caller's timer or loop calls :meth:`drain`) into a WAV in the user cache dir;
:meth:`save` finishes that file and moves it into place whole (:mod:`musictagger.atomic_write`:
a temporary file beside the destination, then a rename), so a crash never leaves a half-written
recording under the user's chosen name.

A WAV's sizes are 32-bit: past 4 GiB (3.4 hours of 44.1-kHz stereo float, 1.6 hours at 96 kHz) its header
cannot say how long it is, and a reader stops where the size wraps (a 12,400-s recording read back as 12,174 s).
The recording is therefore written as RF64, the WAV that holds 64-bit sizes, which libsndfile writes as a plain
WAV when it ends under 4 GiB (its auto-downgrade: the header keeps a JUNK chunk where the 64-bit sizes would go).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import soundfile as sf

from musictagger.atomic_write import replacing
from musictagger.audio.capture import AudioSource
from musictagger.errors import FileError
from musictagger.userdirs import cache_dir

SFC_RF64_AUTO_DOWNGRADE = 0x1210
"""libsndfile's command (sndfile.h) to write an RF64 file under 4 GiB as a plain WAV; soundfile does not name it."""


def _libsndfile(file: sf.SoundFile) -> tuple[Any, Any, Any] | None:
    """soundfile's private binding to libsndfile (its cffi ``ffi``, the library, ``file``'s handle), for what soundfile
    does not offer; None for a soundfile without it (a later release may rename it), which the callers do without."""
    try:
        from soundfile import _ffi, _snd

        return _ffi, _snd, file._file
    except (ImportError, AttributeError):
        return None


def _plain_wav_while_small(file: sf.SoundFile) -> None:
    """Have libsndfile write ``file`` (RF64) as a plain WAV if it ends under 4 GiB.  soundfile names no such command;
    without its binding (:func:`_libsndfile`) the recording stays RF64, whole either way, rather than stop every
    recording at its start."""
    binding = _libsndfile(file)
    if binding is not None:
        ffi, snd, handle = binding
        snd.sf_command(handle, SFC_RF64_AUTO_DOWNGRADE, ffi.NULL, snd.SF_TRUE)


def _why_writing_failed(file: sf.SoundFile, error: sf.LibsndfileError) -> str:
    """Why a write to ``file`` failed, in the system's words (``No space left on device``), which libsndfile keeps
    for the file while soundfile's error says only ``System error.``; that, without the binding."""
    binding = _libsndfile(file)
    if binding is None:
        return error.error_string
    ffi, snd, handle = binding
    words = ffi.string(snd.sf_strerror(handle)).decode(errors="replace")
    return words.removeprefix("System error : ").rstrip(".")


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
            self._temp,
            "w",
            samplerate=source.sample_rate,
            channels=source.ring.channels,
            subtype="FLOAT",
            format="RF64",
        )
        _plain_wav_while_small(self._file)
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
        """Append what the source heard since the last drain (counting any the ring had already dropped).

        A write that fails (the disk full) ends the recording with a :class:`FileError` saying why: the file is closed,
        holding whole what was written before it, which :meth:`save` then saves; later drains add nothing.
        """
        block, self._position, lost = self.source.ring.since(self._position)
        if self._file.closed:
            return
        try:
            self._file.write(block)
        except sf.LibsndfileError as exc:
            reason = _why_writing_failed(self._file, exc)
            self._file.close()  # its header then says how much was written
            self.frames = sf.info(self._temp).frames
            raise FileError(self._temp, f"cannot go on recording: {reason}") from exc
        self.frames += len(block)
        self.lost_frames += lost

    def save(self, destination: str | Path) -> Path:
        """Write the recording to ``destination`` (a WAV); the recorder is finished afterwards.

        If saving fails (no such folder, disk full) or is stopped (Ctrl-C, SIGTERM) the recording is kept, so saving
        again elsewhere loses nothing, and no part of it is left at ``destination``.
        """
        destination = Path(destination)
        if not self._file.closed:
            self.drain()
            self._file.close()
        try:
            with replacing(destination) as partial:
                shutil.copyfile(self._temp, partial)
        except OSError as exc:
            raise FileError(destination, f"cannot save the recording: {exc.strerror}") from exc
        self._temp.unlink(missing_ok=True)
        return destination

    def discard(self) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)

"""Where live audio comes from: an input device through PortAudio, or a file played in real time.

Both are :class:`AudioSource` s that fill a :class:`~musictagger.audio.ringbuffer.RingBuffer`
at their own sample rate and channel count; everything downstream (the recogniser, the
scrolling spectrogram, the recorder) reads the ring and resamples through the shared front
end.  The file source is the seam that lets the whole live pipeline run in tests at real
speed without a microphone.

The device callback does nothing but copy into the ring and count overflows: no
allocation, no locks, no Python-heavy work on PortAudio's real-time thread.
``sounddevice`` is imported only when a device is used, so the app starts (and files can
be analysed) on a machine without PortAudio or without any input device.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from musictagger.audio.decode import decode
from musictagger.audio.ringbuffer import RingBuffer
from musictagger.errors import CaptureError

BUFFER_SECONDS = 60.0
"""How much recent audio a source keeps: more than the model's 29.12-s window."""

MAX_CHANNELS = 2


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_sample_rate: int
    host_api: str

    def __str__(self) -> str:
        return f"{self.name} ({self.host_api}, {self.channels} ch, {self.default_sample_rate} Hz)"


class AudioSource(Protocol):
    """A running supply of audio into :attr:`ring` (``(frames, channels)`` float32 at :attr:`sample_rate`)."""

    ring: RingBuffer
    sample_rate: int
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    @property
    def running(self) -> bool: ...

    @property
    def failure(self) -> str | None:
        """Why the source stopped on its own (device unplugged …), or None."""
        ...

    @property
    def overruns(self) -> int:
        """How many times audio was dropped because the system could not keep up."""
        ...


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # raised at import when the PortAudio library is missing
        raise CaptureError(
            f"live audio needs PortAudio, which is not installed ({exc}); on Debian: libportaudio2"
        ) from exc
    return sounddevice


def input_devices() -> list[InputDevice]:
    """The input devices PortAudio can see (empty when there are none)."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        host_apis = sd.query_hostapis()
    except sd.PortAudioError as exc:
        raise CaptureError(f"cannot list audio devices: {exc}") from exc
    return [
        InputDevice(
            index=index,
            name=device["name"],
            channels=int(device["max_input_channels"]),
            default_sample_rate=int(device["default_samplerate"]),
            host_api=host_apis[device["hostapi"]]["name"],
        )
        for index, device in enumerate(devices)
        if device["max_input_channels"] > 0
    ]


def find_device(spec: int | str | None) -> InputDevice:
    """The input device by index, by (part of its) name, or the system default for None."""
    devices = input_devices()
    if not devices:
        raise CaptureError("no audio input device found: connect a microphone or check the sound settings")
    if spec is None:
        default_index = _sounddevice().default.device[0]
        return next((d for d in devices if d.index == default_index), devices[0])
    if isinstance(spec, int) or str(spec).isdigit():
        matches = [d for d in devices if d.index == int(spec)]
    else:
        matches = [d for d in devices if str(spec).lower() in d.name.lower()]
        exact = [d for d in matches if d.name.lower() == str(spec).lower()]
        matches = exact or matches
    if len(matches) != 1:
        names = ", ".join(f"{d.index}: {d.name}" for d in devices)
        problem = "no" if not matches else "more than one"
        raise CaptureError(f"{problem} input device matches {spec!r}; available: {names}")
    return matches[0]


class DeviceSource:
    """Audio from an input device, in PortAudio's callback mode.

    Opens at the device's default rate with up to two channels; if the device refuses that
    rate, the error names the device and the rate.  A stream that stops by itself (device
    unplugged, server gone) sets :attr:`failure`; :meth:`start` can then be called again.
    """

    def __init__(self, device: InputDevice, *, buffer_seconds: float = BUFFER_SECONDS) -> None:
        self.device = device
        self.name = device.name
        self.sample_rate = device.default_sample_rate
        self.channels = min(device.channels, MAX_CHANNELS)
        self.ring = RingBuffer(int(buffer_seconds * self.sample_rate), self.channels)
        self._stream: Any = None
        self._failure: str | None = None
        self._overruns = 0
        self._stopping = False

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self.ring.write(indata)
        if status.input_overflow:
            self._overruns += 1

    def _finished(self) -> None:
        if not self._stopping:
            self._failure = f"{self.name}: the input device stopped delivering audio (unplugged or taken away?)"

    def start(self) -> None:
        sd = _sounddevice()
        self._failure, self._stopping = None, False
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                channels=self.channels,
                samplerate=self.sample_rate,
                dtype="float32",
                latency="low",
                callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            self._stream = None
            raise CaptureError(_explain(self.device, self.sample_rate, exc)) from exc

    def stop(self) -> None:
        self._stopping = True
        if self._stream is not None:
            try:
                self._stream.close()
            finally:
                self._stream = None

    @property
    def running(self) -> bool:
        return self._stream is not None and self._stream.active

    @property
    def failure(self) -> str | None:
        return self._failure

    @property
    def overruns(self) -> int:
        return self._overruns


def _explain(device: InputDevice, sample_rate: int, exc: Exception) -> str:
    message = str(exc)
    lowered = message.lower()
    if "sample rate" in lowered:
        return f"{device.name}: the device does not accept {sample_rate} Hz ({message})"
    if "busy" in lowered or "unavailable" in lowered:
        return f"{device.name}: the device is busy or unavailable; close the program using it and try again ({message})"
    if "permission" in lowered or "denied" in lowered:
        return f"{device.name}: permission to record was denied; allow microphone access in the system settings ({message})"
    return f"{device.name}: cannot record ({message})"


class FileSource:
    """A file played into the ring at real-time speed (or as fast as possible), like a microphone would hear it."""

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = True,
        block_frames: int = 1024,
        buffer_seconds: float = BUFFER_SECONDS,
    ) -> None:
        audio = decode(path)
        self.name = str(path)
        self.sample_rate = audio.sr
        self._samples = np.ascontiguousarray(audio.y.T[:, :MAX_CHANNELS], dtype=np.float32)
        self.ring = RingBuffer(int(buffer_seconds * self.sample_rate), self._samples.shape[1])
        self._realtime, self._block = realtime, block_frames
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._play, name=f"file source {self.name}", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        started = time.perf_counter()
        for offset in range(0, len(self._samples), self._block):
            if self._stop.is_set():
                return
            self.ring.write(self._samples[offset : offset + self._block])
            if self._realtime:
                due = started + (offset + self._block) / self.sample_rate
                self._stop.wait(max(0.0, due - time.perf_counter()))

    def wait(self) -> None:
        """Block until the whole file has been played."""
        if self._thread is not None:
            self._thread.join()

    def stop(self) -> None:
        self._stop.set()
        self.wait()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def failure(self) -> str | None:
        return None

    @property
    def overruns(self) -> int:
        return 0

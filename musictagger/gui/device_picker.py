"""Choosing the input device to listen to, found lazily and refreshable.

Devices are listed on a worker the first time the live panel is shown (never while the
window is built: a misbehaving audio system must not stop the app from starting), and
again on Refresh, which restarts PortAudio so that a microphone plugged in since is seen.
No devices, or no PortAudio at all, is a state with a message (:attr:`DevicePicker.problem`,
which the live panel shows as its one status line), not an error.  The chosen device is
remembered by name in the settings.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from musictagger.audio.capture import InputDevice, find_device, input_devices
from musictagger.gui.errors import describe
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import TaskRunner

NO_DEVICE = "No audio input device found: connect a microphone or check the sound settings, then press Refresh."


def scan_devices(*, rescan: bool) -> tuple[list[InputDevice], InputDevice | None]:
    """Worker: the input devices and the system's default one; ``rescan`` restarts PortAudio first.

    PortAudio fixes its device list when it starts, so seeing a newly plugged device takes a
    restart; only call that with no stream open.
    """
    if rescan:
        input_devices()  # imports sounddevice, or raises CaptureError when PortAudio is missing
        import sounddevice

        sounddevice._terminate()
        sounddevice._initialize()
    devices = input_devices()
    return devices, find_device(None) if devices else None


DEVICE_LEAST_CHARS = 16
"""The device box's least width, in characters; it takes the room the row has beyond that."""


class DevicePicker(QWidget):
    """A combo box of input devices and a Refresh button; :attr:`problem` says what is wrong, if anything."""

    changed = Signal()
    """A scan started or ended: :attr:`scanning` and :meth:`selected` may have changed."""

    def __init__(self, runner: TaskRunner, settings: Settings) -> None:
        super().__init__()
        self.runner, self.settings = runner, settings
        self.scanning = False
        self.has_scanned = False
        self.problem = ""
        """Why there is nothing to listen to (no device, no PortAudio), or empty."""
        self.combo = QComboBox()
        # Its least: 24 characters made the Live panel wider than a 1024-pixel screen in a 14-point font (1021 pixels
        # in the dock's 1016); a longer name is cut in the box and whole in its list.
        self.combo.setMinimumContentsLength(DEVICE_LEAST_CHARS)
        self.combo.setPlaceholderText("press Refresh to list the inputs")
        self.combo.currentIndexChanged.connect(self._chosen)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the input devices again (after plugging one in)")
        self.refresh_button.clicked.connect(lambda: self.scan(rescan=True))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Input")
        label.setBuddy(self.combo)  # names the combo box for a screen reader
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        row.addWidget(self.refresh_button)

    def selected(self) -> InputDevice | None:
        """The chosen device, or None when there is none."""
        return self.combo.currentData()

    def scan(self, *, rescan: bool) -> None:
        """List the devices on the worker; the picker is disabled meanwhile."""
        if self.scanning:
            return
        self.scanning = True
        self.setEnabled(False)
        self.combo.setPlaceholderText("looking for input devices…")
        self.changed.emit()  # no stream may open while PortAudio restarts
        self.runner.run(
            lambda _task: scan_devices(rescan=rescan), owner=self, on_done=self._fill, on_error=self._failed
        )

    def _fill(self, found: tuple[list[InputDevice], InputDevice | None]) -> None:
        devices, default = found
        self.combo.blockSignals(True)
        self.combo.clear()
        for device in devices:
            self.combo.addItem(str(device), device)
        saved = [i for i, d in enumerate(devices) if d.name == self.settings.live_device]
        defaults = [i for i, d in enumerate(devices) if d == default]
        self.combo.setCurrentIndex((saved or defaults or [-1])[0])
        self.combo.blockSignals(False)
        self._done("" if devices else NO_DEVICE)

    def _failed(self, error: BaseException) -> None:
        self.combo.clear()
        self._done(describe(error))

    def _done(self, problem: str) -> None:
        self.scanning = False
        self.has_scanned = True
        self.setEnabled(True)
        self.combo.setPlaceholderText("no input device")
        self.problem = problem
        self.changed.emit()

    def _chosen(self, index: int) -> None:
        device = self.combo.itemData(index)
        if device is not None:
            self.settings.live_device = device.name

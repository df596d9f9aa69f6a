"""The live panel's scrolling mel spectrogram: the file view itself, fed the last seconds heard.

It is a :class:`~musictagger.gui.spectrogram_view.SpectrogramView` (same colour map, dB
scale, colour bar, frequency axis in Hz on the mel scale) without analysis windows, whose
time axis is fixed to the last ``seconds`` before now (0 s at the right edge).

Scrolling follows the audio clock, not the arrival of frames: the streaming resampler
hands out audio in bursts of ~34 ms, so new frames come in uneven steps, but every display
tick places the image by how much audio has been heard, so it glides left at the display
rate and each new frame appears at its true time before now.  A tick moves the image
(a transform) and, when frames arrived, replaces its pixels; the axes never re-lay out.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize

from musictagger.audio.params import FeatureParams
from musictagger.gui.spectrogram_view import SpectrogramView, colour_levels, mel_db

LEVEL_STEP_DB = 1.0
"""The colour scale follows the loudest cell shown once it moves by more than this."""
PREFERRED_HEIGHT = 250
"""The height the plot asks for, and so the Live dock when it opens (with the controls above it): room for the
verdict beside it while the model recognises, its reason and bars whole."""
IDLE_MESSAGE = "What the input hears scrolls here while recording."


class LiveSpectrogram(SpectrogramView):
    """The newest log-mel history, newest frame at its time before now."""

    def __init__(self, params: FeatureParams, *, seconds: float) -> None:
        super().__init__(params, windows=0, time_axis=pg.AxisItem("bottom"))  # seconds before now, not a clock
        self.seconds = seconds
        self.frames_drawn = 0
        """How many display ticks moved or redrew the image (the display's frame count)."""
        self._top = float("inf")
        self.plot.setLabel("bottom", "time before now", units="s")
        self.plot.setMouseEnabled(x=False, y=False)
        bands = float(params.n_mels)
        self.plot.setLimits(xMin=-seconds, xMax=0.0, yMin=0.0, yMax=bands)
        self.plot.setRange(xRange=(-seconds, 0.0), yRange=(0.0, bands), padding=0)
        self.graphics.setAccessibleName("Live mel spectrogram")
        self.clear()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        return QSize(hint.width(), PREFERRED_HEIGHT)

    def clear(self, message: str = IDLE_MESSAGE) -> None:
        """Show ``message`` until audio arrives (the file view's own, 'select an analysed file', showed in the
        first seconds of every recording)."""
        super().clear(message)
        self.graphics.setAccessibleDescription(
            f"What the input heard in the last {self.seconds:g} s, the newest at the right"
        )

    def frames_end_s(self, frames_added: int) -> float:
        """Where the newest of ``frames_added`` frames ends, in seconds of audio since the first.

        Frames are uncentred (the live front end's ``center=False``): frame ``k`` is centred
        at ``k·hop + n_fft/2`` samples and drawn one hop wide.
        """
        params = self.params
        return params.frames_to_seconds(frames_added) + (params.n_fft - params.hop_length) / 2 / params.sample_rate

    def show(self, log_mel: np.ndarray | None, *, frames_added: int, heard_s: float) -> None:
        """Place the history so that its newest frame sits at its time before now (``heard_s`` of audio heard).

        ``log_mel`` ``(frames, n_mels)``, oldest first, replaces the pixels when frames arrived
        since the last call; None keeps them and only scrolls.
        """
        if log_mel is not None:
            self.stack.show_content()
            db = mel_db(log_mel, self.params)
            self.image.setImage(db, autoLevels=False)
            levels = colour_levels(db, self.params)  # silence dark, not a scale shrunk to fit it
            if abs(levels[1] - self._top) > LEVEL_STEP_DB:  # a new scale re-lays the colour bar's axis: not every frame
                self._top = levels[1]
                self.colour_bar.setLevels(levels)
        if self.image.image is None:
            return
        width = self.params.frames_to_seconds(len(self.image.image))
        right = self.frames_end_s(frames_added) - heard_s
        self.image.setRect(right - width, 0.0, width, float(self.params.n_mels))
        self.frames_drawn += 1

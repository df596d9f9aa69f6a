"""The live panel's scrolling mel spectrogram: the file view itself, fed the last seconds heard.

It is a :class:`~musictagger.gui.spectrogram_view.SpectrogramView` (same colour map, dB
scale, colour bar, frequency axis in Hz on the mel scale) without analysis windows, whose
time axis is fixed to the last ``seconds`` before now (0 s at the right edge): each frame
only the image changes, so drawing costs one image upload, not an axis relayout.
"""

from __future__ import annotations

import numpy as np

from musictagger.audio.params import FeatureParams
from musictagger.gui.spectrogram_view import DYNAMIC_RANGE_DB, SpectrogramView, mel_db

LEVEL_STEP_DB = 1.0
"""The colour scale follows the loudest cell shown once it moves by more than this."""


class LiveSpectrogram(SpectrogramView):
    """The newest log-mel history, newest frame at the right."""

    def __init__(self, params: FeatureParams, *, seconds: float) -> None:
        super().__init__(params, windows=0)
        self.seconds = seconds
        self.frames_drawn = 0
        self._top = float("inf")
        """How many times the image was replaced (the display's frame count)."""
        self.plot.setLabel("bottom", "time before now", units="s")
        self.plot.setMouseEnabled(x=False, y=False)
        bands = float(params.n_mels)
        self.plot.setLimits(xMin=-seconds, xMax=0.0, yMin=0.0, yMax=bands)
        self.plot.setRange(xRange=(-seconds, 0.0), yRange=(0.0, bands), padding=0)

    def show_frames(self, log_mel: np.ndarray) -> None:
        """Draw ``log_mel`` ``(frames, n_mels)``, oldest first, spanning the last :attr:`seconds`."""
        db = mel_db(log_mel, self.params)
        first = self.image.image is None
        self.image.setImage(db, autoLevels=False)
        if first:
            self.image.setRect(-self.seconds, 0.0, self.seconds, float(self.params.n_mels))
        top = float(db.max())
        if abs(top - self._top) > LEVEL_STEP_DB:  # a new scale re-lays the colour bar's axis: not every frame
            self._top = top
            self.colour_bar.setLevels((top - DYNAMIC_RANGE_DB, top))
        self.frames_drawn += 1

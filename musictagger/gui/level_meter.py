"""The input level: a peak meter in dBFS with a clipping light held red for a second.

Fed each block of new audio by the live panel's display timer; the light turns red when
any sample reaches :data:`CLIP_PEAK` of full scale and stays red for :data:`CLIP_HOLD_S`,
long enough to be seen even when the overload lasted one sample.  The light's accessible description says
whether it is lit, for a screen reader, as its colour says it for the eye.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from musictagger.audio.signal import dbfs, level_words, rms_dbfs

CLIP_PEAK = 0.999
CLIP_HOLD_S = 1.0
FLOOR_DBFS = -60
CLIP_STYLE = "background: #d02020; color: white; font-weight: bold; padding: 0 4px;"
IDLE_STYLE = "color: palette(mid); padding: 0 4px;"


class LevelMeter(QWidget):
    """Peak level of the latest block, its RMS as text, and the clipping light."""

    def __init__(self) -> None:
        super().__init__()
        self.bar = QProgressBar()
        self.bar.setRange(FLOOR_DBFS, 0)
        self.bar.setTextVisible(True)
        self.bar.setToolTip("Input peak level (dBFS); the text is the RMS level")
        self.bar.setAccessibleName("Input level")
        self.light = QLabel("CLIP")
        self.light.setAccessibleName("Clipping light")
        self.light.setToolTip(f"Red for {CLIP_HOLD_S:g} s after the input reached full scale: turn the input gain down")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.light)
        self._clipped_at = float("-inf")
        self._lit = True
        self.reset()

    @property
    def clipping(self) -> bool:
        """True while the clipping light is held red."""
        return time.monotonic() - self._clipped_at < CLIP_HOLD_S

    def reset(self) -> None:
        """No input: empty bar, light off."""
        self._clipped_at = float("-inf")
        self.bar.setValue(FLOOR_DBFS)
        self.bar.setFormat("no input")
        self._light(False)

    def show_block(self, block: np.ndarray) -> None:
        """Show the level of ``block`` ``(frames, channels)``; an empty block only lets the light expire."""
        if len(block):
            peak = float(np.max(np.abs(block)))
            level = rms_dbfs(block)
            self.bar.setValue(round(min(0.0, max(float(FLOOR_DBFS), dbfs(peak)))))
            self.bar.setFormat(level_words(level))
            if peak >= CLIP_PEAK:
                self._clipped_at = time.monotonic()
        self._light(self.clipping)

    def _light(self, on: bool) -> None:
        if on != self._lit:  # restyling costs a relayout: only on a change
            self._lit = on
            self.light.setStyleSheet(CLIP_STYLE if on else IDLE_STYLE)
            self.light.setAccessibleDescription("clipping: turn the input gain down" if on else "not clipping")

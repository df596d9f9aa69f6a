"""What each of the five conv layers sees: one panel per layer, for one analysed window.

The model outputs each conv block's activations (the channels its hash head reads, at the
block's own time × mel resolution; shapes in the sidecar, :class:`~musictagger.model.manifest.LayerInfo`).
A panel shows the mean over those channels, or one channel picked in the combo box, with
time along x and mel along y as in the spectrogram; its title gives the layer's shape.  The panels'
accessible description says which window and channel they show and each layer's shape, for a screen reader.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from musictagger.gui.accessible import frame_focus
from musictagger.gui.empty_state import EmptyState
from musictagger.model.manifest import LayerInfo
from musictagger.model.runtime import Analysis
from musictagger.timefmt import clock

COLOUR_MAP = "viridis"
MEAN = -1
EMPTY_MESSAGE = "What each of the five conv layers sees in a window appears here."


def layer_image(activations: np.ndarray, channel: int) -> np.ndarray:
    """``(time, mel)`` image of one window's ``(channels, time, mel)`` activations: their mean, or one channel."""
    return activations.mean(axis=0) if channel == MEAN else activations[channel]


class LayersView(QWidget):
    """A strip of five panels and a channel picker."""

    def __init__(self, layers: tuple[LayerInfo, ...]) -> None:
        super().__init__()
        self.infos: tuple[LayerInfo, ...] = ()
        self.analysis: Analysis | None = None
        self.window = 0
        self.caption = QLabel("Conv layer activations")
        # Wrapped: on one line its window and start set the centre's least width, and with an 11-pt font on a
        # 1024-pixel screen that squeezed the side docks below their panels' least width (a sideways scroll bar).
        self.caption.setWordWrap(True)
        self.picker = QComboBox()
        self.caption.setBuddy(self.picker)  # a screen reader names the picker by the caption
        self.picker.setToolTip("Show the mean over the channels the model reads, or one of them")
        self.picker.currentIndexChanged.connect(self._on_channel_picked)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAcceptDrops(False)
        self.graphics.setAccessibleName("Conv layer activations")
        frame_focus(self.graphics)
        self.stack = EmptyState(self.graphics, EMPTY_MESSAGE)
        self.plots: list[pg.PlotItem] = []
        self.images: list[pg.ImageItem] = []
        self.set_layers(layers)
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.picker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    def set_layers(self, layers: tuple[LayerInfo, ...]) -> None:
        """A panel for each of ``layers`` and a picker over its channels (a model's, at start or when
        another model is chosen); shows nothing until the next analysis."""
        self.clear()
        self.infos, self.channel = layers, MEAN
        self.graphics.clear()
        self.plots.clear()
        self.images.clear()
        colour_map = pg.colormap.get(COLOUR_MAP)
        for index, info in enumerate(layers):
            plot = self.graphics.addPlot()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            image = pg.ImageItem(axisOrder="col-major")
            image.setColorMap(colour_map)
            plot.addItem(image)
            self.plots.append(plot)
            self.images.append(image)
            self._title(index, info)
        n_channels = len(layers[0].channels)
        self.picker.blockSignals(True)  # the channel was reset above, not by each item's removal
        self.picker.clear()
        self.picker.addItem(f"mean of {n_channels} channels", MEAN)
        for k in range(n_channels):
            self.picker.addItem(f"channel {k + 1} of {n_channels}", k)
        self.picker.blockSignals(False)

    def _title(self, index: int, info: LayerInfo, shape: tuple[int, ...] | None = None) -> None:
        channels, time, mel = shape or (len(info.channels), *info.shape[1:])
        text = f"{info.name}<br>{channels}×{time}×{mel}"  # two short lines: five panels fit the default width
        if self.channel != MEAN:
            text += f" · ch {info.channels[self.channel]}"
        self.plots[index].setTitle(text, size="9pt")

    def clear(self, message: str = EMPTY_MESSAGE) -> None:
        """Show nothing: ``message`` instead."""
        self.analysis = None
        self.caption.setText("Conv layer activations")
        self.stack.show_message(message)
        self.graphics.setAccessibleDescription(message)
        for image in self.images:
            image.clear()

    def show_analysis(self, analysis: Analysis, window: int = 0) -> None:
        """Show the layers of ``analysis`` for its window ``window``."""
        self.analysis = analysis
        self.set_window(window)

    def set_window(self, window: int) -> None:
        """Follow the window under the mouse in the spectrogram."""
        self.window = window
        self._draw()

    def _on_channel_picked(self) -> None:
        self.channel = self.picker.currentData()
        self._draw()

    def _draw(self) -> None:
        analysis = self.analysis
        if analysis is None or not analysis.layers:
            return
        self.stack.show_content()
        start = analysis.window_starts_s[self.window]
        self.caption.setText(
            f"Conv layer activations, window {self.window + 1} of {len(analysis.window_starts_s)} (from {clock(start)})"
        )
        for index, (info, activations) in enumerate(zip(self.infos, analysis.layers, strict=True)):
            window_activations = activations[self.window]
            image = layer_image(window_activations, self.channel)
            if self.images[index].image is None or self.images[index].image.shape != image.shape:
                self.plots[index].setRange(xRange=(0, image.shape[0]), yRange=(0, image.shape[1]), padding=0)
            self.images[index].setImage(image, autoLevels=True)
            self._title(index, info, window_activations.shape)
        shapes = ", ".join(
            f"{info.name} {'×'.join(str(size) for size in activations.shape[1:])}"
            for info, activations in zip(self.infos, analysis.layers, strict=True)
        )
        self.graphics.setAccessibleDescription(
            f"{self.caption.text()}: {self.picker.currentText()}, one image per layer (channels×time×mel): {shapes}"
        )

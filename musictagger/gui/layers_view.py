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
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from musictagger.gui.accessible import frame_focus
from musictagger.gui.empty_state import EmptyState
from musictagger.model.manifest import LayerInfo
from musictagger.model.runtime import Analysis
from musictagger.timefmt import clock

COLOUR_MAP = "viridis"
TITLE_LEAST_PT = 6.0
"""The size the layers' titles shrink to at the least, where the panels are narrower than they are in the window's
font."""
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
        self.titles: list[str] = []
        """Each panel's title: the layer's name, and its shape (and channel) on a second line."""
        self.graphics.installEventFilter(self)  # its titles follow its width
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
        self.titles = [""] * len(layers)
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
        self._fit_titles()
        n_channels = len(layers[0].channels)
        self.picker.blockSignals(True)  # the channel was reset above, not by each item's removal
        self.picker.clear()
        self.picker.addItem(f"mean of {n_channels} channels", MEAN)
        for k in range(n_channels):
            self.picker.addItem(f"channel {k + 1} of {n_channels}", k)
        self.picker.blockSignals(False)

    def _title(self, index: int, info: LayerInfo, shape: tuple[int, ...] | None = None) -> None:
        """Panel ``index``'s title for layer ``info`` of ``shape`` (the sidecar's without one), which
        :meth:`_fit_titles` then sets."""
        channels, time, mel = shape or (len(info.channels), *info.shape[1:])
        text = f"{info.name}<br>{channels}×{time}×{mel}"  # two short lines: five panels fit the default width
        if self.channel != MEAN:
            text += f" · ch {info.channels[self.channel]}"
        self.titles[index] = text

    def _fit_titles(self, width: int | None = None) -> None:
        """Set the titles in the window's font, or smaller (not under :data:`TITLE_LEAST_PT`) where a panel is
        narrower than its title, each in a row as high as its lines.  They were set in 9 points whatever the
        window's font, in pyqtgraph's title row of 30 pixels, which two lines in a larger font overflow; and a title
        wider than its panel widened it, pushing the last panels out of view (the centre of a 1024-pixel screen).
        ``width``: the panels' view's, where it is being resized to it."""
        if not self.plots:
            return
        font = self.font()
        metrics = QFontMetricsF(font)
        widest = max(metrics.horizontalAdvance(line) for title in self.titles for line in title.split("<br>"))
        layout = self.graphics.ci.layout
        left, _, right, _ = layout.getContentsMargins()
        room = (self.graphics.width() if width is None else width) - 2 * self.graphics.frameWidth() - left - right
        plot_left, _, plot_right, _ = self.plots[0].layout.getContentsMargins()
        per_panel = (
            (room - (len(self.plots) - 1) * layout.horizontalSpacing()) / len(self.plots) - plot_left - plot_right
        )
        text_room = per_panel - 2 * self.plots[0].titleLabel.item.document().documentMargin()  # the label's own margins
        size = max(TITLE_LEAST_PT, min(font.pointSizeF(), font.pointSizeF() * text_room / widest))
        for plot, title in zip(self.plots, self.titles, strict=True):
            plot.setTitle(title, size=f"{size:.1f}pt")
            height = plot.titleLabel.itemRect().height()
            plot.titleLabel.setMaximumHeight(height)
            plot.layout.setRowFixedHeight(0, height)
            plot.updateGeometry()  # its least width is its title's: the view's next resize takes the new one

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """The panels resized: their titles follow."""
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._fit_titles(event.size().width())  # before the view has taken it
        return False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Another font: the titles follow."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_titles()

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
        self._fit_titles()
        shapes = ", ".join(
            f"{info.name} {'×'.join(str(size) for size in activations.shape[1:])}"
            for info, activations in zip(self.infos, analysis.layers, strict=True)
        )
        self.graphics.setAccessibleDescription(
            f"{self.caption.text()}: {self.picker.currentText()}, one image per layer (channels×time×mel): {shapes}"
        )

"""The track's mel spectrogram as the model's front end computed it, with the analysed windows marked.

The image is the track's log-mel at display resolution (:mod:`musictagger.audio.overview`),
shown in dB: the front end's compression ``log10(1 + C·mel)`` is undone and the mel power
expressed as ``10·log10(mel)``.  x is time (``m:ss``) over the track's duration, y the mel band,
labelled with the Hz of the bands' centre frequencies (Slaney mel scale, as the front end;
computed by the analysis process, see :func:`musictagger.audio.features.band_centres_hz`).
The colour map is perceptually uniform (magma); the colour bar spans the top 80 dB, whose top is
never below −40 dB (silence is drawn dark).
Moving the mouse over an analysed window announces it (``windowHovered``) so the layer view
can follow; so do the Left and Right arrow keys while the plot has the focus (a frame shows it).  Its
accessible description says the track's length and its windows in words, for a screen reader.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from musictagger.audio.params import FeatureParams
from musictagger.gui.accessible import frame_focus
from musictagger.gui.empty_state import EmptyState
from musictagger.model.runtime import Analysis
from musictagger.timefmt import clock

COLOUR_MAP = "magma"
DYNAMIC_RANGE_DB = 80.0
TICK_HZ = (50, 100, 200, 500, 1000, 2000, 4000, 8000)
FREQUENCY_TITLES = ("frequency (Hz, mel scale)", "Hz")
"""The frequency axis's title, and what it says where the plot is too short for the title whole."""
TICK_ROOM_LINES = 2.0
"""Frequency and dB labels are at least this many lines of text apart: a line each and as much between (7 of the 96
bands at the plot's usual height)."""
DB_STEPS = (10.0, 20.0, 40.0, 80.0)
"""The dB scale's label steps: every 10 dB where the plot has the height, fewer in a short one."""
WINDOW_BRUSH = (255, 255, 255, 22)
CURRENT_WINDOW_BRUSH = (120, 200, 255, 60)
WINDOW_LABEL_COLOUR = (230, 230, 230)
WINDOW_LABEL_FILL = (0, 0, 0, 160)
"""The windows' labels are light on a dark ground of their own: drawn straight on the image, they could not be seen
over the pale yellow of noise or of a loud, dense mix (1.2:1)."""
EMPTY_MESSAGE = "The mel spectrogram the model sees appears here: select an analysed file."
CLOCK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
"""Tick spacings of the time axis: round seconds, minutes and hours, as a clock reads."""
TICK_PIXELS = 80
"""About one time label per this many pixels."""


def mel_db(log_mel: np.ndarray, params: FeatureParams) -> np.ndarray:
    """Mel power in dB from the front end's ``log10(1 + C·mel)`` (floored at -120 dB)."""
    mel = np.expm1(np.asarray(log_mel, dtype=np.float32) * np.float32(np.log(10.0))) / np.float32(params.log_multiplier)
    return 10.0 * np.log10(np.maximum(mel, np.float32(1e-12)))


def colour_levels(db: np.ndarray, params: FeatureParams) -> tuple[float, float]:
    """The colour scale for ``db``: the top :data:`DYNAMIC_RANGE_DB` below its loudest cell, that top never below
    the level the front end's ``log10(1 + C·mel)`` flattens out under (``1/C``: −40 dB, cells the model sees as nothing),
    so that silence is drawn dark, not in the brightest colour of a scale shrunk to fit it."""
    top = max(float(db.max()), -10.0 * float(np.log10(params.log_multiplier)))
    return top - DYNAMIC_RANGE_DB, top


def frequency_ticks(centres_hz: np.ndarray, *, min_spacing: float) -> list[tuple[float, str]]:
    """(y position in bands, label) for round frequencies inside the bands' range, from the top down, leaving
    out one less than ``min_spacing`` bands under the tick above it (on the mel scale 50, 100 and 200 Hz are a few
    bands apart)."""
    ticks: list[tuple[float, str]] = []
    for hz in sorted(TICK_HZ, reverse=True):
        if centres_hz[0] <= hz <= centres_hz[-1]:
            position = float(np.interp(hz, centres_hz, np.arange(len(centres_hz)))) + 0.5
            if not ticks or ticks[-1][0] - position >= min_spacing:
                ticks.append((position, f"{hz // 1000} k" if hz >= 1000 else f"{hz}"))
    return ticks[::-1]


class FrequencyAxis(pg.AxisItem):
    """The mel bands labelled with round frequencies (:func:`frequency_ticks`) as far apart as the plot's height
    needs, titled as fully as it has room for.  Labels placed once for the plot's usual height were drawn over each
    other in a short plot (the Live panel shown in a 640-pixel-high window), its title cut at both ends."""

    def __init__(self) -> None:
        super().__init__("left")
        self.centres_hz: np.ndarray | None = None
        self._labels: dict[float, str] = {}
        self.setLabel(FREQUENCY_TITLES[0])

    def set_centres(self, centres_hz: np.ndarray) -> None:
        """Label the bands, whose centre frequencies (Hz) are ``centres_hz``."""
        self.centres_hz = centres_hz
        self.picture = None  # drawn again with the labels
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802, N803
        if self.centres_hz is None or size <= 0:
            return []
        bands_per_pixel = (maxVal - minVal) / size
        line = QFontMetricsF(self.style["tickFont"] or self.font()).height()
        self._labels = dict(frequency_ticks(self.centres_hz, min_spacing=TICK_ROOM_LINES * line * bands_per_pixel))
        return [(1.0, list(self._labels))]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [self._labels.get(value, "") for value in values]

    def resizeEvent(self, ev: object = None) -> None:  # noqa: N802 (pyqtgraph override)
        """The title whole along the axis where it fits, else its short form; then placed (pyqtgraph's own)."""
        if self.label is not None:  # None once the axis is closed
            for title in FREQUENCY_TITLES:
                self.labelText = title
                self.label.setHtml(self.labelString())
                if self.label.boundingRect().width() <= self.size().height():
                    break
        super().resizeEvent(ev)


def clock_text(seconds: float, spacing: float) -> str:
    """A time tick's label: ``m:ss`` (:func:`~musictagger.timefmt.clock`, as the matches' parts read), with
    tenths or hundredths when the ticks are closer than a second."""
    if spacing >= 1:
        return clock(seconds)
    decimals = 1 if spacing >= 0.1 else 2
    minutes, rest = divmod(round(seconds, decimals), 60)
    return f"{int(minutes)}:{rest:0{3 + decimals}.{decimals}f}"


class ClockAxis(pg.AxisItem):
    """A time axis labelled ``m:ss`` at round clock steps, not in SI-prefixed seconds (``time (ks)`` past 16 min)."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802, N803
        ideal = (maxVal - minVal) / max(2.0, size / TICK_PIXELS)
        if ideal < 1:  # zoomed in under a second a tick: decimal steps
            return super().tickSpacing(minVal, maxVal, size)
        hours = int(np.ceil(ideal / CLOCK_STEPS_S[-1]))
        major = next((step for step in CLOCK_STEPS_S if step >= ideal), hours * CLOCK_STEPS_S[-1])
        return [(float(major), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [clock_text(value * scale, spacing * scale) for value in values]


class SpectrogramView(QWidget):
    """Zoomable, pannable mel spectrogram with a dB colour bar and shaded analysis windows.

    It holds a ``GraphicsLayoutWidget`` rather than being one: that class replaces methods such
    as ``clear`` on each instance, which would shadow this view's own.
    """

    windowHovered = Signal(int)  # noqa: N815 (Qt signal naming)

    def __init__(self, params: FeatureParams, *, windows: int, time_axis: pg.AxisItem | None = None) -> None:
        super().__init__()
        self.params = params
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAcceptDrops(False)  # drops go to the main window
        self.graphics.setAccessibleName("Mel spectrogram")
        self.graphics.setAccessibleDescription(EMPTY_MESSAGE)
        frame_focus(self.graphics)
        for key, step in ((Qt.Key.Key_Left, -1), (Qt.Key.Key_Right, 1)):
            shortcut = QShortcut(QKeySequence(key), self.graphics, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda step=step: self.choose_window(self.current_window + step))
        self.stack = EmptyState(self.graphics, EMPTY_MESSAGE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.frequency_axis = FrequencyAxis()
        self.plot = self.graphics.addPlot(
            axisItems={"bottom": time_axis or ClockAxis("bottom"), "left": self.frequency_axis}
        )
        self.plot.setLabel("bottom", "time (m:ss)")
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setAutoDownsample(True)  # a long track has more frames than the view has pixels
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=COLOUR_MAP, label="dB", interactive=False, width=14)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.colour_bar.axis.setStyle(maxTextLevel=0)  # labels on the steps alone (:meth:`_space_db_labels`)
        self.colour_bar.axis.geometryChanged.connect(self._space_db_labels)
        self._regions: list[pg.LinearRegionItem] = []
        self._window_spans: list[tuple[float, float]] = []
        self._duration_s = 0.0
        self.current_window = 0
        self._set_windows([(0.0, 0.0)] * windows)  # create the usual number of region items now: creating them is slow
        self._set_windows([])
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _space_db_labels(self) -> None:
        """Label the dB scale at the finest of :data:`DB_STEPS` whose labels are :data:`TICK_ROOM_LINES` apart at its
        height: pyqtgraph spaces ticks by an axis's length alone, never fewer than 2.25 intervals, and drew "0", "-20",
        "-40" and "-60" over each other beside a short plot."""
        axis = self.colour_bar.axis
        line = QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
        labels = axis.height() / (TICK_ROOM_LINES * line)  # how many fit
        step = next((step for step in DB_STEPS if DYNAMIC_RANGE_DB / step <= labels), DB_STEPS[-1])
        axis.setTickSpacing(major=step, minor=step / 2)

    def set_band_centres(self, centres_hz: np.ndarray) -> None:
        """Label the frequency axis in Hz at the mel bands' centre frequencies (known once the analyser started)."""
        self.frequency_axis.set_centres(centres_hz)

    def clear(self, message: str = EMPTY_MESSAGE) -> None:
        """Show nothing (no file selected, or it failed): ``message``, not empty axes."""
        self.stack.show_message(message)
        self.image.clear()
        self._set_windows([])
        self.graphics.setAccessibleDescription(message)

    def show_analysis(self, analysis: Analysis, db: np.ndarray, *, window_seconds: float) -> None:
        """Show ``db`` (:func:`mel_db` of the track's :mod:`overview <musictagger.audio.overview>`, computed
        off the UI thread) over the track's duration, and mark the analysis windows of ``window_seconds``."""
        self.stack.show_content()
        duration = analysis.duration_s
        self.image.setImage(db, autoLevels=False)
        self.image.setRect(0.0, 0.0, duration, float(self.params.n_mels))
        self.colour_bar.setLevels(colour_levels(db, self.params))
        self.plot.setLimits(xMin=0.0, xMax=duration, yMin=0.0, yMax=float(self.params.n_mels))
        self.plot.setRange(xRange=(0.0, duration), yRange=(0.0, float(self.params.n_mels)), padding=0)
        self._set_windows([(start, min(start + window_seconds, duration)) for start in analysis.window_starts_s])
        self._duration_s = duration
        self._describe()

    def _set_windows(self, spans: list[tuple[float, float]]) -> None:
        while len(self._regions) < len(spans):  # region items are reused
            region = pg.LinearRegionItem(movable=False, brush=WINDOW_BRUSH)
            region.setZValue(10)
            label = pg.InfLineLabel(
                region.lines[0],
                f"window {len(self._regions) + 1}",
                position=0.97,
                anchors=[(0, 0), (0, 0)],
                fill=WINDOW_LABEL_FILL,
            )
            label.setColor(WINDOW_LABEL_COLOUR)
            self.plot.addItem(region)
            self._regions.append(region)
        for index, region in enumerate(self._regions):
            region.setVisible(index < len(spans))
            if index < len(spans):
                region.setRegion(spans[index])
        self._window_spans = spans
        self.current_window = 0
        self._highlight()

    def _highlight(self) -> None:
        for index, region in enumerate(self._regions[: len(self._window_spans)]):
            region.setBrush(pg.mkBrush(CURRENT_WINDOW_BRUSH if index == self.current_window else WINDOW_BRUSH))
            region.update()

    def choose_window(self, index: int) -> None:
        """Make analysis window ``index`` the current one (if there is such a window) and announce it."""
        if 0 <= index < len(self._window_spans) and index != self.current_window:
            self.current_window = index
            self._highlight()
            self._describe()
            self.windowHovered.emit(index)

    def _describe(self) -> None:
        """Say what the plot shows for a screen reader: the track's length, its windows, the current one."""
        spans = self._window_spans
        windows = ", ".join(f"{clock(start)} to {clock(end)}" for start, end in spans)
        current = f"; window {self.current_window + 1} is shown in the layer images (Left and Right choose)"
        self.graphics.setAccessibleDescription(
            f"{clock(self._duration_s)} of audio, {len(spans)} analysis window{'' if len(spans) == 1 else 's'}: "
            f"{windows}{current if len(spans) > 1 else ''}"
        )

    def _on_mouse_moved(self, position: QPointF) -> None:
        if not self.plot.sceneBoundingRect().contains(position):
            return
        t = self.plot.vb.mapSceneToView(position).x()
        index = window_at(self._window_spans, t, current=self.current_window)
        if index is not None:
            self.choose_window(index)


def window_at(spans: list[tuple[float, float]], t: float, *, current: int) -> int | None:
    """The window under time ``t``: the current one while it still covers ``t`` (windows overlap
    on short tracks), else the covering window whose centre is nearest; None if none covers ``t``."""
    covering = [i for i, (start, end) in enumerate(spans) if start <= t <= end]
    if not covering or current in covering:
        return current if covering else None
    return min(covering, key=lambda i: abs((spans[i][0] + spans[i][1]) / 2 - t))

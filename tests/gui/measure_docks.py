"""Open the window on the screen the environment gives it and measure its docks (run by test_small_screens.py).

Usage: ``python tests/gui/measure_docks.py AUDIO_FILE [--font-size PT] [--personal NAME]``, with
``QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json`` (and ``QT_SCALE_FACTOR``) making a laptop's screen and an empty
library in the user dirs of the environment.  The window is created as the app creates it, at its first start, in an
application font of ``PT`` points where given (a desktop's font, as its platform theme sets it; Qt's own is 9).
Prints as JSON, for each state in turn — ``empty`` (no file yet), ``result`` (AUDIO_FILE analysed, its matches
searched), ``folders`` (the Music folders dock in front of Files), ``live`` (the Live panel shown),
``recognising`` (AUDIO_FILE played into the Live panel, its verdict, code and matches shown) and ``live matches`` (the
Nearest matches dock brought to the front, where the Live panel left it tabbed behind the Result); with ``--personal``,
then ``personal result`` (the Live panel closed and the personal model NAME of the user dirs made the active one, as
the Models dialog does: AUDIO_FILE analysed again, with its labels' bars) and ``personal recognising`` (the Live panel
shown again and AUDIO_FILE played into it until recognised) — each dock in view: the size of its scroll area's
viewport, the size of the panel in it, the least size the panel needs there, where its buttons and bars are in
the viewport, and its fitted lists' columns; and the Nearest matches' message and tooltip.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from measuring import application, walk_states
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QLabel, QProgressBar

from musictagger.audio.capture import FileSource
from musictagger.gui.app import create_window
from musictagger.gui.column_fit import ColumnFit
from musictagger.gui.file_list import State
from musictagger.gui.main_window import MainWindow
from musictagger.gui.probability_bars import ProbabilityBars
from musictagger.live import LiveResult, LiveState
from musictagger.personal import store

LIVE_START_S = 1.0
"""The Live panel's first verdict after this much audio (not the usual seconds: the measurement waits for it)."""


def docks_in_view(window: MainWindow) -> dict[str, object]:
    """Each dock in view (shown, not tabbed behind another): its viewport, its panel, the least size the panel needs
    there (its least width; its least height at the viewport's width), and its buttons and bars (a bar named by its
    label, or by the label before it) and a chart's line saying how many bars more there are, by their text."""
    found: dict[str, object] = {}
    for dock in window.findChildren(QDockWidget):
        if not dock.isVisible() or dock.visibleRegion().isEmpty():
            continue
        scroll = dock.widget()
        viewport, panel = scroll.viewport(), scroll.widget()
        buddies = {label.buddy(): label.text().replace("&&", "&") for label in panel.findChildren(QLabel)}
        more = [chart.more for chart in panel.findChildren(ProbabilityBars)]
        widgets = {}
        for widget in panel.findChildren(QAbstractButton) + panel.findChildren(QProgressBar) + more:
            if widget.isVisible():
                corner = widget.mapTo(viewport, QPoint(0, 0))
                if isinstance(widget, QAbstractButton | QLabel):
                    name = widget.text()
                else:
                    name = widget.accessibleName() or buddies.get(widget, "")
                widgets[name or type(widget).__name__] = [corner.x(), corner.y(), widget.width(), widget.height()]
        least_height = panel.heightForWidth(viewport.width())
        found[dock.windowTitle()] = {
            "viewport": [viewport.width(), viewport.height()],
            "panel": [panel.width(), panel.height()],
            "least": [panel.minimumSizeHint().width(), max(least_height, panel.minimumSizeHint().height())],
            "widgets": widgets,
            "lists": {fit.view.accessibleName(): fitted_list(fit) for fit in panel.findChildren(ColumnFit)},
        }
    return found


def fitted_list(fit: ColumnFit) -> dict[str, object]:
    """A list whose columns share its width: its viewport's width, its shown columns' widths, whether it shows a
    horizontal scroll bar."""
    view = fit.view
    return {
        "viewport": view.viewport().width(),
        "columns": [fit.header.sectionSize(fit.columns.index(column)) for column in fit.shown_columns()],
        "scrolls sideways": view.horizontalScrollBar().isVisible(),
    }


def measure(audio: Path, font_size: float | None = None, personal: str | None = None) -> dict[str, object]:
    """The first start's window, measured in each state in turn (see the module's docstring)."""
    app = application(font_size)
    window = create_window([])
    steps: list[tuple[str, Callable[[], None]]] = [
        ("result", lambda: window.open_paths([audio])),
        ("folders", window.show_library_panel),
        ("live", lambda: (window.files_dock.raise_(), window.show_live())),
        ("recognising", lambda: window.live.start(FileSource(audio))),
        ("live matches", window.matches_dock.raise_),
    ]
    window.live.start_after_s = LIVE_START_S
    heard: list[LiveResult] = []  # the Live panel's steps since the personal model became active
    window.live.stepped.connect(heard.append)

    def use_personal() -> None:
        window.live_dock.close()  # which stops listening
        store.use(personal)
        window.follow_active_model()
        heard.clear()

    if personal is not None:
        steps += [
            ("personal result", use_personal),
            ("personal recognising", lambda: (window.show_live(), window.live.start(FileSource(audio)))),
        ]

    def ready(name: str) -> bool:
        """Whether what the state waits for has come: the file's result and matches, the Live panel's devices."""
        if name == "result":
            entry = window.files.current_entry()
            searched = window.matches.message.text() not in ("", "Searching the library…")
            return entry is not None and entry.state in (State.DONE, State.FAILED) and searched
        if name == "recognising":
            result, message = window.live.last_result, window.live.matches.message.text()
            recognised = result is not None and result.state is LiveState.RECOGNISED
            return recognised and message not in ("", "Searching the library…")
        if name == "personal result":
            return window.genre.labels == store.active_model().labels and ready("result")
        if name == "personal recognising":
            recognised = any(result.state is LiveState.RECOGNISED for result in heard)
            return recognised and window.live.matches.message.text() not in ("", "Searching the library…")
        return name != "live" or window.live.devices.has_scanned

    def read_matches_message(found: dict[str, object]) -> None:
        found["message"] = window.matches.message.text()
        found["tooltip"] = window.matches.message.toolTip()

    return walk_states(app, window, steps, ready, docks_in_view, last=read_matches_message)


if __name__ == "__main__":  # the window's analysis process imports this module too
    parser = argparse.ArgumentParser()
    parser.add_argument("audio", type=Path)
    parser.add_argument("--font-size", type=float)
    parser.add_argument("--personal")
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.audio, arguments.font_size, arguments.personal)))

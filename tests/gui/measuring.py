"""What the window-measuring scripts (``measure_docks.py``, ``measure_lists.py``) share: the application in the
font a test asks for, and the walk through the window's states, each measured once it is ready and laid out.

The scripts run as programs (``python tests/gui/measure_docks.py …``), so they import this module by its name from
their own folder."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from musictagger.gui.main_window import MainWindow

SETTLE_MS = 200
"""A state is measured again after this long, until two measurements agree: it has been laid out."""
GIVE_UP_MS = 120_000
"""The walk ends here whatever it waits for, so that a test sees a failure rather than a hang."""


def application(font_size: float | None) -> QApplication:
    """The application, in an application font of ``font_size`` points where given (Qt's otherwise)."""
    app = QApplication([sys.argv[0]])
    if font_size is not None:
        font = app.font()
        font.setPointSizeF(font_size)
        app.setFont(font)
    return app


def walk_states(
    app: QApplication,
    window: MainWindow,
    steps: list[tuple[str, Callable[[], None]]],
    ready: Callable[[str], bool],
    in_view: Callable[[MainWindow], dict[str, object]],
    *,
    last: Callable[[dict[str, object]], None] = lambda states: None,
) -> dict[str, object]:
    """``in_view``'s measurement of ``window`` in state ``empty`` (its first start), then after each step's action
    in the state it names, each taken once ``ready`` says the state has come and two measurements
    :data:`SETTLE_MS` apart agree; ``last`` adds what it reads once every state is measured, before the window
    closes."""
    states: dict[str, object] = {}
    pending = list(steps)

    def record(name: str, before: dict[str, object] | None = None) -> None:
        if not ready(name):
            QTimer.singleShot(100, lambda: record(name))
            return
        found = in_view(window)
        if found != before:
            QTimer.singleShot(SETTLE_MS, lambda: record(name, found))
            return
        states[name] = found
        if pending:
            following, action = pending.pop(0)
            action()
            record(following)
            return
        last(states)
        window.close()
        app.quit()

    record("empty")
    QTimer.singleShot(GIVE_UP_MS, app.quit)
    app.exec()
    return states

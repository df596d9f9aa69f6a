"""Tools ▸ Tag genres…: preview the tagging plan, tune it, apply it with progress and Cancel, undo it.

Everything is the core's (:mod:`musictagger.tagging`), as ``musictagger tag`` uses it: the files
are found by :func:`musictagger.library.scan.scan`, predictions come from
:func:`~musictagger.tagging.predict.predict_genres` (stored results where current, fresh analysis
otherwise), the table is :func:`~musictagger.tagging.plan.preview_rows` of the very plan that
Apply hands to :func:`~musictagger.tagging.apply.apply_plan`, and undo is
:func:`~musictagger.tagging.undo.undo`.  The dialog only runs them on the background runner.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from musictagger.errors import MusictaggerError
from musictagger.gui.errors import describe, show_error, show_message
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.library.scan import scan
from musictagger.tagging.apply import RunReport, apply_plan
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import (
    DEFAULT_MODE,
    PREVIEW_COLUMNS,
    Action,
    Mode,
    Plan,
    Prediction,
    make_plan,
    preview_rows,
)
from musictagger.tagging.predict import predict_genres
from musictagger.tagging.undo import undo

Predictions = dict[Path, Prediction | MusictaggerError]
SLIDER_STEPS = 100
REPLAN_DELAY_MS = 250


def predict(paths: list[Path], n_windows: int | None, task: Task) -> Predictions:
    """Worker: the genre of every audio file under ``paths`` (as ``musictagger tag`` finds them), or the
    error that prevented one."""
    files = [found.path for found in scan(paths).files]
    return predict_genres(
        files,
        n_windows=n_windows,
        on_progress=lambda done, total: task.progress((done, total)),
        should_stop=task.should_stop,
    )


def report_text(report: RunReport, verb: str) -> str:
    """``3 written, 1 skipped (…reasons…)`` for a message."""
    if report.run_id is None:
        return f"Nothing to {verb}."
    counts = report.counts()
    lines = [
        ", ".join(f"{count} {status}" for status, count in counts.items())
        + (" (cancelled)" if report.cancelled else "")
    ]
    lines += [
        f"{outcome.path.name}: {outcome.status}: {outcome.reason}" for outcome in report.outcomes if outcome.reason
    ][:10]
    return "\n".join(lines)


def undo_latest(task: Task) -> RunReport:
    """Worker: undo the latest tagging run."""
    with Journal() as journal:
        return undo(
            journal, on_progress=lambda done, total, _path: task.progress((done, total)), should_stop=task.should_stop
        )


def undo_last_run(parent: QWidget, runner: TaskRunner) -> Task:
    """Undo the latest tagging run in the background and say what was restored."""
    return runner.run(
        undo_latest,
        on_done=lambda report: show_message(parent, "Undo last tagging run", report_text(report, "undo")),
        on_error=lambda error: show_error(parent, "Undo last tagging run", error),
    )


class TagDialog(QDialog):
    """Preview table, threshold slider, mode, Apply / Cancel with progress, Undo."""

    def __init__(
        self, paths: list[Path], settings: Settings, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tag genres")
        self.resize(900, 520)
        self.settings = settings
        self.runner = runner
        self.predictions: Predictions | None = None
        self.plan: Plan | None = None
        self.task: Task | None = None
        self.last_report: RunReport | None = None

        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, SLIDER_STEPS)
        self.threshold.setValue(round(settings.threshold * SLIDER_STEPS))
        self.threshold.setToolTip("Files whose predicted genre is less likely than this are left alone")
        self.threshold_label = QLabel()
        self.mode = QComboBox()
        for mode in Mode:
            self.mode.addItem(mode.value, mode)
        self.mode.setCurrentIndex(self.mode.findData(DEFAULT_MODE))
        self.mode.setToolTip(
            "replace: the genre becomes the prediction; append: added to the genres there; fill-empty: only files without a genre"
        )
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(PREVIEW_COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setColumnWidth(0, 260)
        self.progress = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.undo_button = QPushButton("Undo last tagging run")
        self.undo_button.clicked.connect(self.undo)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self.replan)
        self.threshold.valueChanged.connect(self._on_threshold)
        self.mode.currentIndexChanged.connect(lambda _index: self._replan_timer.start())

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Threshold"))
        controls.addWidget(self.threshold, 1)
        controls.addWidget(self.threshold_label)
        controls.addWidget(QLabel("Mode"))
        controls.addWidget(self.mode)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        for button in (self.apply_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._on_threshold(self.threshold.value())
        self._start(partial(predict, paths, settings.windows_per_track), self._predicted, "Analysing…")

    @property
    def min_confidence(self) -> float:
        """The threshold chosen on the slider."""
        return self.threshold.value() / SLIDER_STEPS

    def _on_threshold(self, value: int) -> None:
        self.threshold_label.setText(f"{value / SLIDER_STEPS:.2f}")
        self._replan_timer.start()

    def _start(self, fn: Callable[[Task], Any], on_done: Callable[[Any], None], message: str) -> None:
        self.task = self.runner.run(fn, on_done=on_done, on_error=self._failed, on_progress=self._on_progress)
        self.apply_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.status.setText(message)

    def _finish(self, message: str) -> None:
        self.task = None
        self.cancel_button.setEnabled(False)
        self.undo_button.setEnabled(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(message)
        self.apply_button.setEnabled(self.plan is not None and self.plan.counts()[Action.WRITE] > 0)

    def _on_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, error: BaseException) -> None:
        self._finish(describe(error))

    def _predicted(self, predictions: Predictions) -> None:
        self.predictions = predictions
        self.task = None
        self.replan()

    def replan(self) -> None:
        """Plan again with the current threshold and mode (reads each file's current genres)."""
        if self.predictions is None or self.task is not None:
            return
        predictions, mode, threshold = self.predictions, self.mode.currentData(), self.min_confidence
        self._start(
            lambda task: make_plan(predictions, mode=mode, min_confidence=threshold, should_stop=task.should_stop),
            self._planned,
            "Reading the files' genres…",
        )

    def _planned(self, plan: Plan) -> None:
        self.plan = plan
        self.table.clear()
        for row in preview_rows(plan):
            self.table.addTopLevelItem(QTreeWidgetItem(list(row)))
        counts = plan.counts()
        self._finish(", ".join(f"{counts[action]} {action}" for action in Action))

    def apply(self) -> None:
        """Write the plan shown, as one journalled run."""
        plan = self.plan
        if plan is None:
            return
        self.settings.threshold = plan.min_confidence

        def work(task: Task) -> RunReport:
            with Journal() as journal:
                return apply_plan(
                    plan,
                    journal,
                    on_progress=lambda done, total, _path: task.progress((done, total)),
                    should_stop=task.should_stop,
                )

        self._start(work, self._applied, "Writing genres…")

    def _applied(self, report: RunReport) -> None:
        self.last_report = report
        self.plan = None  # the files changed: this plan is spent
        self._finish(report_text(report, "write"))

    def cancel(self) -> None:
        """Stop the running step after the current file (files written so far stay written, and undoable)."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping after the current file…")

    def undo(self) -> None:
        """Undo the latest tagging run."""
        self._start(undo_latest, self._undone, "Restoring the previous genres…")

    def _undone(self, report: RunReport) -> None:
        self.last_report = report
        self.plan = None
        self._finish(report_text(report, "undo"))
        self.replan()  # the plan against the restored files

    def reject(self) -> None:
        """Close; a running step is asked to stop first."""
        self.cancel()
        super().reject()

"""Tools ▸ Tag genres…: preview the tagging plan, review it, apply it with progress and Cancel, undo it.

It proposes what the model in use proposes, into that model's field: genres from the shipped model,
or a personal model's labels into the field it learnt (moods, groupings …), named so in the title,
the column headers and the messages.

The dialog says what it works on (:class:`TagScope`: a selection, a folder, the whole library).
The user reviews the plan row by row: a ticked row is written, an unticked one is left alone,
and an edited proposed genre is a correction, written instead of the model's proposal and
journalled as the user's (:func:`~musictagger.tagging.plan.revise`).  After Apply, and after
Undo, each row says what happened to its file.

Everything is the core's (:mod:`musictagger.tagging`), as ``musictagger tag`` uses it: the files
are found by :func:`musictagger.library.scan.scan`, predictions come from
:func:`~musictagger.tagging.predict.predict_labels` (stored results where current, fresh analysis
otherwise), the table (:mod:`musictagger.gui.plan_table`) shows the rows
(:func:`~musictagger.tagging.plan.preview_row`) of the very plan that Apply hands to
:func:`~musictagger.tagging.apply.apply_plan`, and undo is :func:`~musictagger.tagging.undo.undo`.  The dialog only
runs them on the background runner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from musictagger.gui.errors import describe, show_error, show_message
from musictagger.gui.geometry import resize_within_screen, text_size
from musictagger.gui.one_shot_dialog import OneShotDialog
from musictagger.gui.plan_table import CONFIDENCE, CURRENT, FILE, PROPOSED, PlanModel, PreviewTable, preview_table
from musictagger.gui.readable import readable
from musictagger.gui.settings import Settings
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.library.scan import scan
from musictagger.tagging.apply import Outcome, RunReport, apply_plan
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import (
    DEFAULT_MODE,
    Action,
    FileStates,
    Mode,
    Plan,
    PlanItem,
    id3_version_chosen,
    make_plan,
    revise,
)
from musictagger.tagging.predict import Proposals, predict_labels
from musictagger.tagging.undo import undo

SLIDER_STEPS = 100
REPLAN_DELAY_MS = 250
MAX_VALUES_CHARS = 43
"""The current and proposed values' columns fit their longest value and heading up to this many characters of the
table's font (260 pixels in Qt's 9 points; the default 100 pixels cut "Alternative Rock")."""
MAX_NAMES_CHARS = 50
"""The File column fits its names up to this many characters (300 pixels in 9 points); the last column, where the
reasons are, takes the rest (a File column of this width whatever the names cut those reasons)."""


@dataclass(frozen=True)
class TagScope:
    """What the dialog works on, and how to say it: selected tracks, a folder's files, or the library."""

    paths: tuple[Path, ...]
    kind: str
    """``selection``, ``folder`` or ``library``."""
    where: str = ""
    """The folder, or the library's folders."""

    @classmethod
    def selection(cls, paths: list[Path]) -> TagScope:
        return cls(tuple(paths), "selection")

    @classmethod
    def folder(cls, folder: Path) -> TagScope:
        return cls((folder,), "folder", str(folder))

    @classmethod
    def library(cls, paths: list[Path], roots: list[Path]) -> TagScope:
        return cls(tuple(paths), "library", ", ".join(str(root) for root in roots) or "the library")

    def describe(self, files: int | None = None) -> str:
        """``12 selected tracks``, ``all 3,400 tracks of /music``, ``all 37 audio files in /x``.

        ``files`` is how many audio files were found (a folder's count is known only then).
        """
        count = len(self.paths) if files is None and self.kind != "folder" else files
        if count is None:
            return f"the audio files in {self.where}"
        number, plural = f"{count:,}", "" if count == 1 else "s"
        if self.kind == "selection":
            return f"{number} selected track{plural}"
        if self.kind == "library":
            return f"all {number} track{plural} of {self.where}"
        return f"all {number} audio file{plural} in {self.where}"


def result_text(item: PlanItem, outcome: Outcome | None) -> str:
    """What happened to a row's file in the run: written, unchanged, skipped or failed, with the reason."""
    if outcome is not None:
        return f"{outcome.status}: {outcome.reason}" if outcome.reason else outcome.status
    if item.action is Action.UNCHANGED:
        return "unchanged"
    if item.action is Action.ERROR:
        return f"failed: {item.reason}"
    return f"skipped: {item.reason}" if item.reason else "skipped"


def predict(paths: list[Path], n_windows: int | None, task: Task) -> Proposals:
    """Worker: the proposal for every audio file under ``paths`` (as ``musictagger tag`` finds them), or the
    error that prevented one, and the field they are values of."""
    files = [found.path for found in scan(paths).files]
    return predict_labels(
        files,
        n_windows=n_windows,
        on_progress=lambda done, total: task.progress((done, total)),
        should_stop=task.should_stop,
    )


RESULTS = ("written", "unchanged", "skipped", "failed")
"""What can become of a file of the plan, in the order the run's summary counts them."""


def results_summary(results: dict[Path, str]) -> str:
    """``3 written, 6 unchanged, 8 skipped, 0 failed``: every file of the plan, as ``tag``'s last line counts
    them (from each row's :func:`result_text`), not only the files the run tried."""
    counts = Counter(text.split(":", 1)[0] for text in results.values())
    return ", ".join(f"{counts[result]} {result}" for result in RESULTS)


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
        readable(f"{outcome.path.name}: {outcome.status}: {outcome.reason}")
        for outcome in report.outcomes
        if outcome.reason
    ][:10]
    return "\n".join([*lines, *run_notes(report)])


def run_notes(report: RunReport) -> list[str]:
    """Sentences for why a run stopped before its last file and why the library index did not take its tags."""
    return [readable(f"{note[0].upper()}{note[1:]}.") for note in (report.stopped, report.index_problem) if note]


def undo_latest(task: Task) -> RunReport:
    """Worker: undo the latest tagging run (and tell the library index the restored tags).

    A journal without a run that changed files has nothing to undo, as one whose last run was undone already:
    the window says so (the command line's error named the journal's file, in a warning, at a first start).
    """
    with Journal() as journal:
        if journal.latest_tag_run() is None:
            return RunReport(None)
        report = undo(
            journal, on_progress=lambda done, total, _path: task.progress((done, total)), should_stop=task.should_stop
        )
        update_library_index(journal, report)
        return report


def apply_review(
    plan: Plan, left_out: set[Path], corrections: dict[Path, tuple[str, ...]], task: Task
) -> tuple[Plan, RunReport]:
    """Worker: the plan as the user reviewed it, written as one journalled run; the library learns the new tags."""
    reviewed = revise(plan, left_out=left_out, corrections=corrections)
    with Journal() as journal:
        report = apply_plan(
            reviewed,
            journal,
            on_progress=lambda done, total, _path: task.progress((done, total)),
            should_stop=task.should_stop,
        )
        update_library_index(journal, report)
    return reviewed, report


def undo_last_run(parent: QWidget, runner: TaskRunner, on_undone: Callable[[], None]) -> Task:
    """Undo the latest tagging run in the background, say what was restored, then call ``on_undone`` (the
    window's library table reads the restored tags)."""

    def undone(report: RunReport) -> None:
        show_message(parent, "Undo last tagging run", report_text(report, "undo"))
        on_undone()

    return runner.run(
        undo_latest,
        owner=parent,
        on_done=undone,
        on_error=lambda error: show_error(parent, "Undo last tagging run", error),
    )


def plan_view(model: PlanModel) -> QTableView:
    """A table of ``model``'s rows that looks as the list of rows it was (no grid, no row numbers, headings on the
    left) and costs nothing a row: none is measured (a fixed height, :meth:`TagDialog._planned`'s), so 100,000 rows
    scroll and sort as 100 do."""
    table = QTableView()
    table.setModel(model)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # rows are chosen, not cells: Tab leaves the table, arrows move in it
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setMinimumSectionSize(0)  # a header's least height is more than a row of text needs
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionsMovable(True)  # a column dragged to another place, as the list's were
    table.setSortingEnabled(True)
    return table


class TagDialog(OneShotDialog):
    """Scope, threshold slider, mode, the review table, Apply / Cancel with progress, Undo."""

    def __init__(
        self,
        scope: TagScope,
        settings: Settings,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        proposer: str = "the shipped model",
        field: str = "genre",
    ) -> None:
        """``proposer`` names the model whose verdicts are proposed (e.g. the user's personal model), ``field``
        the tag field it proposes values for (the predictions, when they arrive, say which for certain)."""
        super().__init__(parent)
        resize_within_screen(self, text_size(self, 160, 40))  # 960×560 in 9 points
        self.scope = scope
        self.settings = settings
        self.runner = runner
        self.field = field
        self.proposals: Proposals | None = None
        self.analysis_cancelled = False
        """Cancel stopped the analysis: the plan lists only the files analysed by then."""
        self.plan: Plan | None = None
        self.file_states = FileStates()
        """What the plans read of the files, read again only of a file that changed: a change of threshold or mode
        plans again without reading every file again."""
        self.task: Task | None = None
        self.writing = self.closed_while_writing = False
        """The running step writes files (Apply, Undo); the dialog was closed while it did."""
        self.last_report: RunReport | None = None

        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(0, SLIDER_STEPS)
        self.threshold.setValue(round(settings.threshold * SLIDER_STEPS))
        self.threshold_label = QLabel()
        self.mode = QComboBox()
        for mode in Mode:
            self.mode.addItem(mode.value, mode)
        self.mode.setCurrentIndex(self.mode.findData(DEFAULT_MODE))
        self.scope_label = QLabel(f"Works on {scope.describe()}")
        self.scope_label.setWordWrap(True)
        self.proposer_label = QLabel()
        self.rows = PlanModel(self)
        self.rows.reviewed.connect(self._reviewed)
        self.table = plan_view(self.rows)
        self.table.sortByColumn(FILE, Qt.SortOrder.AscendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # only the proposed value: see _edit
        self.table.doubleClicked.connect(self._edit)
        edit = QShortcut(QKeySequence(Qt.Key.Key_F2), self.table, context=Qt.ShortcutContext.WidgetShortcut)
        edit.activated.connect(lambda: self._edit(self.table.currentIndex().siblingAtColumn(PROPOSED)))
        self._name_field(field, proposer)
        # Until the plan comes, each column as wide as its heading (once the columns exist: set before, the widths were
        # lost): in a 14-point font Qt's default 100 pixels read "Current ge", "Proposed genr" and "Confidenc".
        for column in (FILE, CURRENT, PROPOSED, CONFIDENCE):
            self.table.resizeColumnToContents(column)  # no rows yet: its heading's width
        self.progress = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("&Apply")
        # Return applies the plan shown; without a default Qt made the first button, Undo, the default, so Return
        # pressed on the mode or the threshold undid the last tagging run.
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.undo_button = QPushButton("&Undo last tagging run")
        self.undo_button.clicked.connect(self.undo)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self.replan)
        self.threshold.valueChanged.connect(self._on_threshold)
        self.mode.currentIndexChanged.connect(lambda _index: self._replan_timer.start())

        threshold_name, mode_name = QLabel("&Threshold"), QLabel("&Mode")
        threshold_name.setBuddy(self.threshold)  # Alt+T goes there, and a screen reader names the slider so
        mode_name.setBuddy(self.mode)
        controls = QHBoxLayout()
        controls.addWidget(threshold_name)
        controls.addWidget(self.threshold, 1)
        controls.addWidget(self.threshold_label)
        controls.addWidget(mode_name)
        controls.addWidget(self.mode)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        for button in (self.apply_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_label)
        layout.addWidget(self.proposer_label)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.threshold_label.setText(f"{self.min_confidence:.2f}")  # the first plan follows the predictions
        self._start(partial(predict, list(scope.paths), settings.windows_per_track), self._predicted, "Analysing…")

    def _name_field(self, field: str, proposer: str | None = None) -> None:
        """Title, headers, tooltips and the proposer line say which field is proposed (``genre``, ``mood`` …)."""
        self.field = field
        self.setWindowTitle(f"Tag {field}s")
        # The CSV's headings, capitalised as the window's other tables' (Library tab, Nearest matches) are.
        self.rows.name_field(field)
        self.threshold.setToolTip(
            f"Files whose predicted {field} is less likely than this are left alone; "
            "Apply keeps it as the tagging threshold (File ▸ Settings) for next time"
        )
        self.mode.setToolTip(
            f"replace: the {field} becomes the prediction; append: added to the values there; "
            f"fill-empty: only files without a {field}"
        )
        self.table.setToolTip(
            f"Untick a file to leave it alone (Space); double-click a proposed {field} (or press F2) to correct it"
        )
        self.table.setAccessibleName(f"Proposed {field}s, a row per file")
        if proposer is not None:
            self.proposer_label.setText(f"Proposals from {proposer}, written into the files' {field} tag")

    @property
    def min_confidence(self) -> float:
        """The threshold chosen on the slider."""
        return self.threshold.value() / SLIDER_STEPS

    def _on_threshold(self, value: int) -> None:
        self.threshold_label.setText(f"{value / SLIDER_STEPS:.2f}")
        self._replan_timer.start()

    def _start(
        self, fn: Callable[[Task], Any], on_done: Callable[[Any], None], message: str, *, writes: bool = False
    ) -> None:
        """Run a step; ``writes``: it changes files (Apply, Undo), so its outcome is said even if the dialog closes."""
        self.task = self.runner.run(
            fn, owner=self, on_done=on_done, on_error=self._failed, on_progress=self._on_progress
        )
        self.writing = writes
        self.apply_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(message)

    def _finish(self, message: str) -> None:
        """The step ended: say ``message`` in the dialog, or, for a step that wrote files after the dialog was closed
        (Esc or Close while Apply ran: it stops after the file being written), in a box over the window."""
        if self.writing and self.closed_while_writing:
            show_message(self.parentWidget(), self.windowTitle(), message)
        self.task = None
        self.writing = self.closed_while_writing = False
        self.cancel_button.setEnabled(False)
        self.undo_button.setEnabled(True)
        self.progress.setVisible(False)  # shown while a step runs: a full bar over a preview read as "done"
        self.status.setText(message)
        self.apply_button.setEnabled(self.plan is not None and bool(self.rows.ticked_count()))
        self.release_if_closed()

    def working(self) -> bool:
        """A step runs (closed meanwhile, the dialog stays until it ends: :meth:`_finish` says what Apply wrote)."""
        return self.task is not None

    def _on_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, error: BaseException) -> None:
        self._finish(describe(error))

    def _predicted(self, proposals: Proposals) -> None:
        self.proposals = proposals
        self.analysis_cancelled = self.task is not None and self.task.should_stop()
        self.scope_label.setText(f"Works on {self.scope.describe(len(proposals.predictions))}")
        self.task = None
        self.replan()

    def replan(self) -> None:
        """Plan again with the current threshold and mode (reads each file's current values of the field)."""
        if self.proposals is None or self.task is not None:
            return
        proposals, mode, threshold = self.proposals, self.mode.currentData(), self.min_confidence
        id3_version = id3_version_chosen(self.settings.id3)  # read here: the worker touches no QSettings
        self._start(
            lambda task: preview_table(
                make_plan(
                    proposals.predictions,
                    mode=mode,
                    min_confidence=threshold,
                    id3_version=id3_version,
                    field=proposals.field,
                    should_stop=task.should_stop,
                    states=self.file_states,
                )
            ),
            self._planned,
            f"Reading the files' {proposals.field} tags…",
        )

    def _planned(self, table: PreviewTable) -> None:
        plan = self.plan = table.plan
        if plan.field != self.field:  # the model in use changed since the dialog opened
            self.proposer_label.setText(f"Proposals written into the files' {plan.field} tag")
        self.rows.show_plan(table)
        self._name_field(plan.field)
        if plan.items:  # every row as high as the first (none else measured), as tight as a list's rows
            self.table.verticalHeader().setDefaultSectionSize(self.table.sizeHintForRow(0))
        self.table.resizeColumnToContents(CONFIDENCE)  # "0.52 (uncertain)" was cut
        for column, widest in ((FILE, MAX_NAMES_CHARS), (CURRENT, MAX_VALUES_CHARS), (PROPOSED, MAX_VALUES_CHARS)):
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(
                column, min(self.table.columnWidth(column), text_size(self.table, widest, 0).width())
            )
        self._finish(self._plan_summary())

    def _plan_summary(self) -> str:
        cancelled = (
            f" (analysis cancelled: the {len(self.plan.items)} files analysed by then)"
            if self.analysis_cancelled
            else ""
        )
        return f"{self.plan.summary()}; {self.rows.ticked_count()} ticked{cancelled}"

    def _edit(self, index: QModelIndex) -> None:
        """Double-clicking a proposed genre (of a plan not yet applied), or F2 on its row, opens it for correction."""
        if index.isValid() and index.column() == PROPOSED and self.plan is not None and self.task is None:
            self.table.edit(index)

    def _reviewed(self) -> None:
        """A row ticked, unticked or corrected: the counts follow (its action follows in the table)."""
        if self.task is None:
            self._finish(self._plan_summary())

    def review(self) -> tuple[list[Path], set[Path], dict[Path, tuple[str, ...]]]:
        """The ticked files, the files left out, and the corrected genres, as the table says now
        (:meth:`~musictagger.gui.plan_table.PlanModel.review`)."""
        return self.rows.review() if self.plan is not None else ([], set(), {})

    def apply(self) -> None:
        """Write the ticked rows, with the user's corrections, as one journalled run; untick rows stay untouched."""
        plan = self.plan
        if plan is None:
            return
        self.settings.threshold = plan.min_confidence
        _ticked, left_out, corrections = self.review()
        self._start(
            partial(apply_review, plan, left_out, corrections), self._applied, f"Writing {plan.field}s…", writes=True
        )

    def _applied(self, result: tuple[Plan, RunReport]) -> None:
        reviewed, report = result
        self.last_report = report
        self.plan = None  # the files changed: this plan is spent
        outcomes = {outcome.path: outcome for outcome in report.outcomes}
        results = {item.path: result_text(item, outcomes.get(item.path)) for item in reviewed.items}
        self.rows.show_results(results)
        self._finish(
            " ".join([results_summary(results) + (" (cancelled)" if report.cancelled else ""), *run_notes(report)])
        )

    def cancel(self) -> None:
        """Stop the running step after the current file (files written so far stay written, and undoable)."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping once the files already started are done…")

    def undo(self) -> None:
        """Undo the latest tagging run."""
        self._start(undo_latest, self._undone, "Restoring the previous tags…", writes=True)

    def _undone(self, report: RunReport) -> None:
        self.last_report = report
        if report.run_id is None:  # nothing was undone: the preview stands, and Apply with it
            self._finish(f"Undo: {report_text(report, 'undo')}" + (f" {self._plan_summary()}" if self.plan else ""))
            return
        self.plan = None
        results = {
            outcome.path: result_text(PlanItem(outcome.path, Action.SKIP), outcome) for outcome in report.outcomes
        }
        self.rows.show_results(results)
        message = report_text(report, "undo")
        self._finish(
            f"Undo: {message}" + ("" if report.run_id is None else "\nChange the threshold or mode to preview again.")
        )

    def reject(self) -> None:
        """Close; a running step is asked to stop first (what one writing files wrote is said once it has stopped:
        :meth:`_finish`), and a change of threshold or mode not yet planned is dropped."""
        self._replan_timer.stop()
        self.closed_while_writing = self.writing
        self.cancel()
        super().reject()

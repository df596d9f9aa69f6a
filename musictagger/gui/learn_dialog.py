"""Library ▸ Learn from my tags…: survey the labels the library's tags hold, learn them, measure, ask.

The dialog is the window's face of :mod:`musictagger.personal`, as ``musictagger learn`` is the
command line's: :func:`~musictagger.personal.vocabulary.survey` lists the labels found (counts
and the spellings merged into each) and what is left out and why, again whenever the field or
the minimum changes or the user ticks a label in or out;
:func:`~musictagger.personal.learn.learn` trains, cross-validates and saves the model with a
progress bar and Cancel; the report (:mod:`musictagger.gui.learn_report`) comes before the
question whether to use it (:func:`~musictagger.personal.store.use`).  All of it runs on the
runner given, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from musictagger.gui.errors import describe
from musictagger.gui.geometry import resize_within_screen, text_size
from musictagger.gui.learn_report import LearnReportView, changed_text
from musictagger.gui.one_shot_dialog import OneShotDialog
from musictagger.gui.tasks import Task, TaskRunner
from musictagger.library import Library
from musictagger.personal import store
from musictagger.personal.learn import LearnCancelledError, LearnedModel, LearnReport, learn
from musictagger.personal.store import NAME_PATTERN
from musictagger.personal.vocabulary import LabelSurvey, survey
from musictagger.tags.formats import LABEL_FIELDS

DEFAULT_MIN_PER_LABEL = 10
RESURVEY_DELAY_MS = 250
PROGRESS_STEPS = 1000
SURVEYING = "Reading the library's tags…"
"""The status while the library is surveyed, shown where nothing else is: a survey (after the library changed, or
the field) must not blank what learning or switching models said, as it did when it ended."""
SURVEY_FAILED = "The library cannot be surveyed: "
LABEL, TRACKS, SPELLINGS, STATUS = range(4)
SURVEY_COLUMNS = ("Label", "Tracks", "Spellings merged", "Learn it?")
EXCLUDED_BY_YOU = "excluded by you"


def survey_library(field: str, min_per_label: int, exclude: tuple[str, ...], _task: Task) -> LabelSurvey:
    """Worker: the labels the index's tracks carry in ``field``."""
    with Library() as library:
        return survey(library, field=field, min_per_label=min_per_label, exclude=exclude)


def learn_library(
    field: str, min_per_label: int, exclude: tuple[str, ...], name: str | None, task: Task
) -> LearnedModel:
    """Worker: train, measure and save a personal model."""
    with Library() as library:
        return learn(
            library,
            field=field,
            min_per_label=min_per_label,
            exclude=exclude,
            name=name,
            on_progress=lambda fraction, doing: task.progress((fraction, doing)),
            should_stop=task.should_stop,
        )


def survey_summary(found: LabelSurvey) -> str:
    """What the survey means for learning, in words."""
    if len(found.labels) == 1:  # Learn is disabled: say why, not what it would do
        (label,) = found.labels
        text = (
            f"Nothing to learn yet: only \u201c{label}\u201d has enough tagged tracks, and learning needs two labels "
            "to tell apart. Lower the tracks needed per label, or tag more tracks of another label."
        )
    elif found.labels:
        text = (
            f"{len(found.labels)} labels to learn from {found.tagged_tracks:,} tagged tracks; "
            f"{found.untagged_tracks:,} tracks without a {found.field} can get proposals (those it is sure enough "
            "about)."
        )
    elif found.tracks:
        text = f"Nothing to learn yet: no {found.field} has enough tagged tracks (the table says what each needs)."
    elif found.unread_tracks:
        tracks = "1 track" if found.unread_tracks == 1 else f"{found.unread_tracks:,} tracks"
        text = f"Nothing to learn yet: an earlier release indexed {tracks} without reading their {found.field} tags."
    elif found.untagged_tracks or found.missing_embeddings:
        text = f"Nothing to learn yet: no indexed track has a {found.field}."
    else:
        text = (
            "Nothing to learn yet: the library index holds no track. Learning reads it: add your music folders "
            "(Library \u25b8 Show music folders), and the table follows when they are indexed."
        )
    if found.missing_embeddings:
        text += (
            f" {found.missing_embeddings:,} indexed tracks were analysed before the index kept what learning "
            "needs: they are left out until the library is indexed again."
        )
    if found.to_index:
        text += f" {found.to_index_words()}: they are left out until the library is indexed again."
    return text


def not_music_text(report: LearnReport) -> str:
    """The labels many of whose tracks the shipped model calls not music, in sentences: the report's figures, of
    the personal model's own scores, say nothing of them."""
    return " ".join(f"{text[0].upper()}{text[1:]}." for text in report.not_music)


class LearnDialog(OneShotDialog):
    """Field, minimum, the survey table with a tick per label, a name, Learn / Cancel, the report, Use it."""

    modelActivated = Signal()  # noqa: N815 (Qt signal naming) — the active model changed
    indexRequested = Signal()  # noqa: N815 (Qt signal naming) — the user asked to index the library again

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learn from my tags")
        resize_within_screen(self, text_size(self, 127, 46))  # 762×644 in 9 points
        self.runner = runner
        self.found: LabelSurvey | None = None
        self.learned: LearnedModel | None = None
        self.learning_from: LabelSurvey | None = None
        """The survey shown when learning began: what the report's counts are compared with as the library changes."""
        self.task: Task | None = None
        self.user_excluded: set[str] = set()
        """Count and spellings of every label seen, so a label the user ticks out keeps its row's figures."""
        self._survey_generation = 0
        self._filling = False

        intro = QLabel(
            "musictagger learns the labels you have already given your tracks and proposes them for the "
            "tracks without one. It reads the library index (and for a mood or grouping, the files' tags): no audio "
            "is decoded and no file is changed."
        )
        intro.setWordWrap(True)
        self.field = QComboBox()
        self.field.addItems(LABEL_FIELDS)
        self.field.setToolTip("The tag to learn: one value per track (several values each count)")
        self.min_per_label = QSpinBox()
        self.min_per_label.setRange(2, 10_000)
        self.min_per_label.setValue(DEFAULT_MIN_PER_LABEL)
        self.min_per_label.setToolTip("A label with fewer tracks than this is left out: too few to learn from")
        self.name = QLineEdit()
        self.name.setValidator(QRegularExpressionValidator(QRegularExpression(NAME_PATTERN.pattern), self.name))
        self.name.setToolTip("Letters, digits, '.', '_' or '-'; a model of the same name is replaced")
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(SURVEY_COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setColumnWidth(LABEL, 200)
        self.table.setColumnWidth(SPELLINGS, 260)
        self.table.setToolTip("Untick a label to leave it out of the model (Space)")
        self.table.setAccessibleName("Labels found in the tags")
        self.table.itemChanged.connect(self._ticked)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.index_button = QPushButton("Index the library again")
        self.index_button.setToolTip("Library ▸ Index music folders: fills in what learning needs, in the background")
        self.index_button.clicked.connect(self._index_again)
        self.index_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.hide()  # until there is something to wait for
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.report = LearnReportView()
        self.report.hide()
        self.not_music = QLabel()
        self.not_music.setWordWrap(True)
        self.not_music.hide()  # until a report says the base model calls many of a label's tracks not music
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.use_button = QPushButton("&Use it")
        self.use_button.clicked.connect(self.use_learned)
        self.keep_button = QPushButton("&Not now")
        self.keep_button.setToolTip("Keep the current model; Library ▸ Personal models… can switch later")
        self.keep_button.clicked.connect(self._keep_current)
        self.learn_button = QPushButton("&Learn")
        self.learn_button.setDefault(True)
        self.learn_button.clicked.connect(self.start_learning)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self._resurvey_timer = QTimer(self)
        self._resurvey_timer.setSingleShot(True)
        self._resurvey_timer.setInterval(RESURVEY_DELAY_MS)
        self._resurvey_timer.timeout.connect(self.resurvey)
        self.field.currentIndexChanged.connect(self._field_changed)
        self.min_per_label.valueChanged.connect(lambda _value: self._resurvey_timer.start())
        self._layout(intro)
        self._field_changed()

    def _layout(self, intro: QLabel) -> None:
        form = QFormLayout()
        form.addRow("Learn the &tag", self.field)  # each label's mnemonic (Alt+letter) goes to its field
        form.addRow("Tracks needed &per label", self.min_per_label)
        form.addRow("Name of the &model", self.name)
        summary = QHBoxLayout()
        summary.addWidget(self.summary, 1)
        summary.addWidget(self.index_button)
        self.asking = QWidget()
        ask = QHBoxLayout(self.asking)
        ask.setContentsMargins(0, 0, 0, 0)
        ask.addWidget(self.question, 1)
        ask.addWidget(self.use_button)
        ask.addWidget(self.keep_button)
        self.asking.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.learn_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        surveyed = QWidget()
        survey_pane = QVBoxLayout(surveyed)
        survey_pane.setContentsMargins(0, 0, 0, 0)
        survey_pane.addWidget(self.table, 1)
        survey_pane.addLayout(summary)
        # The survey above, the report below it once there is one, sharing the height evenly (the user can drag
        # the handle): in one column the report's sentences left the survey table about three rows.
        self.panes = QSplitter(Qt.Orientation.Vertical)
        self.panes.setChildrenCollapsible(False)
        self.panes.addWidget(surveyed)
        self.panes.addWidget(self.report)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.panes, 1)
        layout.addWidget(self.not_music)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.asking)
        layout.addLayout(buttons)

    # The survey.

    def _field_changed(self) -> None:
        self.name.setPlaceholderText(self.field.currentText())  # learn()'s default name
        self.user_excluded.clear()
        self.resurvey()

    def resurvey(self) -> None:
        """Survey the library again with the field, minimum and exclusions shown; a later survey wins."""
        self._survey_generation += 1
        generation = self._survey_generation
        self.runner.run(
            partial(
                survey_library, self.field.currentText(), self.min_per_label.value(), tuple(sorted(self.user_excluded))
            ),
            owner=self,
            on_done=partial(self._surveyed, generation),
            on_error=partial(self._survey_failed, generation),
        )
        if not self.status.text():  # not over what learning or switching models says
            self.status.setText(SURVEYING)
        self._update_buttons()

    def _surveyed(self, generation: int, found: LabelSurvey) -> None:
        if generation != self._survey_generation:
            return  # the user changed something meanwhile; a newer survey is on its way
        self.found = found
        self._fill_table(found)
        self.summary.setText(survey_summary(found))
        self.index_button.setVisible(found.missing_embeddings > 0 or found.to_index > 0)
        self.index_button.setEnabled(True)
        if self.status.text() == SURVEYING or self.status.text().startswith(SURVEY_FAILED):
            self.status.setText("")
        self._update_buttons()
        self._compare_with_learnt()

    def _compare_with_learnt(self) -> None:
        """Say on the report when the library's counts of the labels it learnt differ from when learning began
        (indexing went on): the survey table shows the new ones, the report the old."""
        if self.learned is None or self.learning_from is None or self.found is None:
            return
        if self.found.field != self.learned.field:
            return  # the table surveys another field: the two tables are not about the same tags
        then = {label: self.learning_from.tracks.get(label, 0) for label in self.learned.labels}
        self.report.show_changed(changed_text(then, self.found.tracks))

    def _survey_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._survey_generation:
            self.found = None
            self.status.setText(SURVEY_FAILED + describe(error))
            self._update_buttons()

    def _fill_table(self, found: LabelSurvey) -> None:
        """Kept labels first (ticked), then the excluded ones with their reason; only a label the user
        left out can be ticked back in, one with too few tracks cannot."""
        self._filling = True
        self.table.clear()
        rows = [(label, "to learn", True) for label in found.labels]
        rows += [(label, reason, label in self.user_excluded) for label, reason in found.excluded.items()]
        for label, status, tickable in rows:
            spellings = found.spellings[label]
            row = QTreeWidgetItem([label, str(found.tracks[label]), ", ".join(spellings), status])
            row.setData(LABEL, Qt.ItemDataRole.UserRole, label)
            row.setToolTip(SPELLINGS, "\n".join(spellings))
            row.setToolTip(STATUS, status)
            if tickable:  # a tick box only where ticking means something
                ticked = label not in self.user_excluded
                row.setCheckState(LABEL, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            else:
                row.setDisabled(True)
            self.table.addTopLevelItem(row)
        self._filling = False

    def _index_again(self) -> None:
        """Ask the window to index the library; the survey is read again when that has finished."""
        self.index_button.setEnabled(False)
        self.status.setText(
            "Indexing the library in the background (Music folders panel); the table follows when it is done…"
        )
        self.indexRequested.emit()

    def _ticked(self, row: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != LABEL:
            return
        label = row.data(LABEL, Qt.ItemDataRole.UserRole)
        if row.checkState(LABEL) == Qt.CheckState.Checked:
            self.user_excluded.discard(label)
        else:
            self.user_excluded.add(label)
        self._resurvey_timer.start()

    # Learning.

    def start_learning(self) -> None:
        """Learn the labels ticked, as surveyed, in the background."""
        if self.found is None or self.task is not None:
            return
        self.learned = None
        self.learning_from = self.found
        self.report.hide()
        self.not_music.hide()
        self._put_question_away()
        work = partial(
            learn_library,
            self.field.currentText(),
            self.min_per_label.value(),
            tuple(sorted(self.user_excluded)),
            self.name.text().strip() or None,
        )
        self._start(work, self._learned, "Learning…")

    def _start(self, work: Callable[[Task], Any], on_done: Callable[[Any], None], message: str) -> None:
        self.task = self.runner.run(
            work, owner=self, on_done=on_done, on_error=self._learn_failed, on_progress=self._on_progress
        )
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(message)
        self._update_buttons()

    def _on_progress(self, value: tuple[float, str]) -> None:
        if self.task is None or self.task.should_stop():
            return
        fraction, doing = value
        self.progress.setValue(round(fraction * PROGRESS_STEPS))
        self.status.setText(doing)

    def _finish(self, message: str) -> None:
        """The task is over (done, failed or cancelled): the bar goes, ``message`` says how it ended."""
        self.task = None
        self.progress.hide()
        self.status.setText(message)
        self._update_buttons()
        self.release_if_closed()

    def working(self) -> bool:
        """Learning or switching models runs (closed meanwhile, the dialog stays until it ends)."""
        return self.task is not None

    def _learned(self, learned: LearnedModel) -> None:
        self.learned = learned
        self.report.show_report(learned.report)
        self.not_music.setText(not_music_text(learned.report))
        self.not_music.setVisible(bool(learned.report.not_music))
        self._compare_with_learnt()  # the library may have changed while it learnt
        self.report.show()
        if learned.replaced_active:  # the window must follow, nothing to ask
            self._finish(f"Saved as \u201c{learned.name}\u201d, replacing the active model of that name: in use now.")
            self.modelActivated.emit()
            return
        proposals = (
            "proposals" if learned.field == "genre" else f"{learned.field} proposals (written as {learned.field})"
        )
        self.question.setText(
            f"Saved as \u201c{learned.name}\u201d ({len(learned.labels)} labels). Use it from now on for analysis "
            f"and for {proposals}? The shipped model stays available."
        )
        self.asking.show()
        self._finish("")
        self.use_button.setDefault(True)  # Enter answers, from wherever the focus is; Learn had been the default
        self.use_button.setFocus()  # disabled while learning, Learn had passed the focus to Close: Enter closed unasked

    def _learn_failed(self, error: BaseException) -> None:
        self._finish("Cancelled: nothing was saved." if isinstance(error, LearnCancelledError) else describe(error))

    def cancel(self) -> None:
        """Stop learning at its next check; nothing is saved."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping…")
            self.cancel_button.setEnabled(False)

    # Asking.

    def use_learned(self) -> None:
        """Make the model just learned the active one."""
        if self.learned is None:
            return
        name = self.learned.name
        self._start(lambda _task: store.use(name), lambda _none: self._activated(name), "Switching models…")

    def _put_question_away(self) -> None:
        """Hide the question and make Learn the default again (Enter in a field learns).

        Learn is unset first: a button that is the default for having the focus ignores ``setDefault(True)``, and
        the dialog went back to the hidden Use it as its default once the focus moved on, so Enter in a field did
        nothing (after Not now, or after a learning begun over the unanswered question failed)."""
        self.learn_button.setDefault(False)
        self.learn_button.setDefault(True)
        self.asking.hide()

    def _answered(self) -> None:
        """The question is gone: Learn is the default again (Enter in a field learns anew), the focus on Close."""
        self._put_question_away()
        self.close_button.setFocus()

    def _activated(self, name: str) -> None:
        self._answered()
        self._finish(f"\u201c{name}\u201d is now the active model.")
        self.modelActivated.emit()

    def _keep_current(self) -> None:
        self._answered()
        self.status.setText("Kept the current model. Library ▸ Personal models… can switch to the new one later.")

    def _update_buttons(self) -> None:
        busy = self.task is not None
        kept = self.found is not None and len(self.found.labels) >= 2
        self.learn_button.setEnabled(not busy and kept)
        self.learn_button.setToolTip("" if kept else "Needs at least two labels with enough tracks each")
        self.cancel_button.setEnabled(busy)
        for widget in (self.field, self.min_per_label, self.name, self.table, self.use_button, self.keep_button):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        """Close; learning still running is asked to stop (nothing is saved then)."""
        self.cancel()
        super().reject()

"""How good a freshly learned personal model is, shown before the user decides to use it.

Every figure is the core's cross-validation (:class:`~musictagger.personal.learn.LearnReport`,
folds grouped by artist): the overall accuracy and macro-F1, how often the "not one of my
labels" verdict holds back, one row per label, and the confusions, the labels it cannot tell
apart and those it could not be measured on in words.  Nothing is hidden: a weak label is shown as weak, and
track counts that the library has outgrown since are said to be.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from musictagger.personal.learn import LearnReport

SCORE_COLUMNS = ("Label", "Tracks", "Precision", "Recall", "F1")
WEAK_F1 = 0.5
"""A label whose cross-validated F1 is below this is marked as weak in the table."""


def figures_text(report: LearnReport) -> str:
    """The headline figures in one sentence (plain text)."""
    return (
        f"Cross-validated over {report.folds} folds, grouped by artist: {report.accuracy_words()}. "
        f"It holds back {report.unknown_rate:.0%} of tagged tracks as "
        f"\u201cnot one of my labels\u201d. Learned in {report.seconds:.1f} s."
    )


UNTAUGHT = (
    "These figures are for your labels only. Music of a genre you did not tag that sounds like one you did "
    "gets that label, often confidently: tag a few tracks of every genre your library holds first."
)
"""What cross-validation cannot show: it only ever sees tracks of the labels learnt."""


def caveats_text(report: LearnReport) -> str:
    """The confusions and the labels it cannot tell apart, one sentence a line, then :data:`UNTAUGHT`."""
    mixed = "\n".join(f"It {text}." for text in (*report.confusions, *report.indistinguishable, *report.unmeasured))
    return f"{mixed or 'No pair of labels is often mixed up.'}\n{UNTAUGHT}"


CHANGES_NAMED = 3
"""At most this many labels whose track counts changed are named; the others are counted."""


def changed_text(then: dict[str, int], now: dict[str, int]) -> str:
    """What changed in the library since the model learnt, from each learnt label's tracks ``then`` and ``now``:
    empty when nothing did, so the report's counts and the survey's agree or say why they do not."""
    changes = [(label, count, now.get(label, 0)) for label, count in then.items() if now.get(label, 0) != count]
    if not changes:
        return ""
    (label, before, after), *others = changes
    named = [f"{label} has {after:,} tracks now ({before:,} then)"]
    named += [f"{label} {after:,} ({before:,})" for label, before, after in others[: CHANGES_NAMED - 1]]
    more = len(changes) - CHANGES_NAMED
    tail = f", and {more} label{'s' * (more != 1)} more" if more > 0 else ""
    return f"The library has changed since learning began: {', '.join(named)}{tail}. Learn again to learn from it as it is now."


class LearnReportView(QWidget):
    """The figures, a table of per-label scores, and the confusions in words."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = QLabel()
        self.changed.setWordWrap(True)
        self.changed.hide()
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(SCORE_COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setColumnWidth(0, 200)
        self.caveats = QLabel()
        self.caveats.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.changed)
        layout.addWidget(self.figures)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.caveats)

    def show_report(self, report: LearnReport) -> None:
        """Fill the view from ``report`` (learnt from the library as it is: nothing has changed yet)."""
        self.show_changed("")
        self.figures.setText(figures_text(report))
        self.table.clear()
        for score in report.per_label:
            row = QTreeWidgetItem(
                [score.label, str(score.support), f"{score.precision:.2f}", f"{score.recall:.2f}", f"{score.f1:.2f}"]
            )
            if not score.measured:  # its zeros are the folds', not the model's (the sentence below says why)
                for column, text in ((2, "\u2013"), (3, "\u2013"), (4, "not measured")):
                    row.setText(column, text)
                row.setToolTip(4, "Its tracks' artists were held out together: the sentence below the table says why")
            elif score.f1 < WEAK_F1:
                row.setToolTip(4, f"weak: F1 below {WEAK_F1}; its proposals will often be wrong")
                row.setText(4, f"{score.f1:.2f} (weak)")
            self.table.addTopLevelItem(row)
        self.caveats.setText(caveats_text(report))

    def show_changed(self, text: str) -> None:
        """Say above the figures what has changed in the library since they were measured (see
        :func:`changed_text`); nothing when ``text`` is empty."""
        self.changed.setText(text)
        self.changed.setVisible(bool(text))

"""The verdict, honest about confidence: one probability bar per genre and the summary in words.

The words are :meth:`Analysis.summary` (``rock 0.83`` or ``uncertain: pop 0.41 / rock 0.38``),
the same the CLI prints; an uncertain verdict is shown in a warning colour with the rule
that made it uncertain as its tooltip.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from musictagger.model.runtime import UNCERTAIN_BELOW, UNCERTAIN_MARGIN, Analysis

BAR_STEPS = 1000
UNCERTAIN_STYLE = "color: #d08000; font-weight: bold;"
CERTAIN_STYLE = "font-weight: bold;"


class GenreView(QWidget):
    """Predicted genre, a bar per genre, and the result's warnings."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        super().__init__()
        self.labels = labels
        self.verdict = QLabel("Drop audio files or folders here")
        self.verdict.setWordWrap(True)
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.verdict.setFont(font)
        self.bars: dict[str, QProgressBar] = {}
        form = QFormLayout()
        for label in labels:
            bar = QProgressBar()
            bar.setRange(0, BAR_STEPS)
            bar.setTextVisible(True)
            bar.setFormat("")
            self.bars[label] = bar
            form.addRow(label, bar)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addLayout(form)
        layout.addWidget(self.notes)

    def clear(self, message: str = "") -> None:
        """Show ``message`` (e.g. a file's error) instead of a verdict."""
        self.verdict.setText(message)
        self.verdict.setStyleSheet("")
        self.verdict.setToolTip("")
        self.notes.setText("")
        self.setUpdatesEnabled(False)
        for bar in self.bars.values():
            bar.setValue(0)
            bar.setFormat("")
        self.setUpdatesEnabled(True)

    def show_analysis(self, analysis: Analysis) -> None:
        """Show the verdict and probabilities of ``analysis``."""
        self.verdict.setText(analysis.summary())
        self.verdict.setStyleSheet(UNCERTAIN_STYLE if analysis.uncertain else CERTAIN_STYLE)
        self.verdict.setToolTip(
            f"Uncertain when the best genre is below {UNCERTAIN_BELOW} or leads the runner-up by less than {UNCERTAIN_MARGIN}"
            if analysis.uncertain
            else ""
        )
        self.setUpdatesEnabled(False)  # QProgressBar.setValue repaints at once; paint the four bars together, later
        for label, probability in zip(self.labels, analysis.probabilities, strict=True):
            self.bars[label].setValue(round(float(probability) * BAR_STEPS))
            self.bars[label].setFormat(f"{probability:.2f}")
        self.setUpdatesEnabled(True)
        self.notes.setText("\n".join(analysis.warnings))

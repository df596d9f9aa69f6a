"""The verdict, honest about confidence: one probability bar per genre and the summary in words.

The words are :meth:`Analysis.summary` (``rock 0.83``, ``uncertain: pop 0.41 / rock 0.38``,
``not one of my genres (nearest: rock 0.45)`` or ``not music``), the same the CLI prints; an
uncertain verdict is shown in a warning colour with the rule that made it uncertain as its
tooltip.  When the model has no genre for the track, the verdict (a sentence, in the text's size) and its reason are
shown in grey and the bars are greyed out: they say how near each genre came, not that one of them won.

The bars are :class:`~musictagger.gui.probability_bars.ProbabilityBars`: every label's when they fit, else the most
probable and how many more.  Its height is a range, not one height for a width: the least shows the verdict's text
whole over the fewest bars, the most every bar, and the bars take what the panel gives between them.

The view takes the keyboard focus (in the Tab order after the file list and the centre) and says the
verdict and every probability in its accessible description, which a screen reader reads on focus:
``rock 0.83. rock 0.83, pop 0.10, …``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QStyle, QVBoxLayout, QWidget

from musictagger.gui.accessible import paint_focus
from musictagger.gui.capped_label import NotesLabel
from musictagger.gui.probability_bars import ProbabilityBars
from musictagger.gui.theme import failed_colour, unsure_colour
from musictagger.model.runtime import UNCERTAIN_BELOW, UNCERTAIN_MARGIN, Analysis
from musictagger.model.verdict import reason_sentence

CERTAIN_STYLE = "font-weight: bold;"
UNKNOWN_STYLE = "color: #808080; font-weight: bold;"
REASON_STYLE = "color: #808080;"


class GenreView(QWidget):
    """Predicted genre (or why there is none), a bar per genre, and the result's warnings."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Verdict")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict_font = self.verdict.font()
        self.verdict_font.setPointSizeF(self.verdict_font.pointSizeF() * 1.5)
        self.verdict.setFont(self.verdict_font)
        self.reason = NotesLabel()
        self.reason.setStyleSheet(REASON_STYLE)
        self.reason.hide()
        self.colour: Callable[[QPalette], QColor] | None = None
        """The verdict's colour (a file's error, an uncertain verdict), which follows the palette in use."""
        self._verdict_style = ""
        self.chart = ProbabilityBars(labels)
        self.notes = NotesLabel()
        layout = QVBoxLayout(self)
        # Room for its focus frame, not a panel's margins: the panel holding it has those, and the two together
        # left the Result panel scrolling at 1024×700 in an 11-point font.
        across = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self)
        down = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameVMargin, None, self)
        layout.setContentsMargins(across, down, across, down)
        layout.addWidget(self.verdict)
        layout.addWidget(self.reason)
        layout.addWidget(self.chart)
        layout.addWidget(self.notes)

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels of the model in use, in its order (the chart's)."""
        return self.chart.labels

    @property
    def bars(self) -> dict[str, QProgressBar]:
        """The bar showing each label (one the height leaves out is hidden)."""
        return self.chart.bars

    def set_labels(self, labels: tuple[str, ...]) -> None:
        """One bar per label of the model in use (another model, e.g. a personal one, has other labels)."""
        self.chart.set_labels(labels)

    def clear(self, message: str = "", *, failed: bool = False, prose: bool = False) -> None:
        """Show ``message`` instead of a verdict; a file's error (``failed``) in the failure colour, over greyed bars.

        ``prose``: sentences (what the model knows, an error) at the text's size, not the verdict's, whose half again
        made the empty panel's paragraph thirteen lines in a 1024-pixel window, pushing the bars out of view.
        """
        self.verdict.setFont(self.font() if prose else self.verdict_font)
        self.verdict.setText(message)
        self.colour = failed_colour if failed else None
        self._colour_verdict()
        self.verdict.setToolTip("")
        self.reason.hide()
        self.notes.setText("")
        self.chart.show_values(None, enabled=not failed)
        self.setAccessibleDescription(message)

    def show_analysis(self, analysis: Analysis) -> None:
        """Show the verdict and probabilities of ``analysis``."""
        summary = analysis.summary()
        self.colour = None
        # A sentence in the text's size (as :meth:`clear`'s prose), a label in the verdict's: "Not one of my genres
        # (nearest: electronic 0.58)" at half again took three lines of a Result dock at 1024×640, five in the Live
        # panel, and both scrolled.
        self.verdict.setFont(self.font() if analysis.unknown else self.verdict_font)
        if analysis.unknown:
            self.verdict.setText(summary[:1].upper() + summary[1:])  # a sentence here, not a label
            self.verdict.setStyleSheet(UNKNOWN_STYLE)
            self.verdict.setToolTip(
                "The model has no genre for this; the greyed bars show how near each of its genres came"
            )
            self.reason.setText(reason_sentence(analysis.verdict.reason))  # why, not the verdict again
        else:
            self.verdict.setText(summary)
            self.colour = unsure_colour if analysis.uncertain else None
            self._colour_verdict(CERTAIN_STYLE)
            self.verdict.setToolTip(
                f"Uncertain when the best genre is below {UNCERTAIN_BELOW} or leads the runner-up by less than {UNCERTAIN_MARGIN}"
                if analysis.uncertain
                else ""
            )
        self.reason.setVisible(analysis.unknown)
        probabilities = zip(self.labels, analysis.probabilities.tolist(), strict=True)
        self.chart.show_values(dict(probabilities), enabled=not analysis.unknown)
        self.notes.setText("\n".join(analysis.warnings))
        self.setAccessibleDescription(spoken_verdict(analysis))

    def _colour_verdict(self, style: str = "") -> None:
        """Style the verdict with ``style``, in :attr:`colour` of the palette in use if it has one (an error in the
        Library tab's red for a file that failed, an uncertain verdict in its orange)."""
        self._verdict_style = style
        colour = "" if self.colour is None else f"color: {self.colour(self.palette()).name()}; "
        self.verdict.setStyleSheet(colour + style)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Another theme: a coloured verdict takes its colour."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.colour is not None:
            self._colour_verdict(self._verdict_style)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        """False, though its text wraps: a layout holds a widget that has a height for its width at that one height,
        here every bar's, and the panel scrolled.  Its hints follow its width instead (:meth:`sizeHint`,
        :meth:`minimumSizeHint`), and the bars take what it is given between them."""
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The height its wrapped text and every bar need at its width."""
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(self.layout().heightForWidth(self.width()))
        return hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """The height its wrapped text needs at its width, whole, over the fewest bars: Qt's minimum for wrapped text is
        a guess at a width of its own, and in the Live panel's splitter the bars were squeezed over the verdict's
        lines."""
        hint = super().minimumSizeHint()
        if self.width() > 0:
            hint.setHeight(self.layout().minimumHeightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # its hints follow its width

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        paint_focus(self)


def spoken_verdict(analysis: Analysis) -> str:
    """The verdict as a screen reader says it: the summary, why there is no genre (if none), every label's
    probability, most likely first (:attr:`Analysis.ranking`), and the result's warnings."""
    bars = ", ".join(f"{score.label} {score.probability:.2f}" for score in analysis.ranking)
    parts = [analysis.summary()]
    if analysis.unknown:
        parts += [reason_sentence(analysis.verdict.reason), f"How near each came: {bars}"]
    else:
        parts.append(bars)
    parts += analysis.warnings
    return ". ".join(part.rstrip(".") for part in parts if part) + "."

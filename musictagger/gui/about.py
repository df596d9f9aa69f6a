"""The About box: which model this is, which genres it knows, what it was trained on, how good it is
and its licences.

Everything comes from the model's sidecar, so the box always describes the weights in use; with
a personal model active, its own sidecar (labels, where they were learned, cross-validated
figures) comes first and the base model it reads follows.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialogButtonBox, QFrame, QTextBrowser, QVBoxLayout, QWidget

import musictagger
from musictagger.gui.geometry import resize_within_screen
from musictagger.gui.one_shot_dialog import OneShotDialog
from musictagger.model.manifest import ModelManifest
from musictagger.personal.store import PersonalModelInfo

ABOUT_WIDTH_CHARS = 70
"""The About box's text is this many average characters wide (where the screen has room): a message box's width."""


def known_genres_text(manifest: ModelManifest, personal: PersonalModelInfo | None = None) -> str:
    """Which genres (or labels) the model in use knows, and what it says of anything else (plain text).

    A personal model knows the user's labels and always has its "not one of my labels" verdict.
    Whether the shipped model can say "not one of my genres" at all depends on the sidecar's verdict
    policy: a model without one always names the nearest of its genres, and the text says so.  A model
    whose sidecar records how many out-of-vocabulary dev clips it refused says that too, so nobody takes
    the detector for a guarantee.
    """
    if personal is not None:
        return personal_labels_text(personal)
    known = f"This model knows {len(manifest.labels)} genres: {', '.join(manifest.labels)}."
    if not manifest.verdict_policy.detects_unknown:
        return f"{known} It cannot tell when music is none of them: anything else gets the nearest of these."
    text = f"{known} Anything it does not recognise as one of them is reported as not one of its genres."
    refused = manifest.metrics.get("dev-set", {}).get("out_of_vocabulary_refused")
    if refused:  # what its evaluation measured (musictagger evaluate --record): it does not catch everything
        text += (
            f" It does not recognise all other music: of {refused['total']} clips of other genres it was "
            f"tested on, it said so of {refused['count']}."
        )
    return text


def personal_labels_text(personal: PersonalModelInfo) -> str:
    """Which labels a personal model knows (plain text)."""
    return (
        f"Your personal model \u201c{personal.name}\u201d knows {len(personal.labels)} {personal.field}s, "
        f"learned from your tags: {', '.join(personal.labels)}. Anything it does not recognise as one of "
        "them is reported as not one of its labels."
    )


def personal_text(personal: PersonalModelInfo) -> str:
    """Rich text on the active personal model: its labels, where they come from and how well it knows them."""
    tracks = sum(personal.counts.values())
    figures = (
        "It has no cross-validated accuracy: it was measured on no label."
        if personal.accuracy is None
        else f"Cross-validated accuracy {personal.accuracy:.2f}, macro-F1 {personal.macro_f1:.2f}."
    )
    return (
        f"<p>Active personal model: <b>{html.escape(personal.name)}</b>, learned on {personal.created} from "
        f"{tracks:,} tracks of your library tagged with its {html.escape(personal.field)}. {figures}</p>"
        f"<p>{html.escape(personal_labels_text(personal))}</p>"
        "<p>It reads what the base model below hears in a track:</p>"
    )


def about_text(manifest: ModelManifest, personal: PersonalModelInfo | None = None) -> str:
    """Rich text naming the model (the personal one first, if active), its training data, its test accuracy
    and its licences."""
    training = manifest.training
    tracks = training.get("tracks", {})
    split = ", ".join(f"{count} {name}" for name, count in tracks.items())
    accuracy = manifest.test_figure("accuracy")
    accuracy_text = ""
    if accuracy is not None:
        value, interval = accuracy
        accuracy_text = f"<p>Test accuracy: {value:.2f}" + (
            f" (95% interval {interval[0]:.2f}–{interval[1]:.2f})</p>" if interval else "</p>"
        )
    licences = "".join(
        f"<li><b>{html.escape(item.get('component', ''))}</b>: {html.escape(item.get('licence', ''))}. "
        f"{html.escape(item.get('notice', ''))}</li>"
        for item in manifest.licences
    )
    return (
        f"<h3>musictagger {musictagger.__version__}</h3>"
        "<p>Listens to music and tags it: genre, a 64-bit hash code, similar tracks.</p>"
        + (personal_text(personal) if personal is not None else "")
        + f"<p>Model: <b>{html.escape(manifest.name)}</b> ({html.escape(manifest.model_id)}), a hash-CNN-LSTM "
        f"({manifest.bits}-bit code) over a frozen musicnn FCN-5 backbone.</p>"
        f"<p>{html.escape(known_genres_text(manifest))}</p>"
        f"<p>Trained on: {html.escape(str(training.get('data', 'unknown')))}"
        + (f" ({split} tracks)" if split else "")
        + "</p>"
        + accuracy_text
        + f"<p>Licences:</p><ul>{licences}</ul>"
        "<p>Code: MIT licence.</p>"
    )


class AboutDialog(OneShotDialog):
    """The About box: its text (:func:`about_text`) in a frameless browser that scrolls, sized to the text within the
    screen.  Qt's message box grew with its text: in a 14-point font it was 877 pixels high, its OK button below a
    laptop's screen."""

    def __init__(self, parent: QWidget, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("About musictagger")
        self.text = QTextBrowser()
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.viewport().setAutoFillBackground(False)  # the dialog's colour, as a message box's text
        self.text.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        document = self.text.document()
        document.setTextWidth(ABOUT_WIDTH_CHARS * self.fontMetrics().averageCharWidth())
        margins = layout.contentsMargins()
        preferred = QSize(
            round(document.idealWidth()) + margins.left() + margins.right() + 2 * self.text.frameWidth(),
            round(document.size().height())
            + layout.spacing()
            + buttons.sizeHint().height()
            + margins.top()
            + margins.bottom(),
        )
        resize_within_screen(self, preferred)


def show_about(parent: QWidget, manifest: ModelManifest, personal: PersonalModelInfo | None = None) -> None:
    """Open the About box (modal)."""
    AboutDialog(parent, about_text(manifest, personal)).exec_once()

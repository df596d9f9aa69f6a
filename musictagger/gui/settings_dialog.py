"""File ▸ Settings…: the shipped model, windows per track, the tagging threshold and ID3 revision, and the theme.

The model is :mod:`musictagger.model.choice`'s setting, which the command line shares; the window
uses a new choice at once (:meth:`~musictagger.gui.main_window.MainWindow.use_base_model`, which
:attr:`SettingsDialog.model_changed` tells it to call).
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from musictagger.errors import MusictaggerError
from musictagger.gui.errors import show_error
from musictagger.gui.settings import THEMES, Settings
from musictagger.gui.theme import apply_theme
from musictagger.model import choice
from musictagger.model.runtime import MODEL_ENV_VAR, installed_choices
from musictagger.tagging.plan import ID3_CHOICES, KEEP_ID3

ID3_LABELS = {
    KEEP_ID3: "Keep each file's (v2.4 for a file without one)",
    "v2.3": "v2.3: players that read no v2.4 (car stereos, iTunes, older Windows)",
    "v2.4": "v2.4",
}
"""The window's words for ``tag --id3``'s choices (:data:`~musictagger.tagging.plan.ID3_CHOICES`)."""
MODEL_LABELS = {
    "accurate": "Accurate (the default)",
    "fast": "Fast: about 1.6× quicker, a little less sure",
}


class SettingsDialog(QDialog):
    """Edits :class:`Settings`; OK saves them, and a new theme applies at once."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.model_changed = False
        """OK chose another shipped model: the window should use it."""
        self.windows = QSpinBox()
        self.windows.setRange(0, 10)
        self.windows.setSpecialValueText("model default")
        self.windows.setValue(settings.windows_per_track or 0)
        self.windows.setToolTip("Analysis windows (29 s each) spread over a track; more is slower but sees more of it")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(settings.threshold)
        self.threshold.setToolTip("The tagger leaves a file alone when the model is less confident than this")
        self.id3 = QComboBox()
        for id3 in ID3_CHOICES:
            self.id3.addItem(ID3_LABELS[id3], id3)
        self.id3.setCurrentIndex(self.id3.findData(settings.id3))
        self.id3.setToolTip(
            "The ID3 version the tagger writes into MP3, WAV and AIFF files (as musictagger tag --id3): another converts "
            "each file's tag, unless that would drop frames"
        )
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(theme.capitalize(), theme)  # capitalised as the model's choices are
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self.model = QComboBox()
        for name in installed_choices():
            self.model.addItem(MODEL_LABELS[name], name)
        self.model.setCurrentIndex(max(self.model.findData(choice.chosen()), 0))
        overridden = bool(os.environ.get(MODEL_ENV_VAR))
        self.model.setEnabled(not overridden and self.model.count() > 1)
        self.model_note = QLabel(
            f"${MODEL_ENV_VAR} is set and chooses the model."
            if overridden
            else "Applies at once; indexing then analyses your library again."
        )
        self.model_note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        # Each label's mnemonic (Alt+letter) goes to its field, as in the Tag genres dialog.
        form.addRow("&Model", self.model)
        form.addRow("", self.model_note)
        form.addRow("&Windows per track", self.windows)
        form.addRow("Tagging &threshold", self.threshold)
        form.addRow("&ID3 version", self.id3)
        form.addRow("T&heme", self.theme)
        form.addRow(buttons)

    def accept(self) -> None:
        """Save and apply.  The model and the windows per track are saved only when changed, and one that cannot be
        saved (its disk full or read-only) stays as it was, the dialog closing with a word of why: every OK on a
        read-only config disk raised there (an OSError), and the dialog stayed open on an error box."""
        self.settings.threshold = self.threshold.value()
        self.settings.id3 = self.id3.currentData()
        self.settings.theme = self.theme.currentData()
        self.settings.sync()
        windows = self.windows.value() or None
        try:
            if windows != self.settings.windows_per_track:
                self.settings.windows_per_track = windows
            if self.model.isEnabled() and self.model.currentData() != choice.chosen():
                choice.choose(self.model.currentData())
                self.model_changed = True
        except MusictaggerError as error:
            show_error(self.parentWidget(), "Setting not changed", error)
        apply_theme(self.settings.theme)
        super().accept()

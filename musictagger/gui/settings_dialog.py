"""File ▸ Settings…: windows per track, the tagging threshold and the theme."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from musictagger.gui.settings import THEMES, Settings
from musictagger.gui.theme import apply_theme


class SettingsDialog(QDialog):
    """Edits :class:`Settings`; OK saves them, and a new theme applies at once."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
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
        self.theme = QComboBox()
        self.theme.addItems(THEMES)
        self.theme.setCurrentText(settings.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Windows per track", self.windows)
        form.addRow("Tagging threshold", self.threshold)
        form.addRow("Theme", self.theme)
        form.addRow(buttons)

    def accept(self) -> None:
        """Save and apply."""
        self.settings.windows_per_track = self.windows.value() or None
        self.settings.threshold = self.threshold.value()
        self.settings.theme = self.theme.currentText()
        self.settings.sync()
        apply_theme(self.settings.theme)
        super().accept()

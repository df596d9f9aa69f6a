"""A plot or a view that says what it is waiting for instead of showing meaningless empty axes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

EMPTY_STYLE = "color: #808080;"


class EmptyState(QStackedWidget):
    """``content``, or in its place a centred grey message (:meth:`show_message`)."""

    def __init__(self, content: QWidget, message: str) -> None:
        super().__init__()
        self.content = content
        self.message = QLabel(message)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(EMPTY_STYLE)
        self.addWidget(content)
        self.addWidget(self.message)
        self.setCurrentWidget(self.message)

    @property
    def empty(self) -> bool:
        """True while the message is shown."""
        return self.currentWidget() is self.message

    def show_message(self, text: str | None = None) -> None:
        """Show the message (``text`` replaces it) instead of the content."""
        if text is not None:
            self.message.setText(text)
        self.setCurrentWidget(self.message)

    def show_content(self) -> None:
        self.setCurrentWidget(self.content)

"""A plot or a view that says what it is waiting for instead of showing meaningless empty axes or rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

EMPTY_STYLE = "color: #808080;"


class EmptyState(QStackedWidget):
    """``content``, or in its place a centred grey message (:meth:`show_message`), with a button below it when
    there is something to do about it (its ``clicked`` is the owner's to connect)."""

    def __init__(self, content: QWidget, message: str) -> None:
        super().__init__()
        self.content = content
        self.message = QLabel(message)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(EMPTY_STYLE)
        self.button = QPushButton()
        self.button.hide()
        self.page = QWidget()
        layout = QVBoxLayout(self.page)
        layout.setContentsMargins(0, 0, 0, 0)  # the message alone is as it would be as the page itself
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.addWidget(content)
        self.addWidget(self.page)
        self.setCurrentWidget(self.page)

    @property
    def empty(self) -> bool:
        """True while the message is shown."""
        return self.currentWidget() is self.page

    def show_message(self, text: str | None = None, *, action: str | None = None) -> None:
        """Show the message (``text`` replaces it) instead of the content, with the button saying ``action``
        (none without one)."""
        if text is not None:
            self.message.setText(text)
        self.button.setText(action or "")
        self.button.setAccessibleDescription(self.message.text())  # what a screen reader says of the button
        self.button.setVisible(action is not None)
        self.setCurrentWidget(self.page)

    def show_content(self) -> None:
        self.setCurrentWidget(self.content)

"""Light, dark, or whatever the desktop uses (the default): Qt's colour scheme hint, and a palette where the
platform ignores the hint (an X11 session without a desktop theme, the offscreen platform)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

SCHEMES = {"system": Qt.ColorScheme.Unknown, "light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}

# Fusion's dark colours, as Qt's own examples set them.
DARK_COLOURS = {
    QPalette.ColorRole.Window: "#353535",
    QPalette.ColorRole.WindowText: "#ffffff",
    QPalette.ColorRole.Base: "#2a2a2a",
    QPalette.ColorRole.AlternateBase: "#353535",
    QPalette.ColorRole.ToolTipBase: "#353535",
    QPalette.ColorRole.ToolTipText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
    QPalette.ColorRole.Text: "#ffffff",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#ffffff",
    QPalette.ColorRole.BrightText: "#ff5050",
    QPalette.ColorRole.Link: "#58a6ff",
    QPalette.ColorRole.Highlight: "#2a82da",
    QPalette.ColorRole.HighlightedText: "#ffffff",
}
DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#7f7f7f",
    QPalette.ColorRole.Text: "#7f7f7f",
    QPalette.ColorRole.ButtonText: "#7f7f7f",
    # Greyed as Fusion's light palette greys them: a disabled bar's chunk (the verdict's bars when the model has no
    # genre for a track) kept the highlight's blue without these, and a disabled field looked editable.
    QPalette.ColorRole.Highlight: "#5a5a5a",
    QPalette.ColorRole.HighlightedText: "#bebebe",
    QPalette.ColorRole.Base: "#353535",
}


FAILED_COLOURS = ("#c82828", "#ff7070")
"""A file that failed, on a light base and on a dark one: the dark red alone was 2.6:1 on the dark theme's base and
2.3:1 on its window, dim for the sentence saying why a file failed; each is over 4.5:1 on its own."""


def failed_colour(palette: QPalette) -> QColor:
    """The colour of a failure (a file list's row, the result panel's error, the Library tab's verdict) on
    ``palette``: the dark red where its base is light, a light red where it is dark."""
    return QColor(FAILED_COLOURS[palette.color(QPalette.ColorRole.Base).lightness() < 128])


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    palette = QPalette()
    for role, colour in DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role, colour in DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


_platform_palette: QPalette | None = None
"""The application's palette before :func:`apply_theme` first replaced it: what leaving dark restores."""


def apply_theme(theme: str) -> None:
    """Ask Qt for the ``theme`` colour scheme (``system`` follows the desktop, live); where the platform does
    not honour a dark request, set a dark palette on the application instead (and take it back after)."""
    global _platform_palette
    wanted = SCHEMES.get(theme, Qt.ColorScheme.Unknown)
    hints = QGuiApplication.styleHints()
    hints.setColorScheme(wanted)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if wanted is Qt.ColorScheme.Dark and hints.colorScheme() is not Qt.ColorScheme.Dark:
        if _platform_palette is None:
            _platform_palette = app.palette()
        app.setPalette(dark_palette())
    elif _platform_palette is not None:
        app.setPalette(_platform_palette)
        _platform_palette = None
    else:
        return
    # A widget with a style sheet keeps the colours it was polished with (the verdict's headline stayed
    # black on the dark panel): setting its sheet again polishes it with the new palette.
    for widget in app.allWidgets():
        if widget.styleSheet():
            widget.setStyleSheet(widget.styleSheet())

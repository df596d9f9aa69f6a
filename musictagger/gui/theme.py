"""Light, dark, or whatever the desktop uses (the default): Qt's colour scheme hint, and a palette where the
platform ignores the hint (an X11 session without a desktop theme, the offscreen platform)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

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
UNSURE_COLOURS = ("#9a5a00", "#e08c00")
"""An uncertain verdict, and a tag that differs from the model, on a light base and on a dark one: one orange
(#d08000) was 3.1:1 on the light base (the Library tab's ``differs``), 2.8:1 on the light window (the uncertain
verdict) and 3.9:1 on the dark one; each is over 4.5:1 on its own."""


def failed_colour(palette: QPalette) -> QColor:
    """The colour of a failure (a file list's row, the result panel's error, the Library tab's verdict) on
    ``palette``: the dark red where its base is light, a light red where it is dark."""
    return QColor(FAILED_COLOURS[palette.color(QPalette.ColorRole.Base).lightness() < 128])


def unsure_colour(palette: QPalette) -> QColor:
    """The colour of doubt (an uncertain verdict, a tag that differs from the model's) on ``palette``: a dark orange
    where its base is light, a light one where it is dark."""
    return QColor(UNSURE_COLOURS[palette.color(QPalette.ColorRole.Base).lightness() < 128])


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    palette = QPalette()
    for role, colour in DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role, colour in DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


CHECK_BOXES = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck)
CHECK_FRAME_ALPHA = 110
"""How strongly a tick box's frame is drawn in the palette's text colour (of 255)."""


class FramedChecks(QProxyStyle):
    """Fusion with the frame of every tick box drawn in the palette's text colour, faintly: Fusion draws it a shade
    darker than the window, which vanished on the dark palette's base (an unticked row of the Tag genres dialog, or a
    label left out in Learn from my tags, showed no box at all, as if there were nothing to tick)."""

    def drawPrimitive(  # noqa: N802 (Qt override)
        self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter, widget: QWidget | None = None
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element in CHECK_BOXES:
            frame = QColor(option.palette.color(QPalette.ColorRole.Text))
            frame.setAlpha(CHECK_FRAME_ALPHA)
            painter.save()
            painter.setPen(frame)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
            painter.restore()


_platform_palette: QPalette | None = None
"""The application's palette before :func:`apply_theme` first replaced it: what leaving dark restores."""
_platform_style: str | None = None
"""The application's style when :func:`apply_theme` framed its tick boxes (Fusion): what leaving dark restores."""


def apply_theme(theme: str) -> None:
    """Ask Qt for the ``theme`` colour scheme (``system`` follows the desktop, live); where the platform does
    not honour a dark request, set a dark palette on the application instead, with Fusion's tick boxes framed to be
    seen on it (:class:`FramedChecks`), and take both back after."""
    global _platform_palette, _platform_style
    wanted = SCHEMES.get(theme, Qt.ColorScheme.Unknown)
    hints = QGuiApplication.styleHints()
    hints.setColorScheme(wanted)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if wanted is Qt.ColorScheme.Dark and hints.colorScheme() is not Qt.ColorScheme.Dark:
        if _platform_palette is None:
            _platform_palette = app.palette()
        if _platform_style is None and app.style().name() == "fusion":  # the style the dark palette's colours are for
            _platform_style = app.style().name()
            app.setStyle(FramedChecks(_platform_style))
        app.setPalette(dark_palette())
    elif _platform_palette is not None:
        if _platform_style is not None:
            app.setStyle(_platform_style)
            _platform_style = None
        app.setPalette(_platform_palette)
        _platform_palette = None
    else:
        return
    # A widget with a style sheet keeps the colours it was polished with (the verdict's headline stayed
    # black on the dark panel): setting its sheet again polishes it with the new palette.
    for widget in app.allWidgets():
        if widget.styleSheet():
            widget.setStyleSheet(widget.styleSheet())

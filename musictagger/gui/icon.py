"""The app's identity on the desktop: its desktop-entry id and its icon.

The icon's PNGs are rendered from ``resources/icons/hicolor/scalable/apps/<id>.svg`` by
``resources/render_icons.py``; the window loads every size, so the title bar, the task
switcher and the dock each pick a sharp one.  The id names the desktop entry and the icon
files alike, and tells Wayland compositors which desktop entry this window belongs to.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from musictagger.shipped import shipped_folder

APP_ID = "io.github.musictagger.MusicTagger"


def icon_files() -> list[Path]:
    """The icon's PNGs, one per size (``icons/hicolor/<N>x<N>/apps/<APP_ID>.png``)."""
    return sorted((shipped_folder("resources") / "icons" / "hicolor").glob(f"*/apps/{APP_ID}.png"))


def app_icon() -> QIcon:
    """The app's icon with every rendered size."""
    icon = QIcon()
    for path in icon_files():
        icon.addFile(str(path))
    return icon

"""Render the app icon's PNGs from its SVG (run once after editing the SVG; the PNGs are committed).

``python resources/render_icons.py`` writes ``icons/hicolor/<N>x<N>/apps/<id>.png`` for the sizes
desktops and the window title bar ask for, with Qt's own SVG renderer (PySide6's QtSvg), so
no other tool is needed.  ``<id>`` is the SVG's name, the app's desktop id.  The hicolor layout is the one ``install.sh`` copies into a user's
or the system's icon theme as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 32, 48, 64, 128, 256)
ICONS = Path(__file__).resolve().parent / "icons" / "hicolor"


def render(svg: Path, size: int, out: Path) -> None:
    """Draw ``svg`` into a transparent ``size``×``size`` PNG at ``out``."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise SystemExit(f"error: could not write {out}")


def main() -> int:
    QGuiApplication([*sys.argv[:1], "-platform", "offscreen"])
    (svg,) = (ICONS / "scalable" / "apps").glob("*.svg")
    for size in SIZES:
        out = ICONS / f"{size}x{size}" / "apps" / f"{svg.stem}.png"
        render(svg, size, out)
        print(out.relative_to(ICONS.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

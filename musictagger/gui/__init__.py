"""The desktop window (PySide6 + pyqtgraph) over the Qt-free core.

This package is the only one that imports Qt.  It shows what the core computes
(:mod:`musictagger.model.runtime`, :mod:`musictagger.library`, :mod:`musictagger.tagging`)
and runs every slow call off the UI thread through :mod:`musictagger.gui.tasks`.
"""

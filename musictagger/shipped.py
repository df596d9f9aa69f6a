"""Where the files the app ships beside its code are: the model (``models``) and the icons (``resources``).

In the repository they live in its top-level ``models/`` and ``resources/`` folders, the one
source of truth.  A wheel (and the PyInstaller bundle) carries copies of the files the app
needs in ``musictagger/shipped/<folder>`` (see ``setup.py``), because an installed package
has no repository beside it.  The packaged copy wins when it exists; a source checkout has
none, so it uses the repository's folders.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "shipped"
REPOSITORY = Path(__file__).resolve().parents[1]


def shipped_folder(name: str) -> Path:
    """The folder ``name`` (``"models"`` or ``"resources"``): the installed package's copy, else the repository's."""
    packaged = PACKAGED / name
    return packaged if packaged.is_dir() else REPOSITORY / name

"""How many analysis windows a track gets, as the user chose: one setting for the command line and the window alike.

Stored as ``<config dir>/analysis-windows.json``; absent, a track gets its model's windows (the sidecar's
``windows_per_track``).  The library keeps each analysis under its window count (:class:`~musictagger.library.store.
AnalysisKey`), so a count kept by the window alone (its Settings, before) and the command line's default analysed a
library again every time the user indexed from the other one.  ``--windows`` still chooses for one command.
"""

from __future__ import annotations

import json
from pathlib import Path

from musictagger.errors import FileError, ParameterError
from musictagger.userdirs import config_dir, write_json

MAX_WINDOWS = 10
"""The most windows a track can be given here (the window's Settings offer up to this)."""


def setting_path() -> Path:
    return config_dir() / "analysis-windows.json"


def chosen_windows() -> int | None:
    """The windows per track the user chose, or None for the model's own (no choice, or one that cannot be read)."""
    try:
        windows = json.loads(setting_path().read_text(encoding="utf-8"))["windows"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return windows if isinstance(windows, int) and 1 <= windows <= MAX_WINDOWS else None


def choose_windows(windows: int | None) -> None:
    """Store ``windows`` per track (1 to :data:`MAX_WINDOWS`), or None for the model's own, atomically."""
    if windows is None:
        try:
            setting_path().unlink(missing_ok=True)
        except OSError as exc:  # a read-only disk refuses even a file that is not there
            raise FileError(setting_path(), f"cannot be removed ({exc.strerror or exc}); it is as it was") from exc
        return
    if not 1 <= windows <= MAX_WINDOWS:
        raise ParameterError(f"windows per track must be 1 to {MAX_WINDOWS}, got {windows}")
    write_json(setting_path(), {"windows": windows})


def windows_for(given: int | None) -> int | None:
    """The windows a command analyses with: those ``given`` for it (``--windows``), else the user's choice, else None
    (the model's own)."""
    return given or chosen_windows()

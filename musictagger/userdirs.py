"""Where user state lives: the platform's user data, config and cache directories.

The library index and the tagging journal are SQLite files in the data dir; settings
go to the config dir.  ``platformdirs`` honours the XDG variables on Linux, which is how
the test suite points everything at a temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "musictagger"


def data_dir() -> Path:
    """The user data directory (created on demand by whoever writes into it)."""
    return user_data_path(APP_NAME)


def config_dir() -> Path:
    """The user configuration directory."""
    return user_config_path(APP_NAME)


def cache_dir() -> Path:
    """The user cache directory (safe to delete; e.g. training feature caches)."""
    return user_cache_path(APP_NAME)


def library_db_path() -> Path:
    """The SQLite file of the library index."""
    return data_dir() / "library.sqlite3"


def journal_db_path() -> Path:
    """The SQLite file of the tagging journal (what every tagging run changed, for undo)."""
    return data_dir() / "journal.sqlite3"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` as JSON, atomically (a temporary file beside it, then renamed), creating
    its folder: a setting or record of user state is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)

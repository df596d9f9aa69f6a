"""Where user state lives: the platform's user data, config and cache directories.

The library index and the tagging journal are SQLite files in the data dir; settings
go to the config dir.  ``platformdirs`` honours the XDG variables on Linux, which is how
the test suite points everything at a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path, user_config_path, user_data_path

from musictagger.atomic_write import replacing_together
from musictagger.errors import FileError

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
    """Write ``data`` to ``path`` as JSON, atomically (:func:`write_atomically`)."""
    write_atomically((path, json_bytes(data)))


def json_bytes(data: dict[str, Any]) -> bytes:
    """``data`` as the JSON text user state is kept in (indented, UTF-8)."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomically(*files: tuple[Path, bytes]) -> None:
    """Write each ``(path, content)`` of ``files`` whole, together (:mod:`~musictagger.atomic_write`), creating its
    folder: every content goes to a temporary file beside its path first, and only once all are written are they
    renamed into place, in order: a setting or record of user state is never seen half-written, nor a file of a pair
    without the other.  FileError naming the path when one cannot be written (a full disk, a read-only
    folder), every file then as it was and the temporary ones gone: one cut short by a full disk was left beside it,
    and the OSError ended the command in a traceback.  Stopped (Ctrl-C, or SIGTERM or SIGHUP, which the commands take
    as one) while it writes, it leaves every file as it was and no temporary file."""
    with replacing_together(*(path for path, _ in files)) as temporaries:
        for temporary, (path, content) in zip(temporaries, files, strict=True):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(content)
            except OSError as exc:
                raise FileError(path, f"cannot be saved ({exc.strerror or exc}); it is as it was") from exc

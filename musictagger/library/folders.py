"""Whether a path may become one of the library's folders, and if not, why in words.

The window adds folders (its Add folder… button, and folders dropped on its Music folders panel) only when they
are worth adding: a folder the library indexes already, itself or as part of another, would be listed twice
(removing one then forgets tracks the other holds) or, through a link, give indexed tracks a second name; a path
that is gone, unreadable or a file would be listed and then fail at every indexing run.  It is checked before
anything is added, so a refused path leaves the library as it was.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

IS_A_FILE = "is a file"
"""The reason a file is refused: the library's folders are folders (a caller may say so once for several files)."""


def quoted(path: Path) -> str:
    """A folder named in a sentence: its name in quotes (the root folder, which has none, by its path)."""
    return f"\u201c{path.name or path}\u201d"


def why_not_added(path: Path, folders: list[Path]) -> str | None:
    """Why ``path`` cannot be added to a library whose folders are ``folders``, as a clause that follows its
    name (``is inside “Music”, one of the library's folders: …``); None when it can be."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "is a link to a folder that no longer exists" if os.path.islink(path) else "no longer exists"
    except OSError as error:  # a folder above it that cannot be searched
        return f"cannot be read ({error.strerror or error})"
    if not stat.S_ISDIR(mode):
        return IS_A_FILE
    named, real = Path(os.path.abspath(path)), Path(os.path.realpath(path))
    for folder in folders:
        folder_real = Path(os.path.realpath(folder))
        if named == folder:
            return "is one of the library's folders already"
        if real == folder_real:
            return f"is {quoted(folder)}, one of the library's folders, through a link"
        if named.is_relative_to(folder) or real.is_relative_to(folder_real):
            how = "is inside" if named.is_relative_to(folder) else "leads through a link into"
            return f"{how} {quoted(folder)}, one of the library's folders: its tracks are indexed with it"
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    return None

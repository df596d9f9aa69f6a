"""Whether a file is gone: no such file, not merely out of reach.

A folder on the way that cannot be read, or a drive failing with I/O errors, makes ``os.path.exists`` say False (and
``Path.exists`` raise): the index would have removed such a file's track, an undo called it deleted, and tag's plan
said it was moved or deleted since it was found.  Indexing (its pruning and its analyses), tag's plan and undo ask
this instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def missing(path: str | Path) -> bool:
    """Whether ``path`` does not exist (not merely out of reach: a folder on the way cannot be read)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False

"""What the commands' JSON (``analyze``, ``similar`` and ``listen`` ``--json``) says alike, for a script that
reads more than one of them.

A file is named by its absolute path, as ``index`` stores it (:func:`os.path.abspath`: the working directory
joined, ``.`` and ``..`` taken out, links not followed), whether it was named relative or absolute, or found in
a folder: ``analyze`` printed ``Music/a.mp3`` for a file named so and ``/home/me/Music/a.mp3`` for the same file
found in ``Music``, which ``similar`` and the index call the latter.  The verdict's labels are values of a tag
field, named by ``field``: ``genre``, or a personal model's (``mood`` …), whose labels the ``genre`` keys hold.
"""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.model.head import PersonalHead


def file_name(path: str | Path) -> str:
    """How the JSON names the file at ``path``: its absolute path, links not followed."""
    return os.path.abspath(path)


def failure(path: str | Path, reason: str) -> dict[str, str]:
    """The JSON object of a file (or a folder given) that could not be analysed: its ``error`` is ``<file>:
    <reason>``, ``<file>`` its ``file``, so that a script can take the reason alone."""
    name = file_name(path)
    return {"file": name, "verdict": "error", "error": f"{name}: {reason}"}


def verdict_field(head: PersonalHead | None) -> str:
    """The tag field the verdicts read through ``head`` (the active personal model's, or None) are values of."""
    return head.field if head is not None else "genre"

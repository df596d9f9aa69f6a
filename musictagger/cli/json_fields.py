"""What the commands' JSON (``analyze``, ``similar``, ``listen``, ``index``, ``index --status``, ``undo --list`` and
``models`` ``--json``) says alike, for a script that reads more than one of them.

A file is named by its absolute path, as ``index`` stores it (:func:`os.path.abspath`: the working directory
joined, ``.`` and ``..`` taken out, links not followed), whether it was named relative or absolute, or found in
a folder: ``analyze`` printed ``Music/a.mp3`` for a file named so and ``/home/me/Music/a.mp3`` for the same file
found in ``Music``, which ``similar`` and the index call the latter.  The verdict's labels are values of a tag
field, named by ``field``: ``genre``, or a personal model's (``mood`` …), whose labels the ``genre`` keys hold.
A file (or folder) that could not be dealt with is ``{"file": …, "error": "<file>: <reason>"}``, whichever command
says it; a moment is ISO 8601 in local time with its offset; a command that answers with one document prints it
indented, a command that goes on (``analyze``, ``listen``) a line per object.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from musictagger.model.head import PersonalHead


def file_name(path: str | Path) -> str:
    """How the JSON names the file at ``path``: its absolute path, links not followed."""
    return os.path.abspath(path)


def problem(path: str | Path, reason: str) -> dict[str, str]:
    """The JSON object of a file or folder that could not be dealt with (analysed, read, indexed): its ``error`` is
    ``<file>: <reason>``, ``<file>`` its ``file``, so that a script can take the reason alone."""
    name = file_name(path)
    return {"file": name, "error": f"{name}: {reason}"}


def failure(path: str | Path, reason: str) -> dict[str, str]:
    """The JSON object of a file (or a folder given) that could not be analysed: a :func:`problem` whose
    ``verdict`` is ``error``, beside the verdicts of the files that could."""
    return {**problem(path, reason), "verdict": "error"}


def moment(timestamp: float | None) -> str | None:
    """A time (seconds since the epoch) as ISO 8601 in local time with its offset, to the second
    (``2026-12-06T01:24:07+01:00``); None stays None (a run not finished)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def document(answer: object) -> str:
    """A command's one JSON document (``similar``, ``index --status`` …), indented for a reader, as printed."""
    return json.dumps(answer, indent=2)


def verdict_field(head: PersonalHead | None) -> str:
    """The tag field the verdicts read through ``head`` (the active personal model's, or None) are values of."""
    return head.field if head is not None else "genre"

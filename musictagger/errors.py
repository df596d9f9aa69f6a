"""One error hierarchy for the whole application.

Every error a user can cause (a bad file, a missing model, a wrong argument) is a
:class:`MusictaggerError`; the CLI prints its message as ``error: …`` and moves on to
the next file of a batch, the GUI shows it as a readable message.  Errors about one file
carry its path so the message always names the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

ONE_LINE = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def one_line(text: str) -> str:
    """``text`` with the characters that would break a line of output (a file name may hold them) written
    as ``\\n``, ``\\r`` or ``\\t``: every message, table row and file heading stays one line."""
    return text.translate(ONE_LINE)


def unexpected(error: Exception, path: str | Path) -> str:
    """What a batch records for ``path`` when ``error``, which no check raised on purpose (a bug), ended its
    analysis, after logging the traceback (to the error output, or to the window's log file) for a bug report.

    A batch goes on past it: one file that meets a bug must not cost the hours of an indexing run, nor the
    files after it their analysis.  The file is a failure like a damaged one, tried again by ``index
    --retry-failed`` once a release fixes the bug."""
    logging.getLogger(__name__).error(
        "unexpected error analysing %s", one_line(str(path)), exc_info=(type(error), error, error.__traceback__)
    )
    return f"an error inside musictagger ({type(error).__name__}: {error}), a bug: please report it"


class MusictaggerError(Exception):
    """Base class of every error this package raises on purpose.

    ``paths``: the paths its message names, as written there (:func:`one_line`), which the command line never
    breaks across lines as it wraps a long message (a path may hold spaces)."""

    def __init__(self, *args: object, paths: Iterable[str | Path] = ()) -> None:
        super().__init__(*args)
        self.paths = tuple(one_line(str(path)) for path in paths)


class ParameterError(MusictaggerError, ValueError):
    """An argument is out of range or of the wrong kind (a programming or usage error)."""


class FileError(MusictaggerError):
    """Something is wrong with one particular file; the message names it.

    Parameters
    ----------
    path
        The file concerned.
    reason
        What is wrong, in words a user understands.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{one_line(str(self.path))}: {reason}", paths=[self.path])

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        """Pickle by the constructor's arguments, so the error crosses from worker processes intact."""
        return type(self), (self.path, self.reason)


class DecodeError(FileError):
    """The file is missing, empty, not audio, corrupt or truncated beyond use.

    ``before_audio``: found in what is read before any audio is decoded (the file's first bytes, a container's header
    and index, which lie at its start or its end), so that the bytes between had no part in it: a disk's failure there
    is looked for in those parts alone (:func:`~musictagger.library.analyse.unreadable_because`)."""

    def __init__(self, path: str | Path, reason: str, before_audio: bool = False) -> None:
        super().__init__(path, reason)
        self.before_audio = before_audio

    def __reduce__(self) -> tuple[type, tuple[Path, str, bool]]:  # type: ignore[override]
        return type(self), (self.path, self.reason, self.before_audio)


class AudioTooShortError(FileError):
    """The decoded audio is shorter than the minimum the model can say anything about."""


class SilentAudioError(FileError):
    """The audio is digital silence or too quiet to analyse; the model would only guess."""


class ModelError(MusictaggerError):
    """The model file or its sidecar is missing, malformed or inconsistent."""


class TagReadError(FileError):
    """The file's tags cannot be read (unsupported or damaged tag block)."""


class TagWriteError(FileError):
    """The file's tags could not be written; the file on disk is left as it was."""


class RefusedError(FileError):
    """A file was left alone on purpose: read-only, hard-linked, locked, or changed since planned."""


class DatabaseError(MusictaggerError):
    """The library index or tagging journal cannot be opened, migrated or written."""


class CaptureError(MusictaggerError):
    """An input device cannot be opened or stopped delivering audio; the message says which and why."""

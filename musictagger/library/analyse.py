"""Analysing one file for the index: the shipped pipeline, timed stage by stage, reduced to what is stored.

This runs in worker processes, so it returns small picklable values (no spectrogram, no
layer maps) and turns every per-file failure into an error string, a bug met on one file
included (:func:`~musictagger.errors.unexpected`): one bad file must never stop a batch.  The stages are the front end
(:func:`~musictagger.audio.frontend.features_from_file`: reading the analysed windows and
transforming them) and the model, timed apart for the throughput benchmark.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field

from musictagger.audio.frontend import features_from_file
from musictagger.errors import DecodeError, FileError, MusictaggerError, SilentAudioError, TagReadError, unexpected
from musictagger.library.store import FileStamp, TrackAnalysis
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.presence import missing
from musictagger.tags.formats import TagSummary, read_tags


@dataclass(frozen=True)
class StageTimes:
    """Seconds in the front end (reading the windows' audio and transforming it) and in the model."""

    front_end_s: float = 0.0
    model_s: float = 0.0

    def __add__(self, other: StageTimes) -> StageTimes:
        return StageTimes(self.front_end_s + other.front_end_s, self.model_s + other.model_s)


@dataclass(frozen=True)
class Outcome:
    """What happened to one file: an analysis, an error, or it vanished before we read it."""

    path: str
    stamp: FileStamp | None
    analysis: TrackAnalysis | None = None
    error: str | None = None
    times: StageTimes = field(default_factory=StageTimes)
    deferred: bool = False
    """An int8 twin handed the file to its float32 model, so both ran (in ``times.model_s``)."""
    unreadable: bool = False
    """The file could not be read (``error`` says why): the file system refused it (its permissions, a drive failing
    with I/O errors), which says nothing of its content, so the index keeps what it holds of it and the next run
    tries it again (:func:`unreadable_because`)."""

    @property
    def vanished(self) -> bool:
        return self.stamp is None


def analyse_file(model: GenreModel, path: str, *, n_windows: int) -> Outcome:
    """Analyse ``path`` with ``model``; the stamp is taken before reading, so a file changed meanwhile is re-analysed next run."""
    stamp = _stamp(path)
    if isinstance(stamp, Outcome):
        return stamp
    started = time.perf_counter()
    try:
        features = features_from_file(path, params=model.manifest.front_end, n_windows=n_windows)
        featured = time.perf_counter()
        analysis = model.analyze_features(features, source=path)
        finished = time.perf_counter()
        compact = _compact(analysis, path)
    except SilentAudioError as exc:  # its samples were read, and are quiet: no failure of the disk's
        return Outcome(path, stamp, error=exc.reason)
    except MusictaggerError as exc:
        return _failed(path, stamp, exc)
    except MemoryError:
        return Outcome(path, stamp, error="too large to analyse in memory")
    except Exception as exc:  # a bug met on this file: the batch goes on (errors.unexpected)
        return Outcome(path, stamp, error=unexpected(exc, path))
    times = StageTimes(featured - started, finished - featured)
    return Outcome(path, stamp, analysis=compact, times=times, deferred=analysis.deferred)


CRASHED = "the analysis process crashed on this file"


def crashed(path: str) -> Outcome:
    """The outcome of ``path`` when the worker process analysing it died (a decoder crashing on damaged data, the
    system killing it for its memory): a failure, stamped as the file is now, so it is tried again once it changes."""
    stamp = _stamp(path)
    return stamp if isinstance(stamp, Outcome) else Outcome(path, stamp, error=CRASHED)


def _stamp(path: str) -> FileStamp | Outcome:
    """``path``'s size and mtime, or its outcome when it has none: vanished, or unreadable."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return Outcome(path, None)
    except OSError as exc:
        return Outcome(path, FileStamp(0, 0), error=_cannot_read(exc), unreadable=True)
    return FileStamp(info.st_size, info.st_mtime_ns)


def _failed(path: str, stamp: FileStamp, exc: MusictaggerError) -> Outcome:
    """The outcome of ``path`` whose analysis failed with ``exc``: vanished when the file is gone, unreadable when the
    file system refuses to read it (:func:`unreadable_because`), else a failure of the file's own.  Not asked of a
    silent file, whose samples were read: the whole file read again to tell cost a 3-hour dead-air recording's
    1.9 GB, an index of it 10.4 s where analyze took 4.5 s, minutes on a network share.  Of a failure found before any
    audio (:attr:`~musictagger.errors.DecodeError.before_audio`: not audio, a damaged header) only the file's ends are
    read again: a 1-GB file of random bytes named ``.m4a``, refused from its first megabyte, was read whole.

    A file the system would not read was stored as a failure of its own in place of its analysis (a folder's
    permissions changed, a drive failing mid-run: every file still to analyse), and was not tried again once it could
    be read, its size and modification time unchanged; and one whose folder could not be searched looked gone (as
    ``os.path.exists`` says of any error), so its row was deleted."""
    if missing(path):
        return Outcome(path, None)
    if why := unreadable_because(path, ends_only=isinstance(exc, DecodeError) and exc.before_audio):
        return Outcome(path, stamp, error=why, unreadable=True)
    return Outcome(path, stamp, error=exc.reason if isinstance(exc, FileError) else str(exc))


HEADER_BYTES = 32 << 20
"""What is read again at each end of a file whose failure was found before any audio (``ends_only``): FFmpeg reads up
to 1 MiB to tell a format and 5 MB of packets to find its streams, after any tag before them (a few MB of cover art);
an MP4's index, or a tag, may be at the end."""


def unreadable_because(path: str, *, ends_only: bool = False) -> str | None:
    """Why the file system will not give ``path``'s bytes (``cannot be read (Input/output error)``), read through to
    its end as a decoder reads it, or ``ends_only`` its first and last :data:`HEADER_BYTES`; None when it reads (a
    failure is then the content's), or is no regular file (a pipe or a device given an audio file's name, which would
    never end: the decoder's refusal says what it is)."""
    try:
        with open(path, "rb", opener=_without_waiting) as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            skip_from = HEADER_BYTES if ends_only and info.st_size > 2 * HEADER_BYTES else None
            while file.read(1 << 20):
                if skip_from is not None and file.tell() >= skip_from:
                    file.seek(-HEADER_BYTES, os.SEEK_END)
                    skip_from = None
    except OSError as exc:
        return _cannot_read(exc)
    return None


def _without_waiting(path: str, flags: int) -> int:
    """Open ``path`` without waiting for a writer, as opening a named pipe for reading would."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _cannot_read(exc: OSError) -> str:
    return f"cannot be read ({exc.strerror or exc})"


def _compact(analysis: Analysis, path: str) -> TrackAnalysis:
    tags = file_tags(path)
    return TrackAnalysis(
        duration_s=analysis.duration_s,
        verdict=analysis.verdict,
        uncertain=analysis.uncertain,
        probabilities={score.label: score.probability for score in analysis.ranking},
        bits=analysis.bits,
        relaxed_code=analysis.relaxed_code.astype("float32"),
        window_codes=analysis.window_codes.astype("float32"),
        warnings=analysis.warnings,
        title=tags.title,
        artist=tags.artist,
        album=tags.album,
        tag_genres=tags.genres,
        embedding=analysis.embedding,
        field=analysis.field,
    )


def file_tags(path: str) -> TagSummary:
    """Title, artist, album and genres from the file's tags; all empty when it has no readable ones
    (missing tags are normal, and the analysis does not depend on them)."""
    try:
        return read_tags(path)
    except TagReadError:
        return TagSummary(None, None, None, ())

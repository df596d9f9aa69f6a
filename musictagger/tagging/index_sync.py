"""After a tagging run or an undo, the library index learns the files' new tags, without analysing them again.

Writing genres changes a file's mtime (and often its size), so the index would otherwise
think every tagged file changed: it would show the old genre tags, and the next indexing run
would analyse them all again.  Tagging keeps the audio byte-identical (``atomic``), so the
stored analysis stays valid: for each file the run wrote, the journal knows the fingerprint the
file had just before, and the index row is moved to the new version only if it described that
one (:meth:`musictagger.library.Library.store_tags`).

A run killed (SIGKILL, a crash, the power lost) never told the index, and one stopped while telling it, or whose
index could not be written, told it part of its files: the journal notes the runs the index has learnt, and the next
run tells it those of the others too, with its own.  The file a killed run was replacing counts when it holds that
run's new version; a file changed by several runs since the index learnt it (a killed ``undo``, then the next one)
counts when each started from the version the one before left.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

from musictagger.errors import DatabaseError, MusictaggerError
from musictagger.library import Library
from musictagger.library.store import FileStamp
from musictagger.tagging.apply import RunReport
from musictagger.tagging.journal import Entry, Journal
from musictagger.tags.formats import read_tags


def update_index(journal: Journal, run_id: int | None, library: Library, *, earlier: Collection[int] = ()) -> int:
    """Store in ``library`` the tags of the files run ``run_id`` changed, and runs ``earlier`` (those the index has not
    learnt); how many rows were updated.

    A file counts as changed by an entry whose new version was made (its "after" fingerprint journalled: it may have
    replaced the file, whatever its state says, for a run killed before it said it) where the file is now as the
    entry left it (:func:`_versions_before`)."""
    runs = {*earlier, *([run_id] if run_id is not None else [])}
    changes: dict[Path, list[Entry]] = defaultdict(list)
    for entry in sorted((entry for run in runs for entry in journal.entries(run)), key=lambda entry: entry.id):
        if entry.after is not None:
            changes[entry.path].append(entry)
    updated = 0
    for path, entries in changes.items():
        stamps = _versions_before(path, entries)
        if not stamps:
            continue
        try:
            tags = read_tags(path)
        except MusictaggerError:
            continue  # gone or unreadable since: the next indexing run sees it
        updated += any(library.store_tags(str(path), tags, stamp=stamp) for stamp in stamps)
    return updated


def _versions_before(path: Path, entries: list[Entry]) -> list[FileStamp]:
    """The versions (size and mtime) ``path`` had before the latest of ``entries`` (its changes, oldest first), before
    the one before that left that version, and so on, latest first: the index row may describe any of them, each with
    the audio the file has now; none when the file is not as the latest left it (changed since, or never replaced)."""
    try:
        info = os.stat(path)
    except OSError:
        return []
    now = (info.st_size, info.st_mtime_ns)
    stamps: list[FileStamp] = []
    for entry in reversed(entries):
        assert entry.after is not None
        if (entry.after.size, entry.after.mtime_ns) != now:
            break
        stamps.append(FileStamp(entry.before.size, entry.before.mtime_ns))
        now = (entry.before.size, entry.before.mtime_ns)
    return stamps


def update_library_index(journal: Journal, report: RunReport) -> None:
    """:func:`update_index` into the user's library index for the run of ``report`` and every earlier one the index has
    not learnt (:meth:`~musictagger.tagging.journal.Journal.runs_not_indexed`), noted as learnt once it has; the
    report's ``index_problem`` then says why the index could not take the new tags (its disk full or read-only), if it
    could not: the files are written and journalled all the same, and the next run or ``index`` reads them.

    The run's report comes after this: a library that cannot be written lost it whole (``error: …library.sqlite3: …``
    alone, not which files the run wrote; in the window, an error box in place of the report).  So did a Ctrl-C
    (SIGTERM, SIGHUP) meanwhile, a long while for a large run ('interrupted' alone): it stops the telling, the report
    then interrupted and saying so."""
    try:
        earlier = journal.runs_not_indexed()
        with Library(create=False) as library:  # none: no track to update
            update_index(journal, report.run_id, library, earlier=earlier)
        with contextlib.suppress(DatabaseError):  # a journal that cannot be written: the next run tells them again
            journal.set_indexed([*earlier, *([report.run_id] if report.run_id is not None else [])])
    except DatabaseError as exc:
        report.index_problem = (
            f"the library index could not take the new tags ({exc}); the next `musictagger index` reads them"
        )
    except KeyboardInterrupt:
        report.interrupted = True
        report.index_problem = (
            "stopped before the library index learnt the new tags of every file; the next `musictagger index` reads"
            " them"
        )

"""After a tagging run or an undo, the library index learns the files' new tags, without analysing them again.

Writing genres changes a file's mtime (and often its size), so the index would otherwise
think every tagged file changed: it would show the old genre tags, and the next indexing run
would analyse them all again.  Tagging keeps the audio byte-identical (``atomic``), so the
stored analysis stays valid: for each file the run wrote, the journal knows the fingerprint the
file had just before, and the index row is moved to the new version only if it described that
one (:meth:`musictagger.library.Library.store_tags`).
"""

from __future__ import annotations

from musictagger.errors import DatabaseError, MusictaggerError
from musictagger.library import Library
from musictagger.library.store import FileStamp
from musictagger.tagging.apply import RunReport
from musictagger.tagging.journal import EntryState, Journal
from musictagger.tags.formats import read_tags


def update_index(journal: Journal, run_id: int | None, library: Library) -> int:
    """Store in ``library`` the tags of the files run ``run_id`` wrote; how many rows were updated."""
    if run_id is None:
        return 0
    updated = 0
    for entry in journal.entries(run_id):
        if entry.state is not EntryState.WRITTEN:
            continue
        try:
            tags = read_tags(entry.path)
        except MusictaggerError:
            continue  # gone or unreadable since: the next indexing run sees it
        stamp = FileStamp(entry.before.size, entry.before.mtime_ns)
        updated += library.store_tags(str(entry.path), tags, stamp=stamp)
    return updated


def update_library_index(journal: Journal, report: RunReport) -> None:
    """:func:`update_index` into the user's library index for the run of ``report``, whose ``index_problem`` then says
    why the index could not take the new tags (its disk full or read-only), if it could not: the files are written
    and journalled all the same, and the next ``index`` reads them.

    The run's report comes after this: a library that cannot be written lost it whole (``error: …library.sqlite3: …``
    alone, not which files the run wrote; in the window, an error box in place of the report).  So did a Ctrl-C
    (SIGTERM, SIGHUP) meanwhile, a long while for a large run ('interrupted' alone): it stops the telling, the report
    then interrupted and saying so."""
    try:
        with Library() as library:
            update_index(journal, report.run_id, library)
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

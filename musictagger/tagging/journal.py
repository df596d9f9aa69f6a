"""The tagging journal: what every run changed, in SQLite, written before the files are touched.

A run (a ``tag`` run or the ``undo`` of one) has entries, one per file it meant to change:
the field written (``genre``, or a personal model's ``mood``, ``grouping`` …), its old and new values
(the ``*_genres`` columns, named when genres were all tagging wrote), the ID3 revision the file had, and its fingerprint before and after.
An entry is inserted as ``planned`` before its file is touched, gets its "after" fingerprint once
the new version is ready and before it replaces the original, and becomes ``written`` (or
``failed``, ``skipped``) afterwards; so after a crash the journal still knows every file that may
have changed, and the "after" fingerprint tells undo whether the replacement happened.
Undo marks the original entries ``restored`` or ``restore-skipped`` (with the reason) and records
its own writes as a run of kind ``undo`` whose entries point back at the entries they restored.
Where the undo's writer could not give a file's tag back as it was (an ID3v2 tag mutagen's writer rewrote whole),
an entry also keeps the bytes its run changed, as they were (``kept_bytes``, with its "after" fingerprint).  They are
bounded as each run ends (:meth:`Journal.bound_kept_bytes`): the latest runs' kept, older runs' dropped, their count
kept so that the undo says why the bytes are not back; and the user may forget old runs whole
(:meth:`Journal.forget_runs_before`).  Either gives the space back to the file system.
A run is noted once the library index has learnt its files' new tags (:mod:`~musictagger.tagging.index_sync`), so that
the next run tells the index of a killed one's.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from musictagger import userdirs
from musictagger.db import Migration, open_database, transaction
from musictagger.errors import DatabaseError, MusictaggerError
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import Id3Version
from musictagger.tagging.kept_bytes import KEPT_BYTES_BUDGET, KeptBytes

KEEPING_BYTES = "the bytes a run changed, kept"
"""The name of the migration from which on the journal keeps the bytes runs change (:meth:`Journal.keeps_bytes_since`)."""

MIGRATIONS = (
    Migration(
        "runs and entries",
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('tag', 'undo')),
            undoes INTEGER REFERENCES runs (id),
            mode TEXT,
            min_confidence REAL,
            id3_version TEXT,
            status TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL
        );
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            restores INTEGER REFERENCES entries (id),
            path TEXT NOT NULL,
            old_genres TEXT NOT NULL,
            new_genres TEXT NOT NULL,
            old_id3_version TEXT,
            fingerprint_before TEXT NOT NULL,
            fingerprint_after TEXT,
            state TEXT NOT NULL,
            reason TEXT,
            updated_at REAL NOT NULL
        );
        CREATE INDEX entries_by_run ON entries (run_id);
        CREATE INDEX entries_by_restored ON entries (restores);
        """,
    ),
    Migration("entries by path", "CREATE INDEX entries_by_path ON entries (path);"),
    Migration(
        # Who chose an entry's new genres: the model, the user correcting the model's proposal in
        # the window (kept apart, so that a later "learn" can use the corrections), or an undo.
        "who chose the genres: model, user or undo",
        """
        ALTER TABLE entries ADD COLUMN source TEXT NOT NULL DEFAULT 'model';
        UPDATE entries SET source = 'undo' WHERE restores IS NOT NULL;
        """,
    ),
    Migration(
        # Which tag field an entry wrote: a personal model may propose moods or groupings, and undo
        # must restore exactly that field.  Every earlier entry wrote genres.
        "the field written",
        "ALTER TABLE entries ADD COLUMN field TEXT NOT NULL DEFAULT 'genre';",
    ),
    Migration(
        # The bytes a tagging run changed in a file whose tag its undo's writer cannot give back as it was (an
        # ID3v2 tag mutagen's writer rewrote whole), kept as they were so that the undo puts them back
        # (see kept_bytes); past the cap, their count alone (patches NULL).  Earlier entries kept none.
        KEEPING_BYTES,
        """
        CREATE TABLE kept_bytes (
            entry_id INTEGER PRIMARY KEY REFERENCES entries (id),
            size INTEGER NOT NULL,
            patches BLOB
        );
        """,
    ),
    Migration(
        # Kept bytes dropped to bound the journal (Journal.bound_kept_bytes): patches NULL, their count kept, so that
        # the undo says why the bytes are not back.  Every earlier row was kept, or past the cap.
        "kept bytes dropped",
        "ALTER TABLE kept_bytes ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;",
    ),
    Migration(
        # Whether the library index has learnt the tags of the files a run changed (Journal.runs_not_indexed): a run
        # killed before it told the index is told by the next one.  Earlier runs are taken as told.
        "the library index told",
        "ALTER TABLE runs ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;",
    ),
)


class RunStatus(StrEnum):
    """Where a run is: going on, done, stopped by the user, or killed (found dead later)."""

    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class EntryState(StrEnum):
    """What happened to one file of a run."""

    PLANNED = "planned"
    WRITTEN = "written"
    FAILED = "failed"
    SKIPPED = "skipped"
    RESTORED = "restored"
    RESTORE_SKIPPED = "restore-skipped"


UNDOABLE = (EntryState.PLANNED, EntryState.WRITTEN, EntryState.RESTORE_SKIPPED)
"""Entry states whose file may still carry its run's change: those an undo restores (and whose kept bytes it uses)."""


class EntrySource(StrEnum):
    """Who chose an entry's new genres."""

    MODEL = "model"
    USER = "user"
    """A correction: the user edited the model's proposal before applying it."""
    UNDO = "undo"


@dataclass(frozen=True)
class Run:
    """One row of ``runs``."""

    id: int
    kind: str
    undoes: int | None
    mode: str | None
    min_confidence: float | None
    id3_version: str | None
    status: RunStatus
    started_at: float
    finished_at: float | None
    counts: dict[str, int]
    """Entries per state."""
    fields: tuple[str, ...] = ()
    """The tag fields its entries wrote (one, but for a run with no entries: none)."""
    kept: int = 0
    """Bytes the journal keeps for its undo to give back its files' bytes (:mod:`~musictagger.tagging.kept_bytes`)."""
    dropped: int = 0
    """Bytes it kept, then dropped to bound the journal (:meth:`Journal.bound_kept_bytes`)."""


@dataclass(frozen=True)
class Entry:
    """One row of ``entries``."""

    id: int
    run_id: int
    restores: int | None
    """For an entry of an undo run: the entry it restored."""
    path: Path
    old_genres: tuple[str, ...]
    """The old values of :attr:`field` (genres unless it says otherwise)."""
    new_genres: tuple[str, ...]
    old_id3_version: Id3Version | None
    before: Fingerprint
    after: Fingerprint | None
    state: EntryState
    reason: str | None
    source: EntrySource = EntrySource.MODEL
    field: str = "genre"
    """The tag field the entry wrote (see :data:`musictagger.tags.formats.LABEL_FIELDS`)."""


class Journal:
    """The journal at ``path`` (default: the user's ``journal.sqlite3``), one connection per thread, keeping up to
    ``kept_bytes_budget`` bytes for the undo of runs before the latest (:meth:`bound_kept_bytes`); ``create`` False
    for a reader, which finds an empty journal where there is none and makes no file
    (:func:`~musictagger.db.open_database`)."""

    def __init__(
        self, path: Path | None = None, *, kept_bytes_budget: int = KEPT_BYTES_BUDGET, create: bool = True
    ) -> None:
        self.path = Path(path or userdirs.journal_db_path())
        self.kept_bytes_budget = kept_bytes_budget
        self.connection = open_database(self.path, MIGRATIONS, create=create)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- runs ---------------------------------------------------------------------------------

    def start_run(
        self,
        kind: str,
        *,
        undoes: int | None = None,
        mode: str | None = None,
        min_confidence: float | None = None,
        id3_version: Id3Version | None = None,
    ) -> int:
        """Record a new run as running (and any run whose process died as interrupted); its id.

        An undo of a run another undo is restoring is refused (MusictaggerError naming it): each found half the files
        locked by the other, and the second marked files the first had restored as not restored.  The check and the
        new run are one transaction, so of two undos started together one goes on."""
        with transaction(self.connection) as db:
            self._mark_dead_runs(db)
            if undoes is not None and (
                busy := db.execute(
                    "SELECT id, pid FROM runs WHERE kind = 'undo' AND undoes = ? AND status = ?",
                    (undoes, RunStatus.RUNNING),
                ).fetchone()
            ):
                raise MusictaggerError(
                    f"run {undoes} is being undone already (run {busy['id']}, process {busy['pid']}): wait for that "
                    "undo to end"
                )
            cursor = db.execute(
                "INSERT INTO runs (kind, undoes, mode, min_confidence, id3_version, status, pid, started_at, indexed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (kind, undoes, mode, min_confidence, id3_version, RunStatus.RUNNING, os.getpid(), time.time()),
            )
            return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        """Record how the run ended; then, its kept bytes all in (or, for an undo, its files' of no more use), bound
        those the journal keeps (:meth:`bound_kept_bytes`)."""
        with transaction(self.connection) as db:
            db.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, time.time(), run_id))
        self.bound_kept_bytes()

    def runs_not_indexed(self) -> list[int]:
        """The runs whose files' new tags the library index has not learnt (:meth:`set_indexed`), oldest first, but
        those still running: a run killed (SIGKILL, a crash, the power lost) or stopped before it told the index, or
        whose index could not be written then."""
        with contextlib.suppress(DatabaseError), transaction(self.connection) as db:
            self._mark_dead_runs(db)
        rows = self.connection.execute(
            "SELECT id FROM runs WHERE NOT indexed AND status != ? ORDER BY id", (RunStatus.RUNNING,)
        ).fetchall()
        return [row[0] for row in rows]

    def set_indexed(self, run_ids: list[int]) -> None:
        """Record that the library index has learnt the new tags of the files of runs ``run_ids``."""
        with transaction(self.connection) as db:
            db.execute(f"UPDATE runs SET indexed = 1 WHERE id IN ({', '.join('?' * len(run_ids))})", run_ids)

    def bound_kept_bytes(self) -> int:
        """Drop the kept bytes no undo can use any more (of files restored, or never written) and those of older runs
        past the budget (see :data:`~musictagger.tagging.kept_bytes.KEPT_BYTES_BUDGET`): the newest run whose undo can
        use some keeps them all, the runs before it keep theirs newest first while they add up to no more than
        :attr:`kept_bytes_budget`; a run still going on keeps its own and counts for nothing.  A dropped run's entries keep their
        count, so that its undo says why the bytes are not back.  The bytes dropped; the file shrinks by them
        (:meth:`_give_back_space`)."""
        undoable = ", ".join("?" * len(UNDOABLE))
        with transaction(self.connection) as db:
            rows = db.execute(
                "SELECT run_id, SUM(size) FROM kept_bytes JOIN entries ON entries.id = entry_id"
                f" JOIN runs ON runs.id = run_id WHERE patches IS NOT NULL AND state IN ({undoable})"
                " AND runs.status != ? GROUP BY run_id ORDER BY run_id DESC",
                (*UNDOABLE, RunStatus.RUNNING),
            ).fetchall()
            over, total = [], 0
            for run_id, size in rows[1:]:
                total += size
                if total > self.kept_bytes_budget:
                    over.append(run_id)
            dropped = sum(size for run_id, size in rows if run_id in over)
            dropped += db.execute(
                "SELECT COALESCE(SUM(size), 0) FROM kept_bytes WHERE patches IS NOT NULL AND entry_id IN"
                f" (SELECT id FROM entries WHERE state NOT IN ({undoable}))",
                UNDOABLE,
            ).fetchone()[0]
            db.execute(
                f"DELETE FROM kept_bytes WHERE entry_id IN (SELECT id FROM entries WHERE state NOT IN ({undoable}))",
                UNDOABLE,
            )
            db.execute(
                "UPDATE kept_bytes SET patches = NULL, dropped = 1 WHERE patches IS NOT NULL AND entry_id IN"
                f" (SELECT id FROM entries WHERE run_id IN ({', '.join('?' * len(over))}))",
                over,
            )
        if dropped:
            self._give_back_space()
        return dropped

    def forget_runs_before(self, run_id: int) -> list[int]:
        """Forget the runs before run ``run_id``, and the undos of them: their entries and kept bytes go, and they can
        no longer be undone; the ids of the runs forgotten.  The runs from ``run_id`` on are undone as before (an undo
        looks at the entries after those it restores).  MusictaggerError when one of them is still running."""
        with transaction(self.connection) as db:
            self._mark_dead_runs(db)
            forgotten = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM runs WHERE id < ? OR undoes < ? ORDER BY id", (run_id, run_id)
                ).fetchall()
            ]
            marks = ", ".join("?" * len(forgotten))
            running = db.execute(
                f"SELECT id FROM runs WHERE id IN ({marks}) AND status = ?", (*forgotten, RunStatus.RUNNING)
            ).fetchone()
            if running is not None:
                raise MusictaggerError(f"run {running[0]} is still running; wait for it or stop it first")
            entries = f"SELECT id FROM entries WHERE run_id IN ({marks})"
            db.execute(f"DELETE FROM kept_bytes WHERE entry_id IN ({entries})", forgotten)
            db.execute(f"DELETE FROM entries WHERE run_id IN ({marks})", forgotten)
            db.execute(f"DELETE FROM runs WHERE id IN ({marks})", forgotten)
        if forgotten:
            self._give_back_space()
        return forgotten

    def size(self) -> int:
        """The bytes the journal takes on disk: its file and its write-ahead log."""
        wal = self.path.with_name(f"{self.path.name}-wal")
        return sum(path.stat().st_size for path in (self.path, wal) if path.exists())

    def _give_back_space(self) -> None:
        """Give the pages rows freed back to the file system, so that the file shrinks: a journal made before it did
        is vacuumed once, whole, into SQLite's incremental vacuum, which then frees the pages alone; and the
        write-ahead log is checkpointed into the file and emptied.  Another process keeping the journal busy past
        the timeout leaves the pages free inside it, for later rows and the next bound."""
        try:
            if self.connection.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # not INCREMENTAL yet
                self.connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self.connection.execute("VACUUM")
            else:  # as a script: each step frees one page, and execute() would take only the first
                self.connection.executescript("PRAGMA incremental_vacuum;")
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            pass

    def run(self, run_id: int) -> Run | None:
        """The run with this id, if any."""
        runs = self._runs("WHERE id = ?", (run_id,))
        return runs[0] if runs else None

    def runs(self, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first."""
        return self._runs("ORDER BY id DESC LIMIT ?", (limit,))

    def latest_tag_run(self) -> Run | None:
        """The most recent run of kind ``tag`` that changed files (or may have: it was stopped mid-file).

        A run whose every file was skipped or failed changed nothing, so it is not the one a plain
        ``undo`` means.
        """
        runs = self._runs(
            "WHERE kind = 'tag' AND EXISTS (SELECT 1 FROM entries WHERE entries.run_id = runs.id AND state IN (?, ?, ?, ?))"
            " ORDER BY id DESC LIMIT 1",
            (EntryState.PLANNED, EntryState.WRITTEN, EntryState.RESTORED, EntryState.RESTORE_SKIPPED),
        )
        return runs[0] if runs else None

    def earlier_run_to_undo(self, before: int) -> tuple[Run, int] | None:
        """The most recent tagging run older than run ``before`` that wrote files whose change may still be in
        them, and how many: what to undo next once run ``before`` is undone.  A file counts when its entry is
        written, or planned with its new version made (stopped between that and its last journal step); one
        stopped before its copy was made was never written."""
        row = self.connection.execute(
            "SELECT run_id, COUNT(*) FROM entries JOIN runs ON runs.id = entries.run_id WHERE runs.kind = 'tag'"
            " AND run_id < ? AND (state = ? OR (state = ? AND fingerprint_after IS NOT NULL))"
            " GROUP BY run_id ORDER BY run_id DESC LIMIT 1",
            (before, EntryState.WRITTEN, EntryState.PLANNED),
        ).fetchone()
        return None if row is None else (self.run(row[0]), row[1])

    def _runs(self, where: str, parameters: tuple) -> list[Run]:
        """The runs ``where`` says, those found dead marked interrupted first; a journal that cannot be written (its
        disk full or read-only) is read all the same, and :meth:`_run` calls them interrupted."""
        with contextlib.suppress(DatabaseError), transaction(self.connection) as db:
            self._mark_dead_runs(db)
        rows = self.connection.execute(f"SELECT * FROM runs {where}", parameters).fetchall()
        return [self._run(row) for row in rows]

    def _run(self, row: sqlite3.Row) -> Run:
        running = row["status"] == RunStatus.RUNNING
        counts, fields = {}, set()
        for state, field, count in self.connection.execute(
            "SELECT state, field, COUNT(*) FROM entries WHERE run_id = ? GROUP BY state, field", (row["id"],)
        ):
            counts[state] = counts.get(state, 0) + count
            fields.add(field)
        kept, dropped = self.connection.execute(
            "SELECT COALESCE(SUM(CASE WHEN patches IS NOT NULL THEN size END), 0),"
            " COALESCE(SUM(CASE WHEN dropped THEN size END), 0)"
            " FROM kept_bytes JOIN entries ON entries.id = entry_id WHERE run_id = ?",
            (row["id"],),
        ).fetchone()
        return Run(
            row["id"],
            row["kind"],
            row["undoes"],
            row["mode"],
            row["min_confidence"],
            row["id3_version"],
            RunStatus.INTERRUPTED
            if running and not process_alive(row["pid"], row["started_at"])
            else RunStatus(row["status"]),
            row["started_at"],
            row["finished_at"],
            counts,
            tuple(sorted(fields)),
            kept,
            dropped,
        )

    @staticmethod
    def _mark_dead_runs(db: sqlite3.Connection) -> None:
        """Runs still ``running`` whose process is gone were killed: call them interrupted."""
        running = db.execute("SELECT id, pid, started_at FROM runs WHERE status = ?", (RunStatus.RUNNING,)).fetchall()
        for row in running:
            if not process_alive(row["pid"], row["started_at"]):
                db.execute("UPDATE runs SET status = ? WHERE id = ?", (RunStatus.INTERRUPTED, row["id"]))

    # --- entries ------------------------------------------------------------------------------

    def add_entry(
        self,
        run_id: int,
        path: Path,
        *,
        old: tuple[str, ...],
        new: tuple[str, ...],
        before: Fingerprint,
        old_id3_version: Id3Version | None = None,
        state: EntryState = EntryState.PLANNED,
        reason: str | None = None,
        restores: int | None = None,
        source: EntrySource = EntrySource.MODEL,
        field: str = "genre",
    ) -> int:
        """Record one file of a run (before touching it): ``old`` → ``new`` values of ``field``; the entry's id.

        An entry that ``restores`` another is an undo's, whatever ``source`` says.
        """
        source = EntrySource.UNDO if restores is not None else source
        with transaction(self.connection) as db:
            cursor = db.execute(
                "INSERT INTO entries (run_id, restores, path, old_genres, new_genres, old_id3_version,"
                " fingerprint_before, state, reason, updated_at, source, field) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    restores,
                    str(path),
                    json.dumps(list(old)),
                    json.dumps(list(new)),
                    old_id3_version,
                    str(before),
                    state,
                    reason,
                    time.time(),
                    source,
                    field,
                ),
            )
            return int(cursor.lastrowid)

    def set_after(self, entry_id: int, after: Fingerprint, kept: KeptBytes | None = None) -> None:
        """Record the fingerprint the file will have once replaced (called just before replacing it), and the bytes
        of it the new version changes, as they were, when the undo needs them (``kept``)."""
        with transaction(self.connection) as db:
            db.execute(
                "UPDATE entries SET fingerprint_after = ?, updated_at = ? WHERE id = ?",
                (str(after), time.time(), entry_id),
            )
            if kept is not None:
                db.execute(
                    "INSERT OR REPLACE INTO kept_bytes (entry_id, size, patches) VALUES (?, ?, ?)",
                    (entry_id, kept.size, kept.to_blob()),
                )

    def kept_bytes(self, entry_id: int) -> KeptBytes | None:
        """The bytes the entry's run changed in its file, as they were (:meth:`set_after`), or None when it kept
        none (a run journalled before they were kept, or a file whose undo needs none).  ValueError when the journal
        holds them damaged."""
        row = self.connection.execute(
            "SELECT size, patches, dropped FROM kept_bytes WHERE entry_id = ?", (entry_id,)
        ).fetchone()
        return None if row is None else KeptBytes.from_blob(row["size"], row["patches"], dropped=bool(row["dropped"]))

    def keeps_bytes_since(self) -> float:
        """When this journal began keeping the bytes runs change (the time its :data:`KEEPING_BYTES` migration ran):
        a run started before, by an earlier release (0.5.0 …), kept none, so its undo cannot give files back byte for
        byte where that release's writer changed more than their values."""
        row = self.connection.execute("SELECT applied_at FROM migrations WHERE name = ?", (KEEPING_BYTES,)).fetchone()
        return float(row["applied_at"])

    def set_state(self, entry_id: int, state: EntryState, reason: str | None = None) -> None:
        """Record what became of the entry's file."""
        with transaction(self.connection) as db:
            db.execute(
                "UPDATE entries SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                (state, reason, time.time(), entry_id),
            )

    def entries(self, run_id: int) -> list[Entry]:
        """The entries of a run, in the order they were made."""
        rows = self.connection.execute("SELECT * FROM entries WHERE run_id = ? ORDER BY id", (run_id,))
        return [_entry(row) for row in rows.fetchall()]

    def entries_after(self, entry: Entry) -> list[Entry]:
        """Later entries (of any run) for the same file, oldest first."""
        rows = self.connection.execute(
            "SELECT * FROM entries WHERE path = ? AND id > ? ORDER BY id", (str(entry.path), entry.id)
        )
        return [_entry(row) for row in rows.fetchall()]

    def restore_attempts(self, entry_id: int) -> list[Entry]:
        """Entries of undo runs that tried to restore ``entry_id``, newest first."""
        rows = self.connection.execute("SELECT * FROM entries WHERE restores = ? ORDER BY id DESC", (entry_id,))
        return [_entry(row) for row in rows.fetchall()]


def _entry(row: sqlite3.Row) -> Entry:
    after = row["fingerprint_after"]
    version = row["old_id3_version"]
    return Entry(
        row["id"],
        row["run_id"],
        row["restores"],
        Path(row["path"]),
        tuple(json.loads(row["old_genres"])),
        tuple(json.loads(row["new_genres"])),
        Id3Version(version) if version else None,
        Fingerprint.parse(row["fingerprint_before"]),
        Fingerprint.parse(after) if after else None,
        EntryState(row["state"]),
        row["reason"],
        EntrySource(row["source"]),
        row["field"],
    )


STARTED_SLACK_S = 10.0
"""How much later than ``since`` :func:`process_alive` lets a process have started and still be the one that ran then:
the boot time Linux gives is whole seconds, and the clock may have been stepped forward a little since (a time server
correcting it)."""


def process_alive(pid: int, since: float | None = None) -> bool:
    """True while process ``pid`` exists on this machine (the journal is a local file) and, with ``since`` (a moment it
    ran at, seconds since the epoch: its run's start), is the process that ran then.

    A killed run's process id is taken by another process sooner or later (after a restart, or once the ids, 32768 on
    many systems, wrap around): the run was listed as running for as long as that process lived, and its undo refused
    ('run 22 is still running'), as it was for an unrelated ``sleep`` given its id.  Where the start of a process can be
    told (Linux), one started after ``since`` is another.

    On Windows signal 0 would be CTRL_C_EVENT, so there every process counts as alive and a
    killed run stays "running" in the listing: harmless, since undo does not depend on it.
    """
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    started = None if since is None else _process_started(pid)
    return started is None or started <= since + STARTED_SLACK_S


def _process_started(pid: int) -> float | None:
    """When process ``pid`` started, in seconds since the epoch (Linux: its start in clock ticks after the boot, in
    ``/proc``); None where that cannot be told."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # after the name, which may hold ')'
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
        return float(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # fields[19]: starttime, field 22
    except (OSError, ValueError, IndexError, StopIteration):
        return None

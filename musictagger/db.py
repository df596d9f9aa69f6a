"""SQLite discipline shared by the library index and the tagging journal.

Both stores follow the same rules, learnt from beets' issues:

- WAL mode and a generous busy timeout, so the GUI and the CLI can have the same file open
  at once (readers never block the writer; writers queue instead of failing);
- one connection per thread; explicit, short ``BEGIN IMMEDIATE`` transactions
  (:func:`transaction`), so a writer takes its lock up front instead of deadlocking on an
  upgrade;
- a schema version (``PRAGMA user_version``) equal to the number of named migrations
  applied, each recorded in a ``migrations`` table; an existing database is backed up
  before it is migrated, and a database written by a newer release is refused rather
  than damaged;
- paths stored as text (``str``), never bytes: a name that is not UTF-8 cannot be stored, and is refused
  before it reaches a store (:func:`storable_name`);
- ``sqlite3`` errors surface as :class:`~musictagger.errors.DatabaseError` naming the file, and one the disk caused
  (full, read-only) says so (:func:`_explain`), wherever it is met, the body of a :func:`transaction` included; a
  damaged file's at any statement that meets it (:class:`Connection`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musictagger.disk import disk_trouble
from musictagger.errors import DatabaseError
from musictagger.interrupts import stop_noted

BUSY_TIMEOUT_S = 30.0


def storable_name(path: str | Path) -> bool:
    """Whether ``path`` can be stored as text: not a name whose bytes are not UTF-8 (``caf\\xe9.flac``, written on a
    Latin-1 system), which Python holds as lone surrogates and SQLite's text refuses with UnicodeEncodeError."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Migration:
    """One schema step: a name for the record and the SQL script that performs it."""

    name: str
    sql: str


DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
"""The SQLite result codes (and their extended codes: ``SQLITE_CORRUPT_INDEX`` …) of a damaged file: pages that are
not SQLite's, as a failing disk, a copy cut short or another program writing into the file leave them."""


def _name_damage(connection: sqlite3.Connection, exc: sqlite3.DatabaseError) -> None:
    """Raise a damaged file met by a statement (``exc``) as a DatabaseError naming it (:func:`_explain`); return for any
    other error, which the caller raises as it is.  SQLite finds damage only in the pages a statement reads, so a
    library or journal whose first pages were sound opened as usual and then ended every command in a traceback,
    ``sqlite3.DatabaseError: database disk image is malformed``."""
    if str(getattr(exc, "sqlite_errorname", "")).startswith(DAMAGE):
        path = database_file(connection)
        raise DatabaseError(f"{path}: {_explain(exc, Path(path))}", paths=[path]) from exc


def _naming_damage(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of :class:`sqlite3.Cursor`, a damaged file it meets raised by :func:`_name_damage`, and a stop that
    landed in one of the connection's Python functions raised as one (:func:`_stopped_in_function`)."""

    @functools.wraps(method)
    def named(cursor: sqlite3.Cursor, *args: Any) -> Any:
        try:
            return method(cursor, *args)
        except sqlite3.DatabaseError as exc:
            if _stopped_in_function(exc):
                raise KeyboardInterrupt from None
            _name_damage(cursor.connection, exc)
            raise

    return named


FUNCTION_FAILED = "user-defined function raised exception"
"""What ``sqlite3`` makes of any exception raised in a Python function a statement calls."""


def _stopped_in_function(exc: sqlite3.DatabaseError) -> bool:
    """Whether ``exc`` is a Python function's failure in a command stopped meanwhile (:func:`~.interrupts.stop_noted`):
    the KeyboardInterrupt of a Ctrl-C (or of a stop taken as one) that lands in a function, or as one is called, is
    turned by ``sqlite3`` into :data:`FUNCTION_FAILED`, so a Ctrl-C in a migration that fills a column through one
    (a library's sort keys, seconds at 100,000 tracks) ended the command with that error, status 1, as if the
    library were damaged, where it says 'interrupted'."""
    return str(exc) == FUNCTION_FAILED and stop_noted()


class Cursor(sqlite3.Cursor):
    """A cursor whose statements and rows say a damaged file as :func:`_name_damage` does, and a stop in a Python
    function of its statement as one (:func:`_stopped_in_function`)."""

    execute = _naming_damage(sqlite3.Cursor.execute)
    executemany = _naming_damage(sqlite3.Cursor.executemany)
    executescript = _naming_damage(sqlite3.Cursor.executescript)
    fetchone = _naming_damage(sqlite3.Cursor.fetchone)
    fetchmany = _naming_damage(sqlite3.Cursor.fetchmany)
    fetchall = _naming_damage(sqlite3.Cursor.fetchall)
    __next__ = _naming_damage(sqlite3.Cursor.__next__)


class Connection(sqlite3.Connection):
    """The connection of every database musictagger opens: its statements run in a :class:`Cursor`."""

    def cursor(self, factory: type[sqlite3.Cursor] = Cursor) -> sqlite3.Cursor:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        return self.cursor().executescript(sql_script)


def open_database(
    path: Path,
    migrations: Sequence[Migration],
    functions: Callable[[sqlite3.Connection], None] | None = None,
    *,
    create: bool = True,
) -> sqlite3.Connection:
    """Open (creating if needed) the SQLite file at ``path`` and bring its schema up to date.

    The connection is in autocommit mode; group writes with :func:`transaction`.
    Rows come back as :class:`sqlite3.Row` (access by column name).  ``functions`` gives the
    connection the Python functions its SQL calls (``create_function``) before it is migrated,
    so that a migration can fill a new column through them.

    ``create``: False for a command that only reads (``similar``, ``index --status``, ``undo --list``): where there
    is no file yet, the connection is to an empty database of the schema in memory, so that the command finds
    nothing, says so as it would of an empty file, and leaves no file behind (each made an empty one in the user's
    data folder); a folder that could not hold one (a file in its place, a read-only or full disk) is said as it is
    to a writer, and a link to a file that is not there (on a drive not mounted) is an error: opened, SQLite made an
    empty database where the link points when its folder was there (an empty mount point), and said it was empty.
    """
    path = Path(path)
    if not create and path.is_symlink() and not path.exists():  # as no file, it was an empty index; opened, one made
        raise DatabaseError(f"{path}: cannot open the database (a link to {os.readlink(path)}, which is not there)")
    in_memory = not create and not path.exists() and not disk_trouble(path.parent)
    try:
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        where = ":memory:" if in_memory else path
        connection = sqlite3.connect(where, timeout=BUSY_TIMEOUT_S, isolation_level=None, factory=Connection)
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot open the database ({disk_trouble(path.parent) or exc})") from exc
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot open the database ({_explain(exc, path)})") from exc
    connection.row_factory = sqlite3.Row
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        mode = "wal" if in_memory else _wal_mode(connection)
        if mode.lower() != "wal":
            raise DatabaseError(f"{path}: SQLite refused WAL mode (got {mode!r}); is it on a network drive?")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        if functions is not None:
            functions(connection)
        _migrate(connection, path, migrations)
    except sqlite3.DatabaseError as exc:
        connection.close()
        readable = _open_unchangeable(path, len(migrations), functions) if _disk_failure(exc) else None
        if readable is not None:
            return readable
        why = _explain(exc, path) + (_update_first(path, len(migrations)) if _disk_failure(exc) else "")
        raise DatabaseError(f"{path}: {why}") from exc
    except DatabaseError:
        connection.close()
        raise
    return connection


def _open_unchangeable(
    path: Path, version: int, functions: Callable[[sqlite3.Connection], None] | None
) -> sqlite3.Connection | None:
    """A read-only connection to ``path`` as it is on disk, for a database the disk will not let SQLite open as usual
    (full, or read-only: WAL mode must make its ``-shm`` file beside it); None where there is none to read, or its
    schema is not ``version`` (it would need migrating, which is writing).

    So ``similar``, ``index --status``, ``undo --list`` and the window's Library tab read a library on a full disk,
    where each started with ``disk I/O error``; whatever writes then fails with SQLite's "readonly database", said
    as the disk's trouble (:func:`_explain`).  ``immutable`` reads the file alone, without the locks and the
    ``-shm`` file: a write-ahead log left beside it (a writer that died) is not read, so the last writes may be
    missing until the disk takes the file again; nothing is written."""
    if not path.is_file():
        return None
    try:
        connection = _immutable(path)
    except sqlite3.Error:
        return None
    connection.row_factory = sqlite3.Row
    try:
        if schema_version(connection) != version:
            connection.close()
            return None
        if functions is not None:
            functions(connection)
    except sqlite3.Error:
        connection.close()
        return None
    return connection


def _immutable(path: Path) -> sqlite3.Connection:
    """A connection reading ``path`` as it is on disk, writing nothing (:func:`_open_unchangeable`)."""
    uri = f"{path.absolute().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None, factory=Connection)


def _update_first(path: Path, version: int) -> str:
    """Why a database that the disk will not let be written cannot be read either, where that is why: this release
    updates its schema (older than ``version``) before reading it, which is writing; empty otherwise.  On a read-only
    mount, a library the release before had written said only that its folder cannot be written, though reading was
    all ``index --status`` or ``similar`` asked, and what they did the day before."""
    if not path.is_file():
        return ""
    try:
        with contextlib.closing(_immutable(path)) as connection:
            stored = schema_version(connection)
    except sqlite3.Error:
        return ""
    if not 0 < stored < version:
        return ""
    return f"; this release must update it before reading it (schema {stored} to {version}), which is writing to it"


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception.

    Keep these short: while one is open, other writers (another process indexing or
    tagging) wait up to the busy timeout.  The ``BEGIN`` and the ``COMMIT`` sit inside the ``try`` that
    rolls back, so a Ctrl-C landing anywhere, between the ``BEGIN`` and the body or in the ``COMMIT``,
    leaves no transaction open (one left open made every later write of a run fail: "cannot start a
    transaction within a transaction").  Nesting stays an error, and the outer transaction is left alone.
    A statement of the body that fails because of the disk (:func:`_disk_failure`: full, read-only) is a
    DatabaseError too, as the ``COMMIT``'s is: a full disk may fail either.
    """
    if connection.in_transaction:
        raise DatabaseError(f"{database_file(connection)}: a transaction is already open on this connection")
    stage = "begin"
    try:
        connection.execute("BEGIN IMMEDIATE")
        stage = "body"
        yield connection
        stage = "commit"
        connection.execute("COMMIT")
    except BaseException as exc:
        if connection.in_transaction:  # ours: none was open when we began
            connection.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error) and (stage != "body" or _disk_failure(exc)):
            path = database_file(connection)
            raise DatabaseError(f"{path}: {_explain(exc, Path(path))}") from exc
        raise


@contextmanager
def snapshot(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every query inside sees the database as of the first one.

    Unlike :func:`transaction` it takes no write lock (WAL mode: writers go on meanwhile), so a
    long read, such as every code of a large library, can be consistent without blocking anyone.
    """
    connection.execute("BEGIN DEFERRED")
    try:
        yield connection
    finally:
        connection.execute("COMMIT")


class ChangeWatcher:
    """Tells whether anyone has written to the database at ``path`` since this watcher was made.

    It holds its own connection and compares SQLite's ``PRAGMA data_version``, which changes
    whenever another connection (of this process or another) commits: a check costs
    microseconds however large the database.  Any commit counts, so the answer errs on the
    side of "changed".  Usable from any thread; its connection closes when it is collected, or as the program ends.

    On a disk that will not let SQLite open the file so (full, or read-only: WAL mode must make its ``-shm`` file
    beside it), where :func:`open_database` reads it as it is on disk, it compares the sizes and modification times
    of the file and of its write-ahead log instead, which a commit changes: ``similar`` ended there with ``cannot
    open the database (disk I/O error …)`` though the library could be read.
    """

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()  # one statement at a time on the shared connection
        self._path = Path(path)
        self._connection: sqlite3.Connection | None = None
        try:
            self._connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, factory=Connection
            )
            self._version = self._data_version()
            _watchers.add(self)
        except sqlite3.Error as exc:
            if not _disk_failure(exc) or not self._path.is_file():
                raise DatabaseError(f"{path}: cannot open the database ({_explain(exc, self._path)})") from exc
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._version = self._data_version()

    def _data_version(self) -> object:
        if self._connection is None:
            return tuple(_file_stamp(self._path.with_name(self._path.name + suffix)) for suffix in ("", "-wal"))
        with self._lock:
            return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        """True once another connection has committed since the watcher was made."""
        return self._data_version() != self._version

    def close(self) -> None:
        """Close its connection (:func:`_close_watchers`)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


_watchers: weakref.WeakSet[ChangeWatcher] = weakref.WeakSet()
"""Every watcher made, for :func:`_close_watchers`."""


@atexit.register
def _close_watchers() -> None:
    """Close every watcher's connection as the program ends.  One the program still held then (the window's, for its
    Music folders panel and its matches) was never closed: Qt holds the window's objects to the end, and
    ``gc.freeze`` its start-up heap.  It was often the database's last connection, the one whose closing moves the
    write-ahead log into the database and removes it: the library's log stayed beside it after every session with
    the window, holding the writes made meanwhile (an index run's), which a copy of ``library.sqlite3`` alone (a
    backup) lacked."""
    for watcher in list(_watchers):
        watcher.close()


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """``path``'s size and modification time, None where there is no such file."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def database_file(connection: sqlite3.Connection) -> str:
    """The file behind ``connection`` (for messages)."""
    return next(row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main")


def schema_version(connection: sqlite3.Connection) -> int:
    """The number of migrations applied to this database."""
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _wal_mode(connection: sqlite3.Connection) -> str:
    """``PRAGMA journal_mode = WAL``'s answer, asked again while another connection holds the lock it needs.

    A new file is switched to WAL by the first connection (the mode then stays with the file), which needs the
    file to itself, and SQLite answers "database is locked" at once, without its busy handler, when another
    connection has the file open meanwhile: at a first start the window's Library tab and its Music folders
    panel open the new index together, and about one start in ten failed so.  So it waits as a busy handler
    would, up to the same timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _migrate(connection: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    target = len(migrations)
    current = schema_version(connection)
    if current == target:
        return
    if current > target:
        raise DatabaseError(
            f"{path}: written by a newer musictagger (schema {current}, this release knows {target}); "
            "upgrade musictagger or move the file aside"
        )
    if current > 0:
        _backup(connection, path, current)
    with transaction(connection):  # a Ctrl-C once its COMMIT is done rolled back none, and that error took its place
        current = schema_version(connection)  # another process may have migrated meanwhile
        connection.execute(
            "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        for version, migration in enumerate(migrations[current:], start=current + 1):
            for statement in _statements(migration.sql):
                connection.execute(statement)
            connection.execute(
                "INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, migration.name, time.time()),
            )
            connection.execute(f"PRAGMA user_version = {version}")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit our transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise DatabaseError(f"incomplete SQL statement in a migration: {pending.strip()!r}")
    return statements


def _backup(connection: sqlite3.Connection, path: Path, version: int) -> None:
    """Copy the database beside itself before migrating it (``library.sqlite3.v2.bak``), whole or not at all.

    Written in place, a backup the disk filled under (a library of 19 MB on a disk with 12 free) was left cut short
    under the backup's name, with its ``-journal``, the disk full to its last 32 kB: now it is written into a
    temporary file (:func:`~musictagger.atomic_write.replacing`, without a journal: a new file has nothing to roll
    back to), removed on any failure or stop, and renamed only once complete."""
    from musictagger.atomic_write import replacing  # which imports this module

    backup_path = path.with_name(f"{path.name}.v{version}.bak")
    try:
        with replacing(backup_path) as temporary, contextlib.closing(sqlite3.connect(temporary)) as backup:
            backup.execute("PRAGMA journal_mode = OFF")
            connection.backup(backup)
    except OSError as exc:  # its rename: SQLite's own failures are sqlite3's errors, said as open_database says them
        raise DatabaseError(f"{backup_path}: cannot back up {path.name} before updating it ({exc.strerror})") from exc


DISK_FAILURES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")
"""The SQLite result codes (and their extended codes: ``SQLITE_IOERR_SHMSIZE`` …) a disk can cause: full, failing,
read-only, or a folder where no file can be made (the ``-wal`` and ``-shm`` files WAL mode needs beside the file)."""


def _disk_failure(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` is a failure of the disk holding the database, not of the SQL that met it."""
    return str(getattr(exc, "sqlite_errorname", "")).startswith(DISK_FAILURES)


def _explain(exc: sqlite3.Error, path: Path) -> str:
    """SQLite's message for ``exc`` on the database at ``path``, with what a user can do: its bare ``disk I/O error`` or
    ``unable to open database file`` named a full or read-only disk without saying so."""
    message = str(exc)
    if "locked" in message or "busy" in message:
        holders = _lock_holders(path) or "another program or process (musictagger, the sqlite3 shell, a backup tool …)"
        return (
            f"{message}: {holders} held it locked for over {BUSY_TIMEOUT_S:.0f} s; "
            "close that program or let it finish, then try again"
        )
    if "not a database" in message or "malformed" in message:
        return f"{message}: the file is damaged; move it aside and musictagger will start a new one"
    if _disk_failure(exc) and (disk := disk_trouble(path.parent)):
        return f"{message}: {disk}"
    return message


_LOCK_LINE = re.compile(r"\d+: +(?!->)\S+ +\S+ +WRITE +([1-9]\d*) +([0-9a-f]+:[0-9a-f]+):(\d+) ")
"""A held write lock in Linux's ``/proc/locks`` (``1: POSIX  ADVISORY  WRITE 5334 fe:00:2383880 120 120``): its
process id, its file's device (major:minor, in hex) and inode.  A process waiting for a lock has ``->`` after the
number; an open file description's lock (``OFDLCK``) has no process (-1), nor one in another PID namespace (0).  Read
locks are left out: every open connection in WAL mode holds some (on the ``-shm`` file and the database) for as long as
it is open, an idle window's as much as a busy one's, while a writer holds its write lock."""


def _lock_holders(path: Path) -> str | None:
    """The other processes that hold a write lock on the database at ``path`` or on its ``-wal`` and ``-shm`` files, by
    name and process id (``sqlite3 (process 5334)``), from Linux's table of file locks; None where none is found there (no
    such table: another system; the lock let go meanwhile; this process's own).

    SQLite's "database is locked" says nothing of who holds it, and any program may: the ``sqlite3`` shell, a backup
    tool copying the file, another musictagger."""
    files = set()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            info = os.stat(f"{path}{suffix}")
            files.add((f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}", info.st_ino))
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    pids = {
        int(lock[1])
        for lock in map(_LOCK_LINE.match, table)
        if lock and (lock[2], int(lock[3])) in files and int(lock[1]) != os.getpid()
    }
    names = []
    for pid in sorted(pids):
        try:
            names.append(
                f"{Path(f'/proc/{pid}/comm').read_text(encoding='utf-8', errors='replace').strip()} (process {pid})"
            )
        except OSError:
            names.append(f"process {pid}")
    return " and ".join(names) or None

"""The SQLite discipline every store uses: migrations, backups, refusals, concurrency."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from musictagger import atomic_write
from musictagger import db as db_module
from musictagger.db import Migration, open_database, schema_version, transaction
from musictagger.errors import DatabaseError
from musictagger.interrupts import stopping_as_ctrl_c
from tests.processes import limited_to

V1 = (Migration("create items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),)
V2 = (
    *V1,
    Migration("add colour", "ALTER TABLE items ADD COLUMN colour TEXT;\nCREATE INDEX items_name ON items (name);"),
)


def test_new_database_is_in_wal_mode_at_the_latest_schema(tmp_path: Path) -> None:
    db = open_database(tmp_path / "sub" / "x.sqlite3", V2)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(db) == 2
    assert [tuple(r)[:2] for r in db.execute("SELECT version, name FROM migrations")] == [
        (1, "create items"),
        (2, "add colour"),
    ]


def test_upgrade_backs_up_first_and_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    with transaction(db := open_database(path, V1)):
        db.execute("INSERT INTO items (name) VALUES ('kept')")
    db.close()

    db = open_database(path, V2)
    assert schema_version(db) == 2
    assert [tuple(r) for r in db.execute("SELECT name, colour FROM items")] == [("kept", None)]
    backup = open_database(path.with_name("x.sqlite3.v1.bak"), V1)
    assert [r[0] for r in backup.execute("SELECT name FROM items")] == ["kept"]


OPEN_AT_V2 = """
import sys
from pathlib import Path
from musictagger.db import open_database
from tests.test_db import V2
try:
    open_database(Path(sys.argv[1]), V2)
except Exception as exc:
    sys.exit(str(exc))
"""


def test_a_backup_the_disk_cannot_hold_is_not_left_cut_short(tmp_path: Path) -> None:
    """A database migrated on a disk that filled during its backup left the backup cut short under its own name, with
    its ``-journal``, the disk full to its last kilobytes: the backup is whole or not there, the database as it was
    (here files may not grow past 64 KiB, the database being larger: a full disk, without root or a mount)."""
    path = tmp_path / "x.sqlite3"
    with transaction(db := open_database(path, V1)):
        db.executemany("INSERT INTO items (name) VALUES (?)", [("x" * 1000,) for _ in range(200)])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = path.read_bytes()
    assert len(before) > 128 * 1024

    run = subprocess.run(
        [sys.executable, "-c", OPEN_AT_V2, str(path)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_to(64 * 1024),
        timeout=120,
    )

    assert run.returncode == 1 and str(path) in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert sorted(file.name for file in tmp_path.iterdir() if ".bak" in file.name) == []
    assert path.read_bytes() == before
    assert schema_version(open_database(path, V2)) == 2  # with room, as usual
    assert (tmp_path / "x.sqlite3.v1.bak").stat().st_size == len(before)


def test_a_database_to_update_on_a_disk_that_takes_no_writes_says_it_must_be_updated(tmp_path: Path) -> None:
    """A database of the release before (schema 1 here) on a disk that will not let it be written (full, or a
    read-only mount) cannot be read as it is, as one of this release's schema is: that said only that the disk takes no
    writes, though reading was all the command asked.  It says this release must update it first (here files may not
    grow past 4 KiB: a disk that takes no writes, without root or a mount)."""
    path = tmp_path / "x.sqlite3"
    with transaction(db := open_database(path, V1)):
        db.executemany("INSERT INTO items (name) VALUES (?)", [("x" * 1000,) for _ in range(20)])
    db.close()

    run = subprocess.run(
        [sys.executable, "-c", OPEN_AT_V2, str(path)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_to(4096),
        timeout=120,
    )

    assert run.returncode == 1 and run.stderr.startswith(f"{path}: "), run.stderr
    assert run.stderr.rstrip().endswith(
        "; this release must update it before reading it (schema 1 to 2), which is writing to it"
    )


def test_a_backup_that_cannot_be_renamed_into_place_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses a rename over a file another program has open (the last backup, open in a database browser):
    that ended the opening in a traceback, PermissionError, where it names the backup and the database is as it was."""
    path = tmp_path / "x.sqlite3"
    open_database(path, V1).close()

    def refused(_source: object, _target: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic_write.os, "replace", refused)
    with pytest.raises(DatabaseError) as raised:
        open_database(path, V2)
    monkeypatch.undo()

    backup = tmp_path / "x.sqlite3.v1.bak"
    assert str(raised.value) == f"{backup}: cannot back up x.sqlite3 before updating it (Permission denied)"
    assert [file.name for file in tmp_path.iterdir() if ".bak" in file.name] == []
    assert schema_version(open_database(path, V2)) == 2 and backup.is_file()


def test_an_interrupt_in_a_transaction_leaves_none_open_and_writing_goes_on(tmp_path: Path) -> None:
    """A Ctrl-C in the body rolls back; the next transaction begins as usual."""
    db = open_database(tmp_path / "x.sqlite3", V1)
    with pytest.raises(KeyboardInterrupt), transaction(db):
        db.execute("INSERT INTO items (name) VALUES ('half-done')")
        raise KeyboardInterrupt

    with transaction(db):
        db.execute("INSERT INTO items (name) VALUES ('next')")

    assert not db.in_transaction
    assert [r[0] for r in db.execute("SELECT name FROM items")] == ["next"]


@contextmanager
def ctrl_c_once_committed() -> Iterator[None]:
    """For the ``with`` block, a KeyboardInterrupt (as Ctrl-C raises it) in musictagger.db at the first instruction after
    a connection's transaction has ended, its COMMIT done: a trace function, for the instant a real Ctrl-C may land."""
    seen_open: set[int] = set()

    def at_each_instruction(frame: FrameType, event: str, _arg: object) -> object:
        connection = frame.f_locals.get("connection")
        if event == "opcode" and isinstance(connection, sqlite3.Connection):
            if connection.in_transaction:
                seen_open.add(id(connection))
            elif id(connection) in seen_open:
                raise KeyboardInterrupt  # and the trace function is removed
        return at_each_instruction

    def on_call(frame: FrameType, _event: str, _arg: object) -> object:
        if frame.f_code.co_filename != db_module.__file__:
            return None
        frame.f_trace_opcodes = True
        return at_each_instruction

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


def test_a_ctrl_c_just_after_a_migration_is_committed_is_a_ctrl_c_and_the_database_migrated(tmp_path: Path) -> None:
    """A Ctrl-C the instant a migration's COMMIT was done (``index`` stopped in its first second, as it made its new
    library index) rolled back a transaction there no longer was: SQLite's error "cannot rollback - no transaction is
    active" took the Ctrl-C's place, and the command ended with it, status 1, where it says 'interrupted'."""
    path = tmp_path / "x.sqlite3"
    with pytest.raises(KeyboardInterrupt), ctrl_c_once_committed():
        open_database(path, V2)

    reopened = open_database(path, V2)
    assert schema_version(reopened) == 2 and not reopened.in_transaction


def test_a_stop_in_a_migrations_python_function_is_a_stop_and_the_database_as_it_was(tmp_path: Path) -> None:
    """A Ctrl-C (here SIGTERM, taken as one) while a migration fills a column through a Python function, as the
    library's sort keys are filled (seconds at 100,000 tracks): ``sqlite3`` turns the KeyboardInterrupt raised in the
    function into "user-defined function raised exception", which ended the command, status 1, where it says
    'interrupted'.  The migration is rolled back, and the next opening makes it."""
    path = tmp_path / "x.sqlite3"
    with transaction(db := open_database(path, V1)):
        db.executemany("INSERT INTO items (name) VALUES (?)", [(f"item {i}",) for i in range(50)])
    db.close()
    calls: list[str] = []

    def colour(name: str) -> str:
        calls.append(name)
        if len(calls) == 10:
            os.kill(os.getpid(), signal.SIGTERM)  # handled at one of the calls after
        return name.upper()

    filled = (*V2, Migration("fill colour", "UPDATE items SET colour = colour(name);"))

    def functions(connection: sqlite3.Connection) -> None:
        connection.create_function("colour", 1, colour)

    with stopping_as_ctrl_c(), pytest.raises(KeyboardInterrupt):  # its handlers given back after
        open_database(path, filled, functions)

    assert 10 <= len(calls) < 50
    reopened = open_database(path, V1)
    assert schema_version(reopened) == 1 and not reopened.in_transaction
    reopened.close()
    migrated = open_database(path, filled, functions)
    assert [r[0] for r in migrated.execute("SELECT colour FROM items ORDER BY id")] == [f"ITEM {i}" for i in range(50)]


def test_a_transaction_inside_another_is_refused_and_the_outer_one_keeps_its_work(tmp_path: Path) -> None:
    db = open_database(tmp_path / "x.sqlite3", V1)
    with transaction(db):
        db.execute("INSERT INTO items (name) VALUES ('outer')")
        with pytest.raises(DatabaseError, match="already open"), transaction(db):
            pass
        db.execute("INSERT INTO items (name) VALUES ('outer-2')")

    assert [r[0] for r in db.execute("SELECT name FROM items ORDER BY id")] == ["outer", "outer-2"]


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    open_database(path, V2).close()
    with pytest.raises(DatabaseError, match="newer musictagger"):
        open_database(path, V1)
    assert schema_version(open_database(path, V2)) == 2


def test_a_damaged_file_is_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match=r"x\.sqlite3: .*damaged; move it aside"):
        open_database(path, V1)


@pytest.mark.parametrize("mount_point", [False, True], ids=["no-folder", "an-empty-mount-point"])
def test_a_reader_of_a_link_to_a_file_out_of_reach_is_told_it_cannot_open_it_not_that_it_is_empty(
    tmp_path: Path, mount_point: bool
) -> None:
    """A library.sqlite3 linked to a drive not mounted was read by a reader (``create=False``) as no file at all:
    `similar` said the index was empty, `index --status` 'none yet (`musictagger index DIR` makes it)'.  Where the
    drive's mount point is there, empty, SQLite made an empty database in it, and the index was said to be empty."""
    if mount_point:
        (tmp_path / "unmounted").mkdir()
    path = tmp_path / "x.sqlite3"
    path.symlink_to(tmp_path / "unmounted" / "x.sqlite3")
    with pytest.raises(DatabaseError, match=r"x\.sqlite3: cannot open the database \(a link to .*unmounted"):
        open_database(path, V1, create=False)
    assert not (tmp_path / "unmounted" / "x.sqlite3").exists()
    assert open_database(tmp_path / "y.sqlite3", V1, create=False) and not (tmp_path / "y.sqlite3").exists()


@pytest.mark.parametrize("statement", ["execute", "executescript"])
def test_a_file_damaged_past_its_first_page_is_a_readable_error_at_any_statement(
    tmp_path: Path, statement: str
) -> None:
    """SQLite finds damage only in the pages a statement reads, so such a file opens; a statement reading them is an
    error naming the file.  A script (the journal's incremental vacuum) went past it as `sqlite3.DatabaseError`."""
    path = tmp_path / "x.sqlite3"
    with transaction(db := open_database(path, V1)):
        db.executemany("INSERT INTO items (name) VALUES (?)", [(f"item {i}",) for i in range(2000)])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + bytes(range(256)) * ((len(data) - 4096) // 256))  # the first page holds the schema
    db = open_database(path, V1)

    with pytest.raises(DatabaseError, match=r"x\.sqlite3: database disk image is malformed: the file is damaged"):
        getattr(db, statement)("SELECT count(name) FROM items;")


def test_a_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = open_database(tmp_path / "x.sqlite3", V1)
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO items (name) VALUES ('lost')")
        raise RuntimeError("crash mid-write")
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0


def test_writers_in_several_threads_queue_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    open_database(path, V1).close()
    errors: list[BaseException] = []

    def write_many(worker: int) -> None:
        try:
            db = open_database(path, V1)
            for i in range(50):
                with transaction(db):
                    db.execute("INSERT INTO items (name) VALUES (?)", (f"{worker}-{i}",))
            db.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert open_database(path, V1).execute("SELECT COUNT(*) FROM items").fetchone()[0] == 200


def test_connections_opening_a_new_database_together_all_open_it(tmp_path: Path) -> None:
    """The first connection switches a new file to WAL, which needs the file to itself, and SQLite refused a second
    connection's switch at once with "database is locked", whatever the busy timeout: at a first start the window's
    Library tab and Music folders panel open the new index together, and one start in ten said it was locked."""
    failures = []
    for trial in range(200):  # the race is lost about one trial in thirty
        path = tmp_path / f"new-{trial}.sqlite3"
        together = threading.Barrier(3)

        def open_it(path: Path = path, together: threading.Barrier = together) -> None:
            together.wait()
            try:
                open_database(path, V2).close()
            except DatabaseError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


# Another program holding the database locked (as `sqlite3 LIB 'BEGIN EXCLUSIVE; …'` left open does) until its
# standard input closes.
HOLD_LOCKED = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_database_another_program_holds_locked_says_which_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any program may hold the library locked (the sqlite3 shell, a backup tool), and the message blamed 'another
    musictagger process'; it names the holder where Linux's table of locks tells it, and says what to do."""
    path = tmp_path / "x.sqlite3"
    open_database(path, V1).close()
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.2)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCKED, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DatabaseError) as raised, transaction(open_database(path, V1)):
            pass
        name = Path(f"/proc/{holder.pid}/comm").read_text(encoding="utf-8").strip() if sys.platform == "linux" else ""
    finally:
        holder.communicate("")
    who = f"{name} (process {holder.pid})" if name else "another program or process"
    assert str(raised.value).startswith(f"{path}: database is locked: {who}")
    assert str(raised.value).endswith("s; close that program or let it finish, then try again")


HELD_TO_THE_END = """import gc, sys
from pathlib import Path
from musictagger.db import ChangeWatcher, open_database, transaction
from tests.test_db import V2
path = Path(sys.argv[1])
open_database(path, V2).close()
held = [ChangeWatcher(path)]  # watching the database to the end, as the window's Music folders panel and matches do
with transaction(open_database(path, V2)) as writer:
    writer.execute("INSERT INTO items (name, colour) VALUES ('a.flac', 'red')")
writer.close()
held.append(held)
del held
gc.freeze()  # held as the window's are: by Qt, or in its start-up heap, which gc.freeze keeps from the collector
"""


def test_a_watcher_held_to_the_end_leaves_the_writes_in_the_database_file_itself(tmp_path: Path) -> None:
    """A watcher the program still held as it ended kept its connection, often the database's last, which alone
    moves the write-ahead log into the database and removes it: after every session with the window the library's
    log stayed beside it, holding the writes made meanwhile, which a copy of ``library.sqlite3`` alone lacked."""
    path = tmp_path / "library.sqlite3"
    subprocess.run([sys.executable, "-c", HELD_TO_THE_END, str(path)], check=True, cwd=Path(__file__).parents[1])
    assert not path.with_name("library.sqlite3-wal").exists()
    copy = tmp_path / "backup.sqlite3"
    copy.write_bytes(path.read_bytes())
    with contextlib.closing(sqlite3.connect(f"{copy.as_uri()}?immutable=1", uri=True)) as backup:
        assert backup.execute("SELECT name, colour FROM items").fetchall() == [("a.flac", "red")]


# Another program with the database open and idle, after a read, as a window beside the busy program keeps it: in WAL
# mode it holds read locks on the database and its -shm file until it closes.
HOLD_OPEN = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's table of file locks")
def test_a_locked_database_names_the_program_writing_not_one_that_only_has_it_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every connection in WAL mode holds read locks for as long as it is open, and such an idle reader was named
    beside the holder of the write lock ('python3 (process 11) and python3 (process 12) held it locked'), as if it
    kept the database busy too."""
    path = tmp_path / "x.sqlite3"
    open_database(path, V1).close()
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.2)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for code in (HOLD_OPEN, HOLD_LOCKED)
    ]
    reader, writer = children
    try:
        assert [child.stdout.readline() for child in children if child.stdout] == ["open\n", "held\n"]
        with pytest.raises(DatabaseError) as raised, transaction(open_database(path, V1)):
            pass
    finally:
        for child in children:
            child.communicate("")
    assert f"(process {writer.pid}) held it locked" in str(raised.value)
    assert f"process {reader.pid}" not in str(raised.value)

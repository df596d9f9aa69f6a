"""Write a file's label field (genre, mood, grouping) so that, whatever happens, it is either fully old or fully new.

The original is never written in place: its copy beside it (same folder, so same file system;
same mode, owner and timestamps) gets the new tags, is read back and checked — the genres are the
values asked for and the audio payload is byte-identical — then flushed to disk and moved over the
original with ``os.replace``, which is atomic.  On any failure the copy is deleted and the original
is as it was.  A process killed mid-write leaves at most a hidden ``.musictagger-PID-….tmp`` beside
the file, which :func:`remove_stale_copies` deletes on the next run.  The copy's name is short
whatever the file's (a legal name may already use all 255 bytes a folder entry allows): the
writer's process id, a hash of the file's name and a random part.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from stat import S_IMODE
from typing import BinaryIO

from musictagger.db import storable_name
from musictagger.disk import on_read_only_mount, unless_not_kept
from musictagger.errors import FileError, RefusedError, TagWriteError
from musictagger.presence import missing
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import Id3Version, WritableFormat
from musictagger.tagging.journal import process_alive
from musictagger.tagging.payload import audio_payload_digest

try:
    import fcntl
except ImportError:  # Windows: the OS itself refuses to replace a file another program holds open
    fcntl = None

TEMP_MARK = ".musictagger-"

BEING_WRITTEN = "is open for writing in another program (a download or a copy not finished?); left as it was"
"""The refusal of a file another program has open for writing (:func:`_being_written`)."""


def write_labels_atomically(
    path: Path,
    tag_format: WritableFormat,
    field: str,
    values: Sequence[str],
    id3_version: Id3Version | None,
    *,
    expected: Fingerprint,
    before_replace: Callable[[Fingerprint, Path], None],
    restoring: Fingerprint | None = None,
    rewrite: Callable[[Path], None] | None = None,
) -> Fingerprint:
    """Give ``path``'s label field ``field`` exactly ``values``, atomically; the fingerprint of the new file.

    ``expected`` is the fingerprint the file had when the change was planned: a file that differs
    from it, is read-only, is hard-linked or is locked by another process is left alone
    (RefusedError naming the file and why).  ``before_replace`` receives the new fingerprint and the new version
    (beside the original, which it may still read) before the original is replaced (the journal records it
    there).  ``restoring`` (an undo's) is the file as it was before the
    run: its size is given back where the tags' padding allows, and its modification time when its bytes
    come back as they were (the default keeps the size the file has).  ``rewrite`` gives the copy its new tags
    in place of ``tag_format.write_labels`` (an undo that puts back the bytes its run kept).  TagWriteError when
    the new tags do not verify.
    """
    with _exclusive_lock(path) as held:
        refusal = _refusal(path, expected) or _being_written(held)
        if refusal:
            raise RefusedError(path, refusal)
        payload = audio_payload_digest(path)
        temp = temporary_copy_path(path)
        try:
            _copy(path, temp)
            if rewrite is None:
                tag_format.write_labels(temp, field, values, id3_version, restoring=restoring)
            else:
                rewrite(temp)
            _verify(path, temp, tag_format, field, tuple(values), payload)
            _fsync(temp)
            after = Fingerprint.of(temp)
            if restoring and after.content == restoring.content:
                with unless_not_kept():  # as it was, modification time too
                    os.utime(temp, ns=(time.time_ns(), restoring.mtime_ns))
                after = Fingerprint.of(temp)
            before_replace(after, temp)
            if _stat_key(path) != (expected.size, expected.mtime_ns):
                raise RefusedError(path, "changed while its tags were being written; left as it was")
            if writer := _being_written(held):  # opened since, the download of a newer version
                raise RefusedError(path, writer)
            os.replace(temp, path)
        except OSError as exc:
            _discard(temp)
            raise TagWriteError(path, f"cannot replace it with its new version ({exc.strerror or exc})") from exc
        except BaseException:
            _discard(temp)
            raise
    _fsync_folder(path.parent)
    return after


def temporary_copy_path(path: Path) -> Path:
    """A new name for the copy of ``path`` beside it: ``.musictagger-PID-TIME-NAMEHASH-RANDOM.tmp``, 51 bytes, where
    ``TIME`` is the moment it is made (seconds since the epoch, hexadecimal): the writer ran then
    (:func:`remove_stale_copies`)."""
    name_hash = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:12]
    made = f"{int(time.time()):08x}"
    return path.with_name(f"{TEMP_MARK}{os.getpid()}-{made}-{name_hash}-{secrets.token_hex(4)}.tmp")


def remove_stale_copies_beside(paths: Iterable[Path]) -> list[Path]:
    """Delete the copies killed runs left beside these files (one look per folder); those deleted.

    Planning, applying and undoing all call it, so no command that works in a folder leaves them there.
    """
    return [temp for folder in {Path(path).resolve().parent for path in paths} for temp in remove_stale_copies(folder)]


def remove_stale_copies(folder: Path) -> list[Path]:
    """Delete temporary copies left in ``folder`` by musictagger processes that died; those deleted.

    Also finds the longer ``.NAME.musictagger-PID-….tmp`` names earlier releases gave them.
    """
    removed = []
    try:
        candidates = list(folder.glob(f".*{TEMP_MARK[1:]}*.tmp"))
    except OSError:  # an unreadable folder holds nothing we could delete anyway
        return removed
    for temp in candidates:
        writer = _writer(temp.name)
        if writer is not None and not process_alive(*writer):
            _discard(temp)
            removed.append(temp)
    return removed


def _writer(name: str) -> tuple[int, float | None] | None:
    """The process id that made the copy named ``name`` (:func:`temporary_copy_path`, or an undo's second copy of it,
    ``…-as-tagged.tmp``) and a moment it ran at (None in the names of earlier releases, which have none), or None for
    a name not of this form.  With the moment, a process that took the id
    of a killed writer since is told from it (:func:`~musictagger.tagging.journal.process_alive`): its copy, a whole
    song's size, stayed beside the file for as long as that process lived (for good, a system daemon's id after a
    restart)."""
    fields = name.rsplit(TEMP_MARK, 1)[-1].removesuffix(".tmp").split("-")
    if not fields[0].isdigit():
        return None
    try:  # TIME is 8 hexadecimal digits, NAMEHASH (of the earlier names) 12
        made = int(fields[1], 16) if len(fields) >= 4 and len(fields[1]) == 8 else None
    except ValueError:
        made = None
    return int(fields[0]), made


def _discard(temp: Path) -> None:
    """Delete a temporary copy; a copy that cannot be deleted is left to :func:`remove_stale_copies`,
    rather than hide the error that made it unwanted."""
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def unwritable_because(path: Path) -> str | None:
    """Why ``path`` cannot be given a new version (on a read-only mount, read-only, in a read-only folder, hard-linked,
    or named so that
    the journal cannot record it, and so the change could not be undone), or None.

    The plan asks it too, so that a preview does not promise a write the run would refuse.
    """
    named, path = path, Path(path).resolve()  # through symlinks, as the writer goes
    if not (storable_name(named) and storable_name(path)):
        return "its name is not UTF-8 text, which the tagging journal cannot record for an undo: rename it to tag it"
    try:
        stat = path.stat()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if on_read_only_mount(path.parent):
        return "is on a read-only file system (mounted read-only)"
    if not stat.st_mode & 0o222 or not os.access(path, os.W_OK):
        return "is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder is read-only, so no new version can be put beside it"
    if stat.st_nlink > 1:
        return f"has {stat.st_nlink} hard links, which replacing it would split"
    return None


def _refusal(path: Path, expected: Fingerprint) -> str | None:
    """Why ``path`` must not be replaced now, or None."""
    reason = unwritable_because(path)
    if reason is None and Fingerprint.of(path) != expected:
        reason = "changed since it was planned"
    return reason


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[BinaryIO | None]:
    """Hold an advisory lock on ``path``, open for reading (the file given to the block); RefusedError when another
    process (another run) holds one, or when the file is no longer there, FileError when it cannot be opened.

    Without ``fcntl`` (Windows) nothing is held open, since Windows would then refuse the replace.
    """
    if fcntl is None:
        yield None
        return
    try:
        handle = open(path, "rb")  # noqa: SIM115 - held for the whole block
    except FileNotFoundError as exc:  # a change since the plan, as another program's new tags are: skipped
        raise RefusedError(path, _gone_because(path)) from exc
    except OSError as exc:
        raise FileError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RefusedError(path, "is locked by another process") from exc
        yield handle


def _being_written(held: BinaryIO | None) -> str | None:
    """Why the file ``held`` open for reading must not be replaced now: another program has it open for writing (a
    download, a copy or a recording still going on), which Linux refuses a read lease for, or opens it so while the
    lease is held; None when none has, or where that cannot be told (Windows, which refuses the replace itself; macOS
    and the BSDs, which have no leases; a file of another owner; a file system without leases, as NFS and FUSE).

    Replaced, the file the writer holds has no name any more, and all it wrote after went with it: a download that
    went on while it was tagged ended as the part it had reached, with the genre.  The lease is let go at once.  A
    writer opening the file while it is held makes Linux signal this process, SIGIO unless told otherwise, whose
    default ends it, and ``tag`` in the window runs in a worker thread, where no handler can be set: so the lease's
    signal is SIGURG, whose default is to be ignored and which nothing in musictagger, Python or Qt handles."""
    if held is None or not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        fcntl.fcntl(held, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(held, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return BEING_WRITTEN if exc.errno == errno.EAGAIN else None
    try:
        broken = fcntl.fcntl(held, fcntl.F_GETLEASE) != fcntl.F_RDLCK  # a writer came while it was held
    finally:
        fcntl.fcntl(held, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return BEING_WRITTEN if broken else None


def _gone_because(path: Path) -> str:
    """Why ``path``, gone since it was planned, is not written: with its folder gone too, as a drive unplugged while the
    run wrote leaves each file still to write, the words say so, where they said each was moved, renamed or deleted."""
    if missing(path.parent):
        return f"is no longer there, nor is its folder {path.parent} (the drive unplugged?)"
    return "is no longer there (moved, renamed or deleted since it was planned)"


def _copy(source: Path, temp: Path) -> None:
    """Copy content, timestamps, extended attributes, permissions and (when allowed) owner, so the new version replaces
    it faithfully.

    A file system that keeps no permissions or owners of its own (FAT through FUSE; gvfs's shares and phones) refuses
    to set them: every file failed, `cannot make a copy beside it (Function not implemented)`.  The copy has then
    what the file system gives every file, the original's too: the permissions are checked, and a copy that cannot
    be given them fails the file, saying so.
    """
    try:
        shutil.copyfile(source, temp)
    except OSError as exc:
        raise TagWriteError(source, f"cannot make a copy beside it ({exc.strerror or exc})") from exc
    stat = source.stat()
    if hasattr(os, "chown"):  # not on Windows
        with unless_not_kept():  # only root may give files away
            os.chown(temp, stat.st_uid, stat.st_gid)
    with unless_not_kept():
        shutil.copystat(source, temp)
    mode = S_IMODE(stat.st_mode)
    if S_IMODE(temp.stat().st_mode) != mode:  # copystat stopped at the times the file system would not set
        with unless_not_kept():
            os.chmod(temp, mode)
        if S_IMODE(temp.stat().st_mode) != mode:
            reason = f"this file system will not give its new version its permissions ({mode:o}); left as it was"
            raise TagWriteError(source, reason)


def _verify(
    path: Path, temp: Path, tag_format: WritableFormat, field: str, values: tuple[str, ...], payload: str
) -> None:
    """The copy reads back with ``values`` in ``field`` and carries exactly the original's audio."""
    written = tag_format.read_labels(temp, field)
    if written != values:
        raise TagWriteError(
            path, f"its new {field} tags read back as {list(written)}, not {list(values)}; left as it was"
        )
    try:
        changed = audio_payload_digest(temp) != payload
    except FileError as exc:  # the writer left a container the check cannot walk
        reason = f"writing the tags would have damaged the file; left as it was (the copy written: {exc.reason})"
        raise TagWriteError(path, reason) from exc
    if changed:
        raise TagWriteError(path, "writing the tags would have changed the audio data; left as it was")


def _stat_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _fsync(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX) where the folder lets itself be synced; folders cannot be opened for syncing on
    Windows.

    The file is replaced by then: a folder that refuses (some FUSE and network mounts, a folder one may write but not
    read) leaves the rename to be written in the system's own time, rather than call the written file failed, which
    left its journal entry so and its undo restoring nothing.
    """
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

"""Apply a plan: journal each file, then write it atomically; report what happened to each.

Every file to write is journalled *before* it is touched (see ``journal``), written with
``atomic.write_labels_atomically`` (fully old or fully new, audio verified byte-identical), and the
batch goes on past any file that is read-only, locked, changed since it was planned or fails to
write.  ``should_stop()`` is asked between files: a cancelled run stops cleanly, never mid-file.  A journal that
cannot be written (its disk full or read-only) stops the run there: no file is touched that it could not record.
Ctrl-C (SIGTERM, SIGHUP) stops the run at once, but for a file being replaced: that one is journalled and counted
first (:func:`go_through`), for ``tag`` and ``undo`` alike.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from musictagger.errors import DatabaseError, RefusedError, TagWriteError
from musictagger.interrupts import interrupt_held_from_mark
from musictagger.tagging.atomic import remove_stale_copies_beside, write_labels_atomically
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import Id3Version, WritableFormat
from musictagger.tagging.journal import EntrySource, EntryState, Journal, RunStatus
from musictagger.tagging.kept_bytes import KeptBytes, changed_bytes, undo_gives_back
from musictagger.tagging.plan import Action, Plan, PlanItem, ProgressCallback, reason_of, revision_written


@dataclass(frozen=True)
class Outcome:
    """What became of one file: ``written``, ``restored``, ``skipped`` or ``failed``, and why."""

    path: Path
    status: str
    reason: str = ""


@dataclass
class RunReport:
    """The files a run (tagging or undo) handled, in order."""

    run_id: int | None
    """None when there was nothing to do."""
    outcomes: list[Outcome] = field(default_factory=list)
    cancelled: bool = False
    interrupted: bool = False
    """Ctrl-C (SIGTERM, SIGHUP) stopped the run between files (the journal says so too), or once they were done, as
    its end was recorded or the library index told (:attr:`index_problem` then says so)."""
    reached: int = 0
    """The files the run went through: those of its outcomes, and an undo's files found never written."""
    stopped: str = ""
    """Why the run stopped before its last file on its own (the journal could not be written), or empty."""
    index_problem: str = ""
    """Why the library index could not take the tags the run wrote (:func:`~musictagger.tagging.index_sync.
    update_library_index`), or empty: a warning, as the files are written and journalled all the same."""

    def counts(self) -> Counter[str]:
        """Files per status."""
        return Counter(outcome.status for outcome in self.outcomes)

    def stopped_text(self, total: int) -> str:
        """`` (interrupted: 27 not reached)`` for a run of ``total`` files that stopped before its last (cancelled,
        interrupted or stopped on its own), else nothing: how ``tag``'s and ``undo``'s last lines end."""
        why = (("cancelled", self.cancelled), ("interrupted", self.interrupted), ("stopped", bool(self.stopped)))
        stopped = next((word for word, stopped_so in why if stopped_so), "")
        return f" ({stopped}: {total - self.reached} not reached)" if stopped else ""


class _File(Protocol):
    """A file a run goes through: a plan's item, or the journal entry of one an undo restores."""

    path: Path


_FileT = TypeVar("_FileT", bound=_File)


def apply_plan(
    plan: Plan,
    journal: Journal,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunReport:
    """Write every ``write`` item of ``plan``; a report with one outcome per file attempted.

    A plan with nothing to write makes no run (the report has no run id), so that ``undo`` still
    means the last run that changed something.  Ctrl-C (a KeyboardInterrupt) ends the run like a
    cancel, with the report of the files done: each is fully old or fully new, and the caller still
    has to tell the library what was written.
    """
    items = [item for item in plan.items if item.action is Action.WRITE]
    if not items:
        return RunReport(None)
    run_id = journal.start_run("tag", mode=plan.mode, min_confidence=plan.min_confidence, id3_version=plan.id3_version)
    return go_through(
        journal,
        RunReport(run_id),
        items,
        lambda item, hold_stop: _apply_item(journal, run_id, plan, item, hold_stop),
        on_progress=on_progress,
        should_stop=should_stop,
    )


def go_through(
    journal: Journal,
    report: RunReport,
    files: Sequence[_FileT],
    handle: Callable[[_FileT, Callable[[], None]], Outcome | None],
    *,
    on_progress: ProgressCallback | None,
    should_stop: Callable[[], bool] | None,
) -> RunReport:
    """Go through ``files`` in run ``report.run_id`` (``tag``'s and ``undo``'s), each outcome ``handle`` gives (None:
    none to say) into ``report``, until the last, a cancel, Ctrl-C or a journal that cannot be written; then record
    how the run ended: ``report``.  The copies killed runs left beside them are deleted first.

    ``handle`` is given a function to call once it journalled the new version of its file and is about to replace it
    (:func:`journalled_write`): a stop from then on waits for the file's journal entry and outcome.  A Ctrl-C there
    left a file changed that the report did not count ('1 written' for two), that the journal held as planned and
    the library index (told from it) as it was, and an undo's run entry not restored.  Before that moment, the file
    still as it was, a stop comes at once.  A stop while the run's end is recorded (its kept bytes bound) leaves the
    report whole, for the caller to tell the index and the user."""
    status = RunStatus.INTERRUPTED
    try:
        remove_stale_copies_beside(file.path for file in files)
        for done, file in enumerate(files, start=1):
            if should_stop and should_stop():
                report.cancelled = True
                break
            with interrupt_held_from_mark() as hold_stop:
                outcome = handle(file, hold_stop)
                if outcome is not None:
                    report.outcomes.append(outcome)
                report.reached = done
            if on_progress:
                on_progress(done, len(files), file.path)
        status = RunStatus.CANCELLED if report.cancelled else RunStatus.FINISHED
    except KeyboardInterrupt:
        report.interrupted = True
    except DatabaseError as exc:
        report.stopped = _journal_unwritable(exc)
    finally:
        try:
            _finish_run(journal, report.run_id, status)
        except KeyboardInterrupt:
            report.interrupted = True
    return report


def _journal_unwritable(exc: DatabaseError) -> str:
    """Why a run stopped when its journal could not be written (``exc``): the files after it were left as they were,
    since a change the journal cannot record could not be undone."""
    return f"the tagging journal cannot be written ({exc}), so the files not reached were left as they were"


def _finish_run(journal: Journal, run_id: int, status: RunStatus) -> None:
    """:meth:`Journal.finish_run`, past a journal that cannot be written (its disk full or read-only), whose run is
    then listed as interrupted once this process ends: its files are journalled all the same."""
    with contextlib.suppress(DatabaseError):
        journal.finish_run(run_id, status)


def _apply_item(journal: Journal, run_id: int, plan: Plan, item: PlanItem, hold_stop: Callable[[], None]) -> Outcome:
    assert item.tag_format is not None and item.fingerprint is not None  # a write item has both
    source = EntrySource.USER if item.corrected else EntrySource.MODEL
    written_in = revision_written(plan.id3_version, item.id3_version)
    change = Change(item.current, item.proposed, item.fingerprint, item.id3_version, written_in, source, plan.field)
    return journalled_write(journal, run_id, item.path, item.tag_format, change, hold_stop=hold_stop)


@dataclass(frozen=True)
class Change:
    """One file's ``field`` from values ``old`` to ``new``, planned when the file had fingerprint ``before``."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    before: Fingerprint
    old_id3_version: Id3Version | None
    id3_version: Id3Version | None
    """The ID3v2 revision to write (for ID3 files); None keeps an ID3v1-only file so (an undo)."""
    source: EntrySource = EntrySource.MODEL
    """Who chose ``new`` (journalled with the entry)."""
    field: str = "genre"
    """The tag field changed (journalled with the entry, so that undo restores that one)."""
    restoring: Fingerprint | None = None
    """For an undo: the file as it was before the run, whose size the tags' padding is chosen to give back
    (and whose modification time, when the bytes come back too)."""
    kept: KeptBytes | None = None
    """For an undo: the bytes the run changed in the file, as they were, put back instead of writing ``new``."""


def journalled_write(
    journal: Journal,
    run_id: int,
    path: Path,
    tag_format: WritableFormat,
    change: Change,
    *,
    hold_stop: Callable[[], None],
    restores: int | None = None,
) -> Outcome:
    """Journal ``change`` as planned, write it atomically, journal the result: the outcome.

    A tagging run's entry keeps the bytes the new version changes, as they were, where its undo's writer could not
    give them back (:func:`~musictagger.tagging.kept_bytes.undo_gives_back`), journalled before the file is replaced.
    ``restores`` is the entry an undo run is restoring; a file it writes without giving back the bytes it had before
    the run (:func:`not_as_it_was`) is written with the reason.  ``hold_stop`` is called once the new version is
    journalled, as the original is about to be replaced (:func:`go_through`).
    """
    entry = journal.add_entry(
        run_id,
        path,
        old=change.old,
        new=change.new,
        before=change.before,
        old_id3_version=change.old_id3_version,
        restores=restores,
        source=change.source,
        field=change.field,
    )
    target = path.resolve()  # through symlinks: the link stays, its target gets the tags

    def before_replace(after: Fingerprint, new_version: Path) -> None:
        keep = restores is None and not undo_gives_back(tag_format, target, new_version, change.field, change.old)
        journal.set_after(entry, after, changed_bytes(target, new_version) if keep else None)
        hold_stop()

    def put_back(copy: Path) -> None:
        assert change.kept is not None and change.restoring is not None
        if change.kept.put_back(target, copy) != change.restoring.sha256:
            raise TagWriteError(path, "the bytes the journal kept of it do not give back the file it was")

    try:
        after = write_labels_atomically(
            target,
            tag_format,
            change.field,
            change.new,
            change.id3_version,
            expected=change.before,
            before_replace=before_replace,
            restoring=change.restoring,
            rewrite=put_back if change.kept else None,
        )
    except Exception as exc:  # a bug met on this file too (reason_of): the run goes on, the file as it was
        state = EntryState.SKIPPED if isinstance(exc, RefusedError) else EntryState.FAILED
        reason = (
            f"the tagging journal cannot record its change ({exc}); left as it was"
            if isinstance(exc, DatabaseError)
            else reason_of(exc, path)
        )
        journal.set_state(entry, state, reason)
        return Outcome(path, str(state), reason)
    differs = not_as_it_was(after, change.restoring, change.field) if change.restoring else ""
    journal.set_state(entry, EntryState.WRITTEN, differs or None)
    return Outcome(path, "written", differs)


def not_as_it_was(after: Fingerprint, before: Fingerprint, field: str) -> str:
    """Why a file an undo wrote (``after``) is not the file it was before the run (``before``), byte for byte, as a
    checksum manifest would see it; empty when it is.  Said rather than left to be found: the writers give the bytes
    back where they can find the form the file's tags had, and a file whose form they cannot find gets the old values
    alone."""
    if after.content == before.content:
        return ""
    length = after.size - before.size
    how = f"{abs(length)} bytes {'longer' if length > 0 else 'shorter'}" if length else "the same length, other bytes"
    return f"its old {field} values are back, but it is not byte for byte as before the run ({how})"

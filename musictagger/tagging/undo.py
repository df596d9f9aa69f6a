"""Undo a tagging run: give each of its files back the old values of the field it wrote (genres, or a personal
model's moods …), only where nobody touched it since.

A file is restored only when it holds exactly what the run left in it: its size and SHA-256 equal the
journalled "after" fingerprint's, or those an undo of a later run gave it when that later run had
found it as this run left it (so runs undone newest first all come back).  Its modification time
alone may differ: a ``touch``, or a copy back from a backup, changes nothing in it.  Otherwise it is reported as changed since the run and left alone.
Restoring goes through the same journalled atomic write as tagging, into the ID3 revision the file
had and into the field its journal entry names (no other), and an empty old value removes that field; or, where the
run kept the bytes it changed (:mod:`~musictagger.tagging.kept_bytes`) and the file holds exactly what the run left,
by putting them back, checked against the file's SHA-256 before the run (else the old values are written, saying why
the bytes are not back: past the cap, dropped with an older run's, or not for the file as it is).
A file is known by its path, and one moved or renamed since the run by the library index's record of the move
(:mod:`~musictagger.tagging.moves`): restored at its new place where it holds what the run left; else reported as no
longer there, saying how ``index`` lets the undo find it (the others are restored).
The undo is itself a run in the journal and marks the entries it restored, so undoing twice restores
nothing twice; a killed undo is finished by the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from musictagger.errors import MusictaggerError
from musictagger.presence import as_listed, forget_listings, missing
from musictagger.tagging.apply import Change, Outcome, RunReport, go_through, journalled_write
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import detect
from musictagger.tagging.journal import UNDOABLE, Entry, EntryState, Journal, Run, RunStatus
from musictagger.tagging.kept_bytes import KEPT_BYTES_CAP, KeptBytes
from musictagger.tagging.moves import IndexedMoves
from musictagger.tagging.plan import ProgressCallback, reason_of


def undo(
    journal: Journal,
    run_id: int | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunReport:
    """Restore the files of tagging run ``run_id`` (default: the latest); a report per file.

    The report has no run id (and no outcomes) when nothing was left to restore.  Ctrl-C (a KeyboardInterrupt) ends
    the run as in :func:`~musictagger.tagging.apply.apply_plan`, with the report of the files done: the caller still
    has to tell the library what was restored (it went out of the undo, and the library index kept the run's values
    for the files restored until the next ``index``).
    """
    target = run_to_undo(journal, run_id)
    entries = [entry for entry in journal.entries(target.id) if entry.state in UNDOABLE]
    if not entries:
        return RunReport(None)
    forget_listings()  # the files as they are now, renamed since the run perhaps (in the window, a moment ago)
    run_id = journal.start_run("undo", undoes=target.id)
    moves = IndexedMoves()
    return go_through(
        journal,
        RunReport(run_id),
        entries,
        lambda entry, hold_stop: _restore(journal, run_id, target, entry, moves, hold_stop),
        on_progress=on_progress,
        should_stop=should_stop,
    )


def run_to_undo(journal: Journal, run_id: int | None) -> Run:
    """The tagging run ``run_id`` (default: the latest), or a MusictaggerError saying why there is none."""
    run = journal.latest_tag_run() if run_id is None else journal.run(run_id)
    if run is None:
        wanted = "no tagging run that changed files" if run_id is None else f"no run {run_id}"
        raise MusictaggerError(f"nothing to undo: {wanted} in the journal {journal.path}")
    if run.kind != "tag":
        raise MusictaggerError(f"run {run.id} is the undo of run {run.undoes}; only tagging runs can be undone")
    if run.status is RunStatus.RUNNING:
        raise MusictaggerError(f"run {run.id} is still running; wait for it or stop it first")
    return run


def _restore(
    journal: Journal, undo_run: int, target: Run, entry: Entry, moves: IndexedMoves, hold_stop: Callable[[], None]
) -> Outcome | None:
    """Restore one file, where the run left it or where the library index followed it since (``moves``); None when
    the run never changed it after all (it was stopped first).  ``hold_stop``: :func:`~musictagger.tagging.apply.
    journalled_write`'s, so that a stop once the file is being replaced waits for its entry to be marked restored."""
    path = entry.path
    if entry.state is EntryState.PLANNED and entry.after is None:  # stopped before its copy was ready
        journal.set_state(entry.id, EntryState.SKIPPED, f"never written: run {target.id} stopped first")
        return None
    if missing(path):  # its bytes, checked below as at its old place, say whether it is the file the run left
        renamed = Path(as_listed(str(path)))  # in other case, on a drive that finds it so (FAT, exFAT)
        moved = renamed if renamed != path else moves.moved_to(path, entry.after) if entry.after else None
        if moved is None:
            return _not_restored(journal, entry, _gone_because(path, target))
        path = moved

    def not_restored(reason: str) -> Outcome:
        """Why the file is not restored, saying where it is now when it moved."""
        where = f"moved to {path}; " if path != entry.path else ""
        return _not_restored(journal, entry, where + reason)

    try:
        current = Fingerprint.of(path)
    except Exception as exc:  # a bug met on this file too (reason_of): the others are restored
        return not_restored(reason_of(exc, path))
    if current.content not in _contents_left_by(journal, entry):
        if any(
            attempt.after and attempt.after.content == current.content for attempt in journal.restore_attempts(entry.id)
        ):
            journal.set_state(entry.id, EntryState.RESTORED)  # an undo was killed after replacing it
            return Outcome(path, "restored")
        if entry.state is EntryState.PLANNED and entry.before.content == current.content:  # stopped before replacing it
            journal.set_state(entry.id, EntryState.SKIPPED, f"never written: run {target.id} stopped first")
            return None
        return not_restored(_changed_since(journal, path, target, entry, current))
    try:
        tag_format = detect(path)
        id3_version_now = tag_format.read_id3_version(path)
    except Exception as exc:  # a bug met on this file too (reason_of): the others are restored
        return not_restored(reason_of(exc, path))
    kept, unkept = _kept_bytes(journal, target, entry, current)
    change = Change(
        entry.new_genres,
        entry.old_genres,
        current,
        id3_version_now,
        entry.old_id3_version,
        field=entry.field,
        restoring=entry.before,
        kept=kept,
    )
    outcome = journalled_write(journal, undo_run, path, tag_format, change, hold_stop=hold_stop, restores=entry.id)
    if kept is not None and outcome.status == "failed":  # they did not give it back: its old values, as before
        unkept = outcome.reason
        outcome = journalled_write(
            journal, undo_run, path, tag_format, replace(change, kept=None), hold_stop=hold_stop, restores=entry.id
        )
    if outcome.status != "written":
        return not_restored(outcome.reason)
    reason = f"{outcome.reason}; {unkept}" if outcome.reason and unkept else outcome.reason
    journal.set_state(entry.id, EntryState.RESTORED, reason or None)  # not byte for byte: says so, and why
    return Outcome(path, "restored", reason)


def _changed_since(journal: Journal, path: Path, target: Run, entry: Entry, current: Fingerprint) -> str:
    """Why ``path``, a file of run ``target``, is left alone, having changed since (it holds ``current``), with what
    its user needs to get its field back: the later tagging runs that left it so, to be undone first; else, for setting
    it by hand, the values it had before the run, and whether it still holds those the run wrote (another program
    changed its other tags or its audio) or others (retagged since)."""
    changed = f"changed since run {target.id}"
    if later := _later_runs(journal, entry, current):  # later tagging runs left it as it is
        by = f"run {later[0]}" if len(later) == 1 else "runs " + ", ".join(str(run) for run in reversed(later))
        undos = ", ".join(f"`musictagger undo {run}`" for run in later)
        return f"{changed} by {by}: {undos} first, then `musictagger undo {target.id}`"
    try:
        now = detect(path).read_labels(path, entry.field)
    except MusictaggerError:  # unreadable now: the change said alone
        return changed
    before, wrote = "; ".join(entry.old_genres) or "none", "; ".join(entry.new_genres) or "none"
    if tuple(now) == tuple(entry.new_genres):
        return f"{changed}, its {entry.field} still {wrote} as that run wrote it (before: {before}): set it by hand"
    return f"{changed}, its {entry.field} too ({'; '.join(now) or 'none'} now; that run wrote {wrote} over {before})"


def _later_runs(journal: Journal, entry: Entry, current: Fingerprint) -> list[int]:
    """The later tagging runs that left ``entry``'s file as it is (``current``), newest first, each having found it
    as the one before it left it, the first as ``entry``'s run did: undone in that order, they let ``entry``'s undo
    give it back.  Empty where another program changed it between two of them (their undos would not give back what
    ``entry``'s run left), or no later run left it so."""
    runs, left = [], _contents_left_by(journal, entry)
    for later in journal.entries_after(entry):
        if later.restores is None and later.state in UNDOABLE and later.before.content in left:
            runs.append(later.run_id)
            left = _contents_left_by(journal, later)
    return runs[::-1] if runs and current.content in left else []


def _gone_because(path: Path, target: Run) -> str:
    """Why ``path``, a file of run ``target``, is not restored, being gone: with its folder gone too, as a drive unplugged
    since leaves it, the same undo restores it once the drive is back, where it was said to be deleted."""
    if missing(path.parent):
        return (
            f"is no longer there, nor is its folder {path.parent} (a drive not mounted?): "
            f"`musictagger undo {target.id}` restores it once it is back"
        )
    return (
        f"is no longer there (moved, renamed or deleted since run {target.id}); moved, it is restored where it is"
        f" now by `musictagger undo {target.id}` once `musictagger index` has found it there"
    )


def _kept_bytes(journal: Journal, target: Run, entry: Entry, current: Fingerprint) -> tuple[KeptBytes | None, str]:
    """The bytes run ``target`` kept of ``entry``'s file, as it was (:mod:`~musictagger.tagging.kept_bytes`), when they
    can be put back into it as it is now (``current``); else None and why they cannot (empty when it kept none)."""
    try:
        kept = journal.kept_bytes(entry.id)
    except ValueError as exc:
        return None, f"the bytes run {target.id} kept of it are damaged in the journal ({exc})"
    if kept is None:
        return None, _made_before_bytes_were_kept(journal, target)
    if kept.dropped:
        return None, (
            f"the journal no longer keeps the {kept.size:,} bytes of its tag run {target.id} changed: it keeps the latest"
            f" runs' alone (the newest's, and up to {journal.kept_bytes_budget >> 20} MiB of those before)"
        )
    if kept.patches is None:
        return None, (
            f"run {target.id} did not keep the {kept.size:,} bytes of its tag it changed, more than the"
            f" {KEPT_BYTES_CAP >> 20} MiB the journal keeps of a file"
        )
    if entry.after is None or current.content != entry.after.content:
        return (
            None,
            f"the bytes run {target.id} kept of it are for the file as that run left it, not as an undo of a later run did",
        )
    return kept, ""


def _made_before_bytes_were_kept(journal: Journal, target: Run) -> str:
    """Why run ``target`` kept no bytes of a file: it was made before the journal kept any, by an earlier release,
    whose writer may have changed more than the values (the undo says so where the file is not back byte for byte);
    empty for a run that needed none."""
    if target.started_at >= journal.keeps_bytes_since():
        return ""
    return f"run {target.id} was made by an earlier release of musictagger, whose journal kept none of the bytes it changed"


def _contents_left_by(journal: Journal, entry: Entry) -> set[tuple[int, str]]:
    """What ``entry``'s file holds (:attr:`Fingerprint.content`) while it is still as its run left it, as far as
    the journal knows; its modification time is not asked (a ``touch`` changes nothing in it).

    Its own "after"; and, for each later run that started from such a content and whose undo restored
    the file, the content that undo wrote (the same tags, perhaps other padding).
    """
    contents = {entry.after.content} if entry.after else set()
    later = journal.entries_after(entry)
    started_from = {e.id: e.before.content for e in later}
    for undone in later:
        if undone.restores in started_from and started_from[undone.restores] in contents and undone.after:
            contents.add(undone.after.content)
    return contents


def _not_restored(journal: Journal, entry: Entry, reason: str) -> Outcome:
    journal.set_state(entry.id, EntryState.RESTORE_SKIPPED, reason)
    return Outcome(entry.path, "skipped", reason)

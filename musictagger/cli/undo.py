"""``musictagger undo [RUN]``: give the files of a tagging run back the old values of the field it wrote
(genres, or a personal model's moods …); ``--list`` the runs and the bytes the journal keeps for them (``--json``:
as one JSON document, for a script); ``--forget-before RUN`` the older runs, to shrink the journal.

Only files exactly as the run left them are restored; the others are reported with the reason, and so is a file
restored with its old values whose bytes did not come back as they were.
The library index learns the restored tags, as after a tagging run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from musictagger.cli.json_fields import document, file_name, moment
from musictagger.cli.lines import path_line, wrap
from musictagger.cli.progress import progress_bar
from musictagger.cli.table import format_table
from musictagger.errors import MusictaggerError
from musictagger.interrupts import stopped_status
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import EntryState, Journal, Run, RunStatus
from musictagger.tagging.undo import run_to_undo, undo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("undo", help="restore the tags a tagging run replaced (default: the latest)")
    parser.add_argument("run_id", nargs="?", type=int, metavar="RUN", help="the run to undo (see --list)")
    actions = parser.add_mutually_exclusive_group()
    actions.add_argument(
        "--list", action="store_true", help="show the recent tagging and undo runs, and the bytes kept for them"
    )
    actions.add_argument(
        "--forget-before",
        type=int,
        metavar="RUN",
        help="forget the runs before RUN (and their undos), which can then no longer be undone, to shrink the journal",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --list: the runs as one JSON document (its keys: README, 'Command line')",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.forget_before is not None and args.run_id is not None:
        raise MusictaggerError("give either a run to undo or --forget-before RUN, not both")
    if args.json and not args.list:
        raise MusictaggerError("--json lists the runs: give it with --list")
    with Journal(create=False) as journal:  # none yet: nothing to list, undo or forget
        if args.list:
            runs = journal.runs()
            if args.json:
                print(document(runs_document(journal, runs)))
                return 0
            print(format_runs(runs))
            if any(r.kept or r.dropped for r in runs):
                print(wrap(_kept_note(journal)))
            return 0
        if args.forget_before is not None:
            print(wrap(_forget(journal, args.forget_before)))
            return 0
        target = run_to_undo(journal, args.run_id)
        total = target.counts.get("written", 0) + target.counts.get("planned", 0)
        with progress_bar(
            total=total, desc="restoring", unit="file", leave=False, disable=True if not total else None
        ) as bar:
            report = undo(journal, target.id, on_progress=lambda done, _total, _path: bar.update(done - bar.n))
        update_library_index(journal, report)
        if report.run_id is None:
            print(wrap(f"run {target.id}: nothing left to restore{_earlier_hint(journal, target.id)}"))
            return 0
    counts = report.counts()
    for outcome in report.outcomes:
        if outcome.status != "restored":
            print(path_line("not restored", outcome.path, outcome.reason), file=sys.stderr)
        elif outcome.reason:  # its old values back, not its bytes
            print(path_line("restored", outcome.path, outcome.reason), file=sys.stderr)
    if report.stopped:
        print(wrap(f"error: {report.stopped}"), file=sys.stderr)
    other_bytes = sum(outcome.status == "restored" and bool(outcome.reason) for outcome in report.outcomes)
    print(
        wrap(
            f"undo of run {target.id} (run {report.run_id}): {counts['restored']} restored"
            + (f" ({other_bytes} not byte for byte)" if other_bytes else "")
            + f", {counts['skipped'] + counts['failed']} not restored"
            + report.stopped_text(total)
        )
    )
    if report.index_problem:
        print(wrap(f"warning: {report.index_problem}"), file=sys.stderr)
    if report.interrupted:
        print(
            wrap("interrupted: the files restored so far keep their old tags; run the same command to go on"),
            file=sys.stderr,
        )
        return stopped_status()
    return 1 if counts["skipped"] or counts["failed"] or report.stopped else 0


def _earlier_hint(journal: Journal, undone: int) -> str:
    """``; run 27 (…) still has 1 file it wrote: `musictagger undo 27``` when an older run does, else nothing.

    A plain ``undo`` undoes the latest run only: stepping back on its own through older runs would undo
    one the user meant to keep on a second, accidental ``undo``."""
    found = journal.earlier_run_to_undo(undone)
    if found is None:
        return ""
    earlier, files = found
    started = datetime.fromtimestamp(earlier.started_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"; run {earlier.id} ({started}, {earlier.status}) still has {files} file{'s' * (files != 1)} "
        f"it wrote: `musictagger undo {earlier.id}`"
    )


def _forget(journal: Journal, before: int) -> str:
    """Forget the runs before run ``before`` (:meth:`Journal.forget_runs_before`); what was forgotten, and the journal's
    size before and after."""
    if journal.run(before) is None:
        raise MusictaggerError(f"no run {before} in the journal {journal.path}")
    size = journal.size()
    forgotten = journal.forget_runs_before(before)
    if not forgotten:
        return f"nothing to forget: run {before} is the first in the journal"
    return (
        f"forgot {len(forgotten)} run{'s' * (len(forgotten) != 1)} ({_run_ids(forgotten)}), which can no longer be"
        f" undone; the journal takes {byte_size(journal.size())} (it took {byte_size(size)})"
    )


def _run_ids(ids: list[int]) -> str:
    """``1-4, 6``: run ids, in order, a range for each unbroken stretch."""
    stretches: list[list[int]] = []
    for run_id in ids:
        if stretches and stretches[-1][-1] == run_id - 1:
            stretches[-1].append(run_id)
        else:
            stretches.append([run_id])
    return ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]}-{s[-1]}" for s in stretches)


def _kept_note(journal: Journal) -> str:
    """What the run list's ``kept`` column means, how it is bounded, and the journal's size."""
    return (
        "kept: the bytes of tags the journal keeps so that undo gives the files back byte for byte: the newest run's,"
        f" and older runs' up to {byte_size(journal.kept_bytes_budget)} (past that dropped: their undo restores the"
        f" values alone). The journal takes {byte_size(journal.size())}; `musictagger undo --forget-before RUN`"
        " forgets older runs"
    )


def byte_size(count: int) -> str:
    """``512 bytes``, ``9.8 KiB``, ``545 KiB``, ``1.9 MiB``: a number of bytes in the binary units the journal's cap and
    budget are given in, to two or three digits."""
    size, unit = float(count), "bytes"
    for larger in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    return f"{size:.0f} {unit}" if unit == "bytes" or size >= 10 else f"{size:.1f} {unit}"


STATE_WORDS = {EntryState.RESTORE_SKIPPED: "not restored"}
"""The files column's word for an entry state, where the journal's own is not the one ``undo`` prints."""


def format_runs(runs: list[Run]) -> str:
    """The runs as a table, newest first, one line each within 80 columns: an undo run's mode is ``undo of N``
    (the settings are a tagging run's), the start to the minute (as ``dnf history``), and a run that did not
    finish says so after its files (``5 written, 3 planned (interrupted)``, as tag's last line does).  With a
    column each for the kind, the seconds and the status, the list was 83-87 columns wide.  Where a run keeps bytes
    for its undo or dropped them (:attr:`Run.kept`, :attr:`Run.dropped`), a ``kept`` column before the files says how
    many (``1.9 MiB``) or ``dropped``; a journal without any has no such column."""
    kept = any(r.kept or r.dropped for r in runs)
    header = ("run", "started", "field", "mode", "min", "ID3", *(("kept",) if kept else ()), "files")
    rows = [
        (
            str(r.id),
            datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M"),
            ", ".join(r.fields),
            f"undo of {r.undoes}" if r.undoes is not None else r.mode or r.kind,
            "" if r.min_confidence is None else f"{r.min_confidence:.2f}",
            _id3_version(r) or "",
            *((byte_size(r.kept) if r.kept else "dropped" if r.dropped else "",) if kept else ()),
            _files_text(r),
        )
        for r in runs
    ]
    return format_table(header, rows) if rows else "no runs in the journal yet"


def _id3_version(run: Run) -> str | None:
    """The ID3 version a run gave the files it wrote: ``v2.3``, ``v2.4``, ``keep`` (each file's own), None for an
    undo (each file's old one)."""
    return run.id3_version or ("keep" if run.kind == "tag" else None)


def runs_document(journal: Journal, runs: list[Run]) -> dict[str, Any]:
    """``undo --list --json`` (README, the JSON paragraph): the journal, its size and the budget of bytes it keeps
    for older runs' undo, and ``runs`` as the list shows them, newest first, the same keys always; ``files`` counts
    the run's files per journal state (``restore-skipped`` is the list's ``not restored``)."""
    return {
        "journal": file_name(journal.path),
        "size_bytes": journal.size(),
        "kept_bytes_budget": journal.kept_bytes_budget,
        "runs": [
            {
                "run": r.id,
                "kind": r.kind,
                "undoes": r.undoes,
                "started": moment(r.started_at),
                "finished": moment(r.finished_at),
                "status": str(r.status),
                "fields": list(r.fields),
                "mode": r.mode,
                "min_confidence": r.min_confidence,
                "id3_version": _id3_version(r),
                "kept_bytes": r.kept,
                "dropped_bytes": r.dropped,
                "files": dict(sorted(r.counts.items())),
            }
            for r in runs
        ],
    }


def _files_text(run: Run) -> str:
    """``3 restored, 1 not restored``: the run's files per state, then its status unless it finished."""
    files = ", ".join(f"{n} {STATE_WORDS.get(state, state)}" for state, n in sorted(run.counts.items()))
    status = "" if run.status == RunStatus.FINISHED else f"({run.status})"
    return " ".join(part for part in (files, status) if part)

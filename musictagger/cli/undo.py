"""``musictagger undo [RUN]``: give the files of a tagging run back the old values of the field it wrote
(genres, or a personal model's moods …); ``--list`` the runs.

Only files exactly as the run left them are restored; the others are reported with the reason, and so is a file
restored with its old values whose bytes did not come back as they were.
The library index learns the restored tags, as after a tagging run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from musictagger.cli.lines import path_line, wrap
from musictagger.cli.progress import progress_bar
from musictagger.cli.table import format_table
from musictagger.library import Library
from musictagger.tagging.index_sync import update_index
from musictagger.tagging.journal import EntryState, Journal, Run, RunStatus
from musictagger.tagging.undo import run_to_undo, undo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("undo", help="restore the tags a tagging run replaced (default: the latest)")
    parser.add_argument("run_id", nargs="?", type=int, metavar="RUN", help="the run to undo (see --list)")
    parser.add_argument("--list", action="store_true", help="show the recent tagging and undo runs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with Journal() as journal:
        if args.list:
            print(format_runs(journal.runs()))
            return 0
        target = run_to_undo(journal, args.run_id)
        total = target.counts.get("written", 0) + target.counts.get("planned", 0)
        with progress_bar(
            total=total, desc="restoring", unit="file", leave=False, disable=True if not total else None
        ) as bar:
            report = undo(journal, target.id, on_progress=lambda done, total, path: bar.update(done - bar.n))
        with Library() as library:
            update_index(journal, report.run_id, library)
        if report.run_id is None:
            print(wrap(f"run {target.id}: nothing left to restore{_earlier_hint(journal, target.id)}"))
            return 0
    counts = report.counts()
    for outcome in report.outcomes:
        if outcome.status != "restored":
            print(path_line("not restored", outcome.path, outcome.reason), file=sys.stderr)
        elif outcome.reason:  # its old values back, not its bytes
            print(path_line("restored", outcome.path, outcome.reason), file=sys.stderr)
    other_bytes = sum(outcome.status == "restored" and bool(outcome.reason) for outcome in report.outcomes)
    print(
        wrap(
            f"undo of run {target.id} (run {report.run_id}): {counts['restored']} restored"
            + (f" ({other_bytes} not byte for byte)" if other_bytes else "")
            + f", {counts['skipped'] + counts['failed']} not restored"
            + (" (cancelled)" if report.cancelled else "")
        )
    )
    return 1 if counts["skipped"] or counts["failed"] else 0


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


STATE_WORDS = {EntryState.RESTORE_SKIPPED: "not restored"}
"""The files column's word for an entry state, where the journal's own is not the one ``undo`` prints."""


def format_runs(runs: list[Run]) -> str:
    """The runs as a table, newest first, one line each within 80 columns: an undo run's mode is ``undo of N``
    (the settings are a tagging run's), the start to the minute (as ``dnf history``), and a run that did not
    finish says so after its files (``5 written, 3 planned (interrupted)``, as tag's last line does).  With a
    column each for the kind, the seconds and the status, the list was 83-87 columns wide."""
    header = ("run", "started", "field", "mode", "min", "ID3", "files")
    rows = [
        (
            str(r.id),
            datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M"),
            ", ".join(r.fields),
            f"undo of {r.undoes}" if r.undoes is not None else r.mode or r.kind,
            "" if r.min_confidence is None else f"{r.min_confidence:.2f}",
            r.id3_version or ("keep" if r.kind == "tag" else ""),
            _files_text(r),
        )
        for r in runs
    ]
    return format_table(header, rows) if rows else "no runs in the journal yet"


def _files_text(run: Run) -> str:
    """``3 restored, 1 not restored``: the run's files per state, then its status unless it finished."""
    files = ", ".join(f"{n} {STATE_WORDS.get(state, state)}" for state, n in sorted(run.counts.items()))
    status = "" if run.status == RunStatus.FINISHED else f"({run.status})"
    return " ".join(part for part in (files, status) if part)

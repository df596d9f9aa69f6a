"""``musictagger tag DIR...``: write the predicted genre (or the active personal model's label, into the field it
learnt: mood, grouping …) into audio files, safely.

A thin layer over ``musictagger.tagging``: predict, plan, print the plan (and ``--csv`` it), then —
unless ``--dry-run`` — apply it as one journalled run that ``musictagger undo`` can take back.
Ctrl-C or a kill leaves every file fully old or fully new; running the same command again resumes
(files already written come out ``unchanged``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from musictagger.cli.lines import path_line, wrap
from musictagger.cli.options import probability
from musictagger.cli.paths import folders_without_audio
from musictagger.cli.progress import progress_bar
from musictagger.cli.table import clip, format_table
from musictagger.errors import one_line
from musictagger.interrupts import stopped_status
from musictagger.library.scan import scan
from musictagger.personal.active import not_in_use_note_for
from musictagger.tagging.apply import RunReport, apply_plan
from musictagger.tagging.index_sync import update_library_index
from musictagger.tagging.journal import Journal
from musictagger.tagging.plan import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MODE,
    ID3_CHOICES,
    KEEP_ID3,
    Action,
    Mode,
    Plan,
    Skip,
    id3_version_chosen,
    make_plan,
    preview_columns,
    preview_rows,
    write_preview_csv,
)
from musictagger.tagging.predict import predict_labels

LABELS_WIDTH = 24
"""Widest current or proposed value the preview shows, in terminal columns (a file may hold many genres, a
personal model long labels): the columns before the file take at most 72 (two of 24, a confidence of 16 and
the indentation), so the path starts by column 80.  The CSV (``--csv``) holds them whole."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tag",
        help="write predicted genres (or the active personal model's labels) into audio files (preview, journal, undo)",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="DIR", help="folders (searched recursively) or files")
    parser.add_argument("--dry-run", action="store_true", help="only show what would be written")
    parser.add_argument(
        "--min-confidence",
        type=probability,
        default=DEFAULT_MIN_CONFIDENCE,
        metavar="P",
        help=f"leave files alone whose predicted genre is less likely than P (default {DEFAULT_MIN_CONFIDENCE:g})",
    )
    parser.add_argument(
        "--mode",
        choices=[mode.value for mode in Mode],
        default=DEFAULT_MODE.value,
        help="replace the values of the field written (genre, or the personal model's field), append the "
        f"prediction to them, or fill only files without a value (default {DEFAULT_MODE})",
    )
    parser.add_argument(
        "--id3",
        choices=ID3_CHOICES,
        default=KEEP_ID3,
        help="ID3v2 revision written to MP3, WAV and AIFF: keep each file's own (the default; v2.4 for a file "
        "without one), or convert to v2.3 (several genres joined with '/'; for players that read no v2.4: Windows "
        "Explorer before Windows 10 1607, iTunes, many car stereos) or v2.4, unless converting would drop frames; the "
        "window's Settings offer the same choice",
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the preview table to FILE as CSV")
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    found = scan(args.paths)
    problems = found.problems + folders_without_audio(args.paths, found)
    for path, reason in problems:
        print(path_line("error", path, reason), file=sys.stderr)
    if note := not_in_use_note_for(args.model):  # as analyze says it: the genres proposed are the shipped model's
        print(wrap(f"note: {note}"), file=sys.stderr)
    analysed = [0]  # files analysed so far, for what an interrupt meanwhile says

    def progressed(done: int, _total: int) -> None:
        analysed[0] = done
        bar.update(done - bar.n)

    try:
        with progress_bar(total=len(found.files), desc="analysing", unit="file", leave=False) as bar:
            proposals = predict_labels([f.path for f in found.files], model_path=args.model, on_progress=progressed)
    except KeyboardInterrupt:  # it said 'interrupted' alone, which left a user to wonder what it had written
        print(
            wrap(f"interrupted while analysing ({analysed[0]} of {len(found.files)} files): no file was written"),
            file=sys.stderr,
        )
        return stopped_status()
    plan = make_plan(
        proposals.predictions,
        mode=Mode(args.mode),
        min_confidence=args.min_confidence,
        id3_version=id3_version_chosen(args.id3),
        field=proposals.field,
    )
    print(format_preview(plan))
    if args.csv:
        write_preview_csv(plan, args.csv)
    counts = plan.counts()
    print(wrap(plan.summary()))  # a file's error is said in the preview, under its heading (once: not on stderr too)
    if args.dry_run:
        print("dry run: nothing was written")
        return 1 if _cannot_do(plan) or problems else 0
    with (
        Journal() as journal,
        progress_bar(total=counts[Action.WRITE], desc="writing", unit="file", leave=False) as bar,
    ):
        report = apply_plan(plan, journal, on_progress=lambda done, total, path: bar.update(done - bar.n))
        update_library_index(journal, report)
    status = _print_report(plan, report) or int(bool(problems))
    if report.index_problem:
        print(wrap(f"warning: {report.index_problem}"), file=sys.stderr)
    if report.interrupted:
        print(
            wrap("interrupted: the files written so far keep their new tags; run the same command to go on"),
            file=sys.stderr,
        )
        return stopped_status()
    return status


def format_preview(plan: Plan) -> str:
    """The plan as the preview prints it: the files grouped under what the run does to them, in the order of
    :class:`~musictagger.tagging.plan.Action` (``write``, ``unchanged: has a genre already``, ``skip: is
    read-only``, an ``error: …`` each), each file a row of the current and proposed values, the confidence and
    the path last, aligned with the others' (see :func:`format_table`) and indented under its heading.

    With the file first, a library's paths made every row 150-250 columns wide and a terminal folded the columns
    that matter into the next lines; with the action and its reason in a column, the path could not start within
    80 columns either.  As ``git status`` groups files by state, the reason is said once for its files."""
    groups: dict[tuple[int, str], list[tuple[str, ...]]] = {}
    order = list(Action)
    for item, (path, current, proposed, confidence, _) in zip(plan.items, preview_rows(plan), strict=True):
        row = (clip(current, LABELS_WIDTH), clip(proposed, LABELS_WIDTH), confidence, path)
        groups.setdefault((order.index(item.action), item.action_text), []).append(row)
    ranked = sorted(groups.items(), key=lambda group: group[0][0])  # stable: reasons in the order first met
    file_heading, *headings, _ = preview_columns(plan.field)
    table = format_table((*headings, file_heading), [row for _, rows in ranked for row in rows]).splitlines()
    lines, at = [f"  {table[0]}"], 1
    for (_, action_text), rows in ranked:
        lines.append(wrap(one_line(action_text), hang=4))
        lines.extend(f"  {row}" for row in table[at : at + len(rows)])
        at += len(rows)
    return "\n".join(lines)


def _print_report(plan: Plan, report: RunReport) -> int:
    """What happened to each file the run did not write, then the run's totals over every file of the plan."""
    counts, planned = report.counts(), plan.counts()
    for outcome in report.outcomes:
        if outcome.status != "written":
            label = "error" if outcome.status == "failed" else outcome.status
            print(path_line(label, outcome.path, outcome.reason), file=sys.stderr)
    if report.stopped:
        print(wrap(f"error: {report.stopped}"), file=sys.stderr)
    failed = counts["failed"] + planned[Action.ERROR]
    if report.run_id is None:
        print("nothing to write")
    else:
        print(
            wrap(
                f"run {report.run_id}: {counts['written']} written, {planned[Action.UNCHANGED]} unchanged, "
                f"{counts['skipped'] + planned[Action.SKIP]} skipped, {failed} failed"
                + report.stopped_text(planned[Action.WRITE])
                + (f"; undo with `musictagger undo {report.run_id}`" if counts["written"] else "")
            )
        )
    return 1 if _cannot_do(plan) or counts["failed"] or counts["skipped"] or report.stopped else 0


def _cannot_do(plan: Plan) -> bool:
    """Whether ``plan`` has files the run found and cannot do what was asked of: an error, or gone since found.
    They, and the files the run then could not write (skipped or failed), make the exit status 1, "not all done", as
    ``analyze`` and ``undo`` give for a file gone: ``tag`` of files all moved away while it analysed them exited 0.
    A skip the preview chose (below the threshold, read-only, not taggable) is what was asked."""
    return any(item.action is Action.ERROR or item.skip is Skip.GONE for item in plan.items)

"""``musictagger index [DIR...]``: analyse music folders into the library index, incrementally.

Without folders it refreshes every folder indexed before.  ``--status`` also says which model's
verdicts are in use (the shipped one, or the active personal model) and how many indexed tracks
hold the embedding a personal model reads (learning needs it, and an active model's verdicts):
:mod:`musictagger.cli.index_status`.  Ctrl-C stops cleanly: what was
analysed is kept, and the next run carries on from there.  ``--cluster ADDRESS`` analyses on a
Dask cluster's workers instead of here (see :mod:`musictagger.library.cluster`).  ``--json`` gives the
status, or a run's summary, as one JSON document for a script (the progress bar stays on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from musictagger.cli.index_status import print_status, read_status, status_document
from musictagger.cli.json_fields import document, problem
from musictagger.cli.lines import path_line, with_path, wrap
from musictagger.cli.options import positive_int
from musictagger.cli.progress import progress_bar
from musictagger.errors import MusictaggerError
from musictagger.interrupts import print_whole, stopped_status
from musictagger.library import IndexProgress, IndexSummary, Library, index_folders
from musictagger.library.indexing_lock import indexing_lock
from musictagger.library.reanalysis import again_lines
from musictagger.library.scan import unreachable_because
from musictagger.userdirs import library_db_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("index", help="analyse music folders into the library index")
    parser.add_argument(
        "folders", nargs="*", type=Path, metavar="DIR", help="folders or files (default: those indexed before)"
    )
    parser.add_argument("--workers", type=positive_int, default=None, help="parallel analyses (default: one per core)")
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="analyse on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786), not here; "
        "its workers must see the folders at the same paths",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="threads per analysis (default: the cores left to each worker)",
    )
    parser.add_argument(
        "--windows",
        type=positive_int,
        default=None,
        help="analysis windows per track (default: the number chosen in the window's Settings, else the model's)",
    )
    parser.add_argument("--retry-failed", action="store_true", help="try again files that failed before")
    parser.add_argument(
        "--again",
        action="store_true",
        help="analyse every file found again, changed or not (after an upgrade that reads their format better, say)",
    )
    parser.add_argument("--forget", type=Path, metavar="DIR", help="remove a folder and its tracks from the index")
    parser.add_argument("--status", action="store_true", help="show the index's folders, counts and failures")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the status (with --status), or the run's summary once it ends, as one JSON document "
        "(its keys: README, 'Command line')",
    )
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.forget:
        if args.json:
            raise MusictaggerError("--json gives the status (--status) or a run's summary, not --forget's")
        return _forget(Path(os.path.abspath(args.forget)))  # as roots are stored: links kept
    if args.status:
        status = read_status(args.model)
        if args.json:
            print(document(status_document(status)))
        else:
            print_status(status)
        return 0
    unusable = {folder: reason for folder in args.folders if (reason := unreachable_because(folder))}
    present = [folder for folder in args.folders if folder not in unusable]
    for folder, reason in unusable.items():
        print(path_line("error", folder, reason), file=sys.stderr)
    if unusable and not present:
        return 1
    folders = present or _known_roots()
    with _ProgressBar() as bar:
        summary = index_folders(
            folders,
            model_path=args.model,
            n_windows=args.windows,
            workers=args.workers,
            threads=args.threads,
            cluster=args.cluster,
            retry_failed=args.retry_failed,
            reanalyse=args.again,
            on_progress=bar.update,
        )
    if args.json:
        print_whole(document(summary_document(summary, unusable)))  # whole, though Ctrl-C comes during a slow write
    else:
        _print_summary(summary)
    if summary.interrupted:
        print(wrap("interrupted: everything analysed so far is kept; run the same command to resume"), file=sys.stderr)
        return stopped_status()
    return 1 if summary.failed or unusable else 0


def _forget(folder: Path) -> int:
    """Forget ``folder`` of the library and its tracks, saying how many went, and which stay because another
    folder of the library holds them (one inside the other).  Not while a run indexes: it went on storing the
    folder's tracks after they were forgotten (108 of a forgotten folder's, left under no folder of the library).
    Before any index there is no folder to forget: said so without making the index or its lock file, which it made."""
    made = library_db_path().is_file()
    with indexing_lock(library_db_path()) if made else contextlib.nullcontext(), Library(create=made) as library:
        dropped = library.remove_root(folder)
        kept = len(library.paths_under(folder))
        holders = [str(root) for root in library.roots() if folder.is_relative_to(root) or root.is_relative_to(folder)]
    if dropped:
        print(with_path("forgot ", folder, f" and its {_tracks(dropped)}"))
    else:  # its tracks all stay, or it held none
        print(with_path("forgot ", folder, "" if kept else ", which held no track"))
    if kept:
        which = "a folder of the library too, holds" if len(holders) == 1 else "folders of the library too, hold"
        stay = f"{'other ' * bool(dropped)}{_tracks(kept)} {'stay' if kept != 1 else 'stays'}"
        print(
            wrap(f"  its {stay} in the index: {', '.join(holders)}, {which} {'them' if kept != 1 else 'it'}", holders)
        )
    return 0


def _tracks(count: int) -> str:
    """``1 track``, ``2 tracks``: what ``--forget`` says of a folder's tracks, where it said 'its 1 tracks' and
    'its 0 tracks' (every track of a folder inside another of the library stays)."""
    return f"{count} track{'s' * (count != 1)}"


def _known_roots() -> list[Path]:
    with Library(create=False) as library:
        roots = library.roots()
    if not roots:
        raise MusictaggerError("no folders indexed yet: give one, e.g. `musictagger index ~/Music`")
    return roots


class _ProgressBar:
    """A tqdm bar over all files found; unchanged ones count as done from the start."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, progress: IndexProgress) -> None:
        if self.bar is None:
            self.bar = progress_bar(total=progress.total, initial=progress.done, unit="file", dynamic_ncols=True)
        self.bar.update(progress.done - self.bar.n)
        self.bar.set_postfix(analysed=progress.analysed, unchanged=progress.skipped, failed=progress.failed)


def _print_summary(summary: IndexSummary) -> None:
    """What the run did, and the failures of earlier runs among its files, which it did not try again (they are
    the library's still, though not this run's: its exit status is 0 without new ones)."""
    earlier = summary.failed_before
    print(
        wrap(
            f"{summary.analysed} analysed, {summary.skipped - earlier} unchanged, {len(summary.failed)} failed"
            + (f", {earlier} failed earlier" if earlier else "")
            + f", {summary.pruned + summary.vanished} removed from the index"
            + (f", {summary.moved} moved" if summary.moved else "")
            + f", in {summary.elapsed_s:.1f} s"
        )
    )
    for line in again_lines(summary.again):
        print(wrap(f"  {line}"))
    for path, reason in summary.failed:
        print(path_line("  failed", path, reason))
    if earlier:
        them = "it" if earlier == 1 else "them"
        print(
            wrap(
                f"  {earlier} failed earlier, unchanged since: `musictagger index --status` lists {them}, "
                f"`--retry-failed` tries {them} again"
            )
        )
    for path, reason in summary.problems:
        print(path_line("  skipped", path, reason))
    if summary.unreadable:
        files, them = ("file", "it") if summary.unreadable == 1 else ("files", "them")
        print(
            wrap(
                f"  {summary.unreadable} {files} could not be read (their permissions, or a drive unplugged or "
                f"failing?): the index keeps what it held of {them}, and the next run tries {them} again"
            )
        )


def summary_document(summary: IndexSummary, unusable: dict[Path, str]) -> dict[str, Any]:
    """The run's summary as ``index --json`` prints it (README, the JSON paragraph): what the text summary says,
    the same keys always, and the folders given that could not be indexed (``unreachable``; said on stderr too)."""
    return {
        "analysed": summary.analysed,
        "unchanged": summary.skipped - summary.failed_before,
        "failed": [problem(path, reason) for path, reason in summary.failed],
        "failed_earlier": summary.failed_before,
        "removed": summary.pruned + summary.vanished,
        "moved": summary.moved,
        "analysed_again": [{"files": count, "reason": reason} for reason, count in summary.again.most_common()],
        "kept_absent": summary.kept_absent,
        "skipped": [problem(path, reason) for path, reason in summary.problems],
        "unreadable": summary.unreadable,
        "unreachable": [problem(folder, reason) for folder, reason in unusable.items()],
        "interrupted": summary.interrupted,
        "elapsed_s": round(summary.elapsed_s, 3),
    }

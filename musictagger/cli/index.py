"""``musictagger index [DIR...]``: analyse music folders into the library index, incrementally.

Without folders it refreshes every folder indexed before.  ``--status`` also says which model's
verdicts are in use (the shipped one, or the active personal model) and how many indexed tracks
hold the embedding a personal model reads (learning needs it, and an active model's verdicts).  Ctrl-C stops cleanly: what was
analysed is kept, and the next run carries on from there.  ``--cluster ADDRESS`` analyses on a
Dask cluster's workers instead of here (see :mod:`musictagger.library.cluster`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from musictagger.cli.lines import path_line, with_path, wrap
from musictagger.cli.options import positive_int
from musictagger.cli.progress import progress_bar
from musictagger.errors import MusictaggerError
from musictagger.interrupts import INTERRUPTED_STATUS
from musictagger.library import IndexProgress, IndexSummary, Library, index_folders
from musictagger.library.indexing_lock import indexing_lock
from musictagger.library.reanalysis import again_lines
from musictagger.library.scan import unreachable_because
from musictagger.library.search import codes_in_reach
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.personal.active import judge_active
from musictagger.personal.store import active_model
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
    parser.add_argument("--forget", type=Path, metavar="DIR", help="remove a folder and its tracks from the index")
    parser.add_argument("--status", action="store_true", help="show the index's folders, counts and failures")
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: the shipped one)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.forget:
        return _forget(Path(os.path.abspath(args.forget)))  # as roots are stored: links kept
    if args.status:
        return _print_status(args.model)
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
            on_progress=bar.update,
        )
    _print_summary(summary)
    if summary.interrupted:
        print(wrap("interrupted: everything analysed so far is kept; run the same command to resume"), file=sys.stderr)
        return INTERRUPTED_STATUS
    return 1 if summary.failed or unusable else 0


def _forget(folder: Path) -> int:
    """Forget ``folder`` of the library and its tracks, saying how many went, and which stay because another
    folder of the library holds them (one inside the other).  Not while a run indexes: it went on storing the
    folder's tracks after they were forgotten (108 of a forgotten folder's, left under no folder of the library)."""
    with indexing_lock(library_db_path()), Library() as library:
        dropped = library.remove_root(folder)
        kept = len(library.paths_under(folder))
        holders = [str(root) for root in library.roots() if folder.is_relative_to(root) or root.is_relative_to(folder)]
    print(with_path("forgot ", folder, f" and its {dropped} tracks"))
    if kept:
        which = "a folder of the library too, holds" if len(holders) == 1 else "folders of the library too, hold"
        print(wrap(f"  its other {kept} stay in the index: {', '.join(holders)}, {which} them", holders))
    return 0


def _known_roots() -> list[Path]:
    with Library() as library:
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


def _print_status(model_path: Path | None) -> int:
    model_path = model_path or default_model_path()
    with Library() as library:
        if head := judge_active(library, load_manifest(model_path)):  # its verdicts, as the Library tab counts them
            library.use_judged(head.identity)
        counts, verdicts = library.counts(), library.verdict_counts()
        roots, failures = library.roots(), library.failures()
        embedded, coded = library.embedded_counts(), library.code_counts()
        print(path_line("index", library.path))
    print(f"{counts.total} tracks: {counts.analysed} analysed, {counts.failed} failed")
    if verdicts:
        counted = [f"{label} {count}" for label, count in verdicts.most_common()]
        print(wrap("  verdicts: " + ", ".join(counted), counted))
    _print_model_status(model_path, embedded, counts.analysed)
    _print_code_status(model_path, coded)
    for root in roots:
        print(path_line("  folder", root))
    for record in failures:
        print(path_line("  failed", record.path, record.error))
    return 0


def _print_code_status(model_path: Path, coded: Counter[str]) -> None:
    """How many tracks' codes the model in use can search among (:func:`~musictagger.library.search.codes_in_reach`)."""
    searched, others = codes_in_reach(coded, model_path)
    missing = f"; {others} analysed by another model need `musictagger index` again" if others else ""
    print(wrap(f"  codes: {searched} tracks are searched for similar ones with {model_path.stem}{missing}"))


def _print_model_status(model_path: Path, embedded: Counter[str], analysed: int) -> None:
    """Which model's verdicts are in use, and how many analysed tracks hold the embedding its personal head
    reads (or, with the shipped model, that ``learn`` would learn from)."""
    base_model_id = AnalysisKey.of(load_manifest(model_path), None).model_id
    personal = active_model()
    if personal is None:
        print("active model: the shipped model")
        have, reader = embedded[base_model_id], "`musictagger learn` needs"
    else:
        labels = ", ".join(personal.labels)
        print(wrap(f"active model: personal model {personal.name!r} ({personal.field}: {labels})"))
        have, reader = embedded[personal.base_model_id], f"{personal.name!r} needs"
        if personal.base_model_id != base_model_id:
            print(
                wrap(f"  it reads analyses by {personal.base_model_id}, not by this model: its verdicts are not in use")
            )
    missing = f"; {analysed - have} need `musictagger index` again" if have < analysed else ""
    print(wrap(f"  embeddings: {have} of {analysed} analysed tracks have the one {reader}{missing}"))

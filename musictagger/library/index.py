"""Incremental, parallel, interruptible indexing of music folders.

One run: scan the folders → give the rows of files that moved their new paths, and prune the
rows whose files are gone for certain (not those out of reach, nor those of an unmounted drive) →
analyse every file that is new, changed (size or mtime), or was analysed by another model or
window count → store each result the moment it arrives, in its own transaction.  Killing the process therefore
loses at most the files in flight, and the next run resumes where this one stopped.

Analysis runs in local worker processes (by default one per core, each with a single-threaded
model: measured faster than fewer processes with more threads each, see
``bench/index_throughput.py``; spawn, not fork, so it is safe from the GUI's threads), or on a
Dask cluster (:mod:`.cluster`); scanning, pruning, storing and progress are the same either way,
only where the outcomes come from differs.  Progress goes to a callback and cancellation comes
from a ``should_stop()`` callable, so the CLI and the GUI drive the same code; Ctrl-C is
treated as cancellation.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from musictagger.db import storable_name
from musictagger.errors import MusictaggerError
from musictagger.library.analyse import Outcome, StageTimes, analyse_file, crashed, file_tags
from musictagger.library.indexing_lock import indexing_lock
from musictagger.library.reanalysis import STORED_INCOMPLETE, why_again
from musictagger.library.scan import FoundFile, scan
from musictagger.library.store import MTIME_STEPS_NS, AnalysisKey, FileStamp, Library
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import GenreModel, default_model_path
from musictagger.presence import missing as _missing
from musictagger.userdirs import library_db_path
from musictagger.workers import WorkerPool, spawn_pool

IN_FLIGHT_PER_WORKER = 4

NAME_NOT_UTF8 = "its name is not UTF-8 text, which the library index cannot store: rename it to index it"


@dataclass(frozen=True)
class IndexProgress:
    """Where a run stands; ``rate`` is files analysed per second, ``eta_s`` None until known."""

    done: int
    total: int
    analysed: int
    skipped: int
    failed: int
    current: str | None
    elapsed_s: float
    rate: float
    eta_s: float | None


@dataclass
class IndexSummary:
    """The outcome of a run: counts, failures and scan problems with reasons, stage times."""

    analysed: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    failed_before: int = 0
    """Of the files ``skipped``, those whose analysis failed in an earlier run: unchanged since, they are not
    tried again (unless ``retry_failed``), and stay failures of the library that this run's ``failed`` omits."""
    pruned: int = 0
    moved: int = 0
    """Files found at a new path with the size and mtime of a file gone from its old one: their rows follow them."""
    tags_read: int = 0
    """Unchanged files whose tags were read for the first time (an index from before tags were stored)."""
    again: Counter[str] = field(default_factory=Counter)
    """Of the files analysed, those unchanged on disk since their stored analysis, by why they were analysed
    again (:func:`~musictagger.library.reanalysis.why_again`): another model, front end or window count."""
    vanished: int = 0
    unreadable: int = 0
    """Files the file system would not read when their turn came (:attr:`Outcome.unreadable`), each one of
    ``problems``: out of reach, as a folder that cannot be read is, their rows are kept as they were, and the next run
    tries them again."""
    kept_absent: int = 0
    """Files found gone during the run with their folder (a drive unmounted meanwhile): their rows are kept, and
    the folder is one of ``problems``, as a drive found unmounted when the run begins."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False
    elapsed_s: float = 0.0
    times: StageTimes = field(default_factory=StageTimes)


ProgressCallback = Callable[[IndexProgress], None]


def index_folders(
    roots: Sequence[str | Path] | str | Path,
    *,
    library_path: Path | None = None,
    model_path: Path | None = None,
    n_windows: int | None = None,
    workers: int | None = None,
    threads: int | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    retry_failed: bool = False,
    reanalyse: bool = False,
    cluster: str | None = None,
) -> IndexSummary:
    """Bring the index up to date for ``roots`` (folders or files, or one of them); see the module docstring.

    ``workers`` defaults to the number of usable cores, ``threads`` (per worker) to the cores
    left to each; ``retry_failed`` re-analyses files that failed before even though they have
    not changed; ``reanalyse`` analyses every file found again, changed or not (the window's
    "Re-analyse" on chosen tracks).  ``cluster`` is the address of a Dask scheduler whose
    workers analyse the files instead (``tcp://host:8786``; they must see them at the same
    paths); its workers' threads are set where they start, so ``workers`` and ``threads``
    are then refused.  Losing the scheduler raises
    :class:`~musictagger.library.cluster.ClusterError` with everything stored so far kept.
    """
    if cluster and (workers or threads):
        raise MusictaggerError(
            "workers and threads are for a local run; a cluster's are set where its workers start "
            "(dask worker --nthreads)"
        )
    if isinstance(roots, str | os.PathLike):  # one folder: index_folders("Music") took each letter for a folder
        roots = [roots]
    started = time.perf_counter()
    manifest = load_manifest(model_path or default_model_path())
    key = AnalysisKey.of(manifest, n_windows)
    should_stop = should_stop or (lambda: False)
    summary = IndexSummary()
    with (
        indexing_lock(library_path or library_db_path()),
        _analyser(model_path, key, cluster, workers, threads) as analyse,
        Library(library_path) as library,
    ):
        unnamed = [(str(root), NAME_NOT_UTF8) for root in roots if not storable_name(os.path.abspath(root))]
        roots = [root for root in roots if storable_name(os.path.abspath(root))]
        roots, aliases = _without_aliases(library, roots)
        library.add_roots([Path(os.path.abspath(r)) for r in roots if os.path.isdir(r)])
        found = scan(list(roots))
        found.files, unnamed_inside = _with_storable_names(found.files)
        stored = library.stamps()  # as the run starts: what the paths found are compared with
        found.files = _without_links_to_indexed_files(stored, found.files)
        same_stamp = _stored_by_stamp(stored, _new_by_stamp(stored, found.files))  # for the three steps below
        found.files = _by_indexed_names(stored, same_stamp, found.files)
        own_paths = _to_own_paths(library, stored, same_stamp, found.files)
        moved = _follow_moves(library, stored, same_stamp, found.files)
        for old in moved:  # the rows moved are at their new paths now: not gone, nor kept as a drive's
            del stored[old]
        library.restamp(_kept_coarser(stored, found.files))
        gone, kept = _gone(library, stored, roots, found.files)
        summary.moved, summary.pruned = own_paths + len(moved), library.delete_paths(sorted(gone))
        reported = {path for path, _reason in kept}  # a missing folder is one problem: its tracks kept
        summary.problems = (
            unnamed + aliases + [p for p in found.problems if p[0] not in reported] + unnamed_inside + kept
        )
        failed = {record.path for record in library.failures()}
        if reanalyse:
            todo, again = found.files, {}
        else:
            todo, again = _needing_analysis(library, found.files, key, failed, retry_failed=retry_failed)
        summary.skipped = len(found.files) - len(todo)
        summary.failed_before = _failed_before(found.files, todo, failed)
        summary.tags_read = _read_unread_tags(library, found.files, todo, should_stop)
        unmounted = _Unmounted(roots)  # the folders there as analysing begins, before the first report
        tracker = _Tracker(len(found.files), summary, started, on_progress)
        tracker.report(None)
        processed = 0
        try:
            for outcome in analyse(todo, should_stop):
                _store(library, outcome, key, summary, unmounted)
                if outcome.analysis is not None and outcome.path in again:  # said of those analysed, not planned
                    summary.again[again[outcome.path]] += 1
                processed += 1
                tracker.report(outcome.path)
        except KeyboardInterrupt:
            pass  # the same as a cancel: everything stored so far stays
        summary.problems += unmounted.problems(library)
        summary.interrupted = processed < len(todo)
    summary.elapsed_s = time.perf_counter() - started
    return summary


Analyser = Callable[[list[FoundFile], Callable[[], bool]], Iterator[Outcome]]
"""``analyse(files, should_stop)``: the outcomes of analysing ``files``, in completion order."""


@contextmanager
def _analyser(
    model_path: Path | None, key: AnalysisKey, cluster: str | None, workers: int | None, threads: int | None
) -> Iterator[Analyser]:
    """Where the outcomes come from, locally or on ``cluster``: the one way the two kinds of run differ.

    A cluster is connected to and its workers' models checked before the scan, so a refusal
    comes at once; they get ``model_path`` as given (None: each its own default).
    """
    if cluster:
        from musictagger.library.cluster import on_cluster  # Dask is an optional extra

        with on_cluster(cluster, model_path, key) as analyse:
            yield analyse
        return
    local_model = model_path or default_model_path()

    def analyse_here(files: list[FoundFile], should_stop: Callable[[], bool]) -> Iterator[Outcome]:
        paths = [f.path for f in files]
        return analyse_files(paths, local_model, key.windows, workers, should_stop, threads=threads)

    yield analyse_here


def _without_aliases(library: Library, roots: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """``roots`` without the folders that are a folder of the library (or inside one) reached through a link,
    and those as problems (path, reason): indexed under both names, every track would be in the index twice.  A
    link inside the library (``~/Music/Favourites`` to ``~/Music/Jazz``) is one too: taken for a folder inside the
    library's, it joined the library's folders."""
    folders = {Path(os.path.realpath(folder)): folder for folder in library.roots()}
    kept: list[Path] = []
    aliases: list[tuple[str, str]] = []
    for root in roots:
        real, named = Path(os.path.realpath(root)), Path(os.path.abspath(root))
        found = next(((target, folder) for target, folder in folders.items() if real.is_relative_to(target)), None)
        if found is None or not os.path.isdir(root):
            kept.append(root)
            continue
        target, same = found
        if named.is_relative_to(same) and real == target / named.relative_to(same):
            kept.append(root)  # a folder inside the library's, no link on the way
        else:
            aliases.append(
                (
                    str(root),
                    f"is {same / real.relative_to(target)} through a link, a folder the library indexes already",
                )
            )
    return kept, aliases


def _with_storable_names(files: list[FoundFile]) -> tuple[list[FoundFile], list[tuple[str, str]]]:
    """``files`` whose paths the index can store, and the others as problems (path, reason): a file whose name is
    not UTF-8, or the outermost folder so named once, with the number of audio files in it left out."""
    kept: list[FoundFile] = []
    left_out: Counter[str] = Counter()
    for found in files:
        if storable_name(found.path):
            kept.append(found)
        else:
            named = next(p for p in [*reversed(Path(found.path).parents), Path(found.path)] if not storable_name(p))
            left_out[str(named)] += 1
    return kept, [
        (
            path,
            f"{NAME_NOT_UTF8} (its {count} audio file{'s' * (count != 1)} not indexed)"
            if os.path.isdir(path)
            else NAME_NOT_UTF8,
        )
        for path, count in sorted(left_out.items())
    ]


def _without_links_to_indexed_files(stored: Collection[str], files: list[FoundFile]) -> list[FoundFile]:
    """``files`` without the new paths that reach an indexed file (one of ``stored``) through a link (a folder
    link made inside the library after its files were indexed): each physical file keeps one row."""
    return [f for f in files if f.path in stored or os.path.realpath(f.path) not in stored]


def _new_by_stamp(
    stamps: dict[str, tuple[FileStamp, AnalysisKey]], files: list[FoundFile]
) -> dict[FileStamp, list[FoundFile]]:
    """The files found at a path the index does not hold, by size and mtime."""
    new: dict[FileStamp, list[FoundFile]] = defaultdict(list)
    for found in files:
        if found.path not in stamps:
            new[found.stamp].append(found)
    return new


def _stored_by_stamp(
    stamps: dict[str, tuple[FileStamp, AnalysisKey]], wanted: Collection[FileStamp]
) -> dict[FileStamp, list[str]]:
    """The stored paths of each size and mtime in ``wanted`` (a new file's), and of every mtime of a new file's size
    where its mtime may be a copy's kept coarser (:func:`_may_be_a_copy`): where another name of a file, a link or a
    move is looked for.  One pass over the index's stamps, a million for the largest archives, and none in a run that
    finds nothing new (most runs)."""
    by_stamp: dict[FileStamp, list[str]] = defaultdict(list)
    sizes = {stamp.size for stamp in wanted}
    copies = {stamp.size for stamp in wanted if _may_be_a_copy(stamp)}
    if not sizes:
        return by_stamp
    for path, (stamp, _key) in stamps.items():
        if stamp.size in sizes and (stamp.size in copies or stamp in wanted):
            by_stamp[stamp].append(path)
    return by_stamp


def _may_be_a_copy(stamp: FileStamp) -> bool:
    """Whether a new file's mtime is a multiple of 100 ns, the finest step a copy keeps (every step is a multiple of
    it), so that it may be a copy's (:meth:`FileStamp.kept_coarser_as`): most new files' are not, and are looked up
    by their exact stamps alone."""
    return stamp.mtime_ns % MTIME_STEPS_NS[0] == 0


def _by_indexed_names(
    stamps: dict[str, tuple[FileStamp, AnalysisKey]], same_stamp: dict[FileStamp, list[str]], files: list[FoundFile]
) -> list[FoundFile]:
    """``files``, each found by a name the index does not hold but is another name of an indexed file (a hard link:
    a torrent client's seeding folder linked into the library), by the name the index holds: each physical file keeps
    one row.  The walk lists a file once, by the name it meets first, which was analysed again and kept beside the
    indexed one.  Only the stored paths of a new path's size and mtime (``same_stamp``: a hard link's are its file's)
    are looked at.  A name through a symbolic link is not one of these (:func:`_to_own_paths`)."""
    named: dict[str, str] = {}
    for stamp, new in _new_by_stamp(stamps, files).items():
        for path in same_stamp.get(stamp, ()):
            for found in new:
                if _same_file(path, found) and os.path.realpath(path) != os.path.realpath(found.path):
                    named[found.path] = path
    return [FoundFile(named[f.path], f.stamp, f.identity) if f.path in named else f for f in files]


def _same_file(path: str, found: FoundFile) -> bool:
    """Whether ``path`` names the physical file ``found`` is (False when it cannot be looked at)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == found.identity


def _to_own_paths(
    library: Library,
    stamps: dict[str, tuple[FileStamp, AnalysisKey]],
    same_stamp: dict[FileStamp, list[str]],
    files: list[FoundFile],
) -> int:
    """Give the rows stored under a path through a link inside the library the file's own path, where this run found
    the file by it; how many.  The walk used to meet such a link (``Music/Linked Classical`` to ``Music/Classical``)
    before the folder it reaches and stored its tracks under the link's name; it now finds them by their own, and
    each row keeps its id and analysis rather than the file getting a second row.  Only rows of a new path's size
    and mtime (``same_stamp``) are looked at, so a run that finds a new file in a large library resolves a few paths,
    not all."""
    moves = []
    for stamp, new in _new_by_stamp(stamps, files).items():
        paths = {found.path for found in new}
        moves += [(path, own) for path in same_stamp.get(stamp, ()) if (own := os.path.realpath(path)) in paths]
    library.rename_paths(moves)
    return len(moves)


def _gone(
    library: Library, stored: Collection[str], roots: Sequence[Path], files: list[FoundFile]
) -> tuple[list[str], list[tuple[str, str]]]:
    """The stored paths under ``roots`` whose file is gone for certain, and the folders whose rows are kept
    because they look like a drive that is not mounted, as problems (path, reason).

    A file out of reach (a folder that cannot be read) is not gone.  Nor is one whose folders are gone
    below an empty folder, or directly in an empty folder the user indexed: that is what an unplugged
    drive leaves at its mount point, and re-analysing an archive's drive takes days.  Nor is one of a
    folder of the library that is missing altogether (a drive's mount point that its unmounting removed,
    as udisks does, or a folder renamed outside the library).
    """
    found = {f.path for f in files}
    candidates = [(path, Path(os.path.dirname(path))) for path in _files_indexed_alone(library, stored)]
    folders = set(library.roots())
    missing: dict[str, int] = {}
    for root in roots:
        root_path = Path(os.path.abspath(root))
        if root_path.is_dir():
            candidates += [(path, root_path) for path in library.paths_under(root_path)]
        elif library.record(root_path) is not None:  # a file indexed on its own
            candidates.append((str(root_path), root_path.parent))
        elif _missing(str(root_path)) and ((count := len(library.paths_under(root_path))) or root_path in folders):
            missing[str(root_path)] = count
    gone: list[str] = []
    emptied: Counter[str] = Counter()
    for path, root in dict(candidates).items():  # a file indexed alone may also be one of the run's roots
        if path in found or not _missing(path):
            continue
        if unmounted := _empty_folder_in_its_place(path, root):
            emptied[unmounted] += 1
        else:
            gone.append(path)
    problems = [(folder, _missing_because(count)) for folder, count in sorted(missing.items())]
    problems += [(folder, _kept_because("is empty", count)) for folder, count in sorted(emptied.items())]
    return gone, problems


def _missing_because(count: int) -> str:
    """Why a folder of the library that is not there is passed over: its ``count`` tracks are kept, or it holds none
    (they moved with it to the name it was indexed by since, :func:`_follow_moves`, or it never held any) and the
    user may forget it, rather than read 'no such file or folder' at every run.  A folder moved (a home folder renamed,
    a library restored into another) is one too: the words say how its tracks follow it, where they said only how to
    forget them, and a user who did so had every track analysed again under the new name."""
    if count:
        moved = "a drive not mounted, or moved? `musictagger index NEW_FOLDER` takes those it finds there"
        return _kept_because("no such folder", count, moved)
    return "no such folder, and no track of the library is in it: `musictagger index --forget` removes it"


def _kept_because(state: str, count: int, guess: str = "a drive not mounted?") -> str:
    """Why a folder's indexed tracks are kept though their files are not there: the folder's ``state``, and the
    ``guess`` at why.  A folder that holds none (a new one that went during the run before a file of it was
    analysed) is said so, where its '0 indexed tracks are kept'."""
    if not count:
        return (
            f"{state}, and no track of the library is in it ({guess}); `musictagger index` analyses its files once "
            "it is back, `--forget` removes it"
        )
    tracks = f"{count} indexed track{'s' * (count != 1)} {'are' if count != 1 else 'is'}"
    return f"{state}, so its {tracks} kept ({guess}); `musictagger index --forget` removes a folder's tracks"


def _follow_moves(
    library: Library,
    stamps: dict[str, tuple[FileStamp, AnalysisKey]],
    same_stamp: dict[FileStamp, list[str]],
    files: list[FoundFile],
) -> set[str]:
    """Give the rows of files that moved their new path; the old paths so renamed.

    A file moved or renamed keeps its size and its mtime to the nanosecond; a stored path whose file is missing
    and a new path found with the same ones, each the only one with them, are the same file, so a folder renamed
    or moved is not analysed again (hours, for an archive's drive) and its tracks keep their ids.  The stored path
    may be under any folder of the library, not only those of this run: the library's folder itself renamed, or a
    drive mounted at ``Archive1`` because ``Archive`` was taken, and indexed by its new name, is moved too (its
    rows were kept as a drive not mounted, and every file analysed again under its new name, so twice in the
    index).  Only the stored paths of a new path's stamp, or of its size where its mtime may be a copy's
    (``same_stamp``), are looked at, so a run over a large library looks up a few files, not all.

    A file copied where its mtime was kept to a coarser precision (a library restored from a tar backup into another
    home folder, or carried on a FAT drive) keeps its size and name instead: such a file, of no stored file's exact
    stamp, takes the row of the one missing file of its size, its name (in either Unicode normalisation, as a Mac's
    copy spells it) and its mtime to that precision (:meth:`FileStamp.kept_coarser_as`), each the only one, and its
    new mtime.  Before, every file of a library restored so was analysed again, and kept twice in the index.
    """
    moves: list[tuple[str, str]] = []
    unmatched: list[FoundFile] = []
    for stamp, new in _new_by_stamp(stamps, files).items():
        old = [path for path in same_stamp.get(stamp, ()) if _missing(path)]
        if len(old) == 1 and len(new) == 1:
            moves.append((old[0], new[0].path))
        elif stamp not in same_stamp:
            unmatched += new
    coarser = _moves_kept_coarser(same_stamp, unmatched)
    library.rename_paths(moves + [(old, found.path) for old, found in coarser])
    library.restamp({found.path: found.stamp for _old, found in coarser})
    return {old for old, _new in moves} | {old for old, _found in coarser}


def _moves_kept_coarser(
    same_size: dict[FileStamp, list[str]], unmatched: list[FoundFile]
) -> list[tuple[str, FoundFile]]:
    """The stored paths whose files moved to ``unmatched`` (new files of no stored file's exact stamp) with their
    mtimes kept coarser, each with its file found: the one missing stored file of its size, name (compared in NFC)
    and mtime to a coarser precision, of which it is the one such new file.  ``same_size`` holds the stored paths of
    each stamp whose size is a new file's.

    The stored files are looked up by size and name: a clip collection's files are of one size, and unpacked in a
    minute, thousands of them within a copy's 2 s of each other; the stored names are compared as they are with the
    new ones in NFC and NFD, rather than each normalised."""
    coarse = [found for found in unmatched if _may_be_a_copy(found.stamp)]
    spellings = {spelling for found in coarse for spelling in _spellings(found.path)}
    by_name: dict[tuple[int, str], list[tuple[str, FileStamp]]] = defaultdict(list)
    for stamp, paths in same_size.items():
        for path in paths:
            if os.path.basename(path) in spellings:
                by_name[stamp.size, _name(path)].append((path, stamp))
    claims: dict[str, list[FoundFile]] = defaultdict(list)
    for found in coarse:
        old = [
            path
            for path, stamp in by_name.get((found.stamp.size, _name(found.path)), ())
            if stamp.kept_coarser_as(found.stamp) and _missing(path)
        ]
        if len(old) == 1:
            claims[old[0]].append(found)
    return [(old, found[0]) for old, found in claims.items() if len(found) == 1]


def _name(path: str) -> str:
    """A file's name as a move compares it: in NFC, so that a name a Mac decomposed (``Cafe\u0301``) is the name a
    Linux copy composes (``Caf\u00e9``)."""
    return unicodedata.normalize("NFC", os.path.basename(path))


def _spellings(path: str) -> set[str]:
    """A file's name composed and decomposed (NFC and NFD), as a copy may spell it."""
    name = os.path.basename(path)
    return {unicodedata.normalize(form, name) for form in ("NFC", "NFD")}


def _kept_coarser(stored: dict[str, tuple[FileStamp, AnalysisKey]], files: list[FoundFile]) -> dict[str, FileStamp]:
    """The files found where they were indexed whose mtime a copy kept coarser (:meth:`FileStamp.kept_coarser_as`),
    by path, with their stamps now: a library restored from a tar backup to the same home folder, every mtime cut to
    the second, was analysed again whole."""
    return {
        found.path: found.stamp
        for found in files
        if found.path in stored
        and (old := stored[found.path][0]).mtime_ns != found.stamp.mtime_ns  # most are unchanged: at once
        and old.kept_coarser_as(found.stamp)
    }


def _files_indexed_alone(library: Library, stored: Collection[str]) -> list[str]:
    """The ``stored`` paths under no folder of the library: files indexed on their own (``index FILE``),
    which no run's folders reach, so every run looks at them."""
    folders = tuple(os.path.join(str(root), "") for root in library.roots())
    return [path for path in stored if not path.startswith(folders)]


def _empty_folder_in_its_place(path: str, root: Path) -> str | None:
    """The empty folder left where a missing file's folders were, if that is how it went missing: the
    nearest existing folder above it is empty and is either not its own folder (its folders are gone
    too) or the indexed folder itself.  None when the file was simply deleted (or renamed)."""
    folder = os.path.dirname(path)
    while _missing(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    try:
        with os.scandir(folder) as entries:
            empty = next(entries, None) is None
    except OSError:
        return None
    own_folder = folder == os.path.dirname(path)
    return folder if empty and (not own_folder or folder == str(root)) else None


def _needing_analysis(
    library: Library, files: list[FoundFile], key: AnalysisKey, failed: set[str], *, retry_failed: bool
) -> tuple[list[FoundFile], dict[str, str]]:
    """The files to analyse, and of them those unchanged on disk since their stored analysis, each with why it is
    analysed again (:func:`_why_analysed_again`): the index's stamps are read once for both, a pass over every track.
    ``failed``: the stored paths whose analysis failed."""
    stored = library.stamps()
    incomplete = library.incomplete_analyses()
    again = incomplete | (failed if retry_failed else set())
    todo = [f for f in files if stored.get(f.path) != (f.stamp, key) or f.path in again]
    return todo, _why_analysed_again(todo, stored, incomplete, failed, key)


def _why_analysed_again(
    todo: list[FoundFile],
    stored: dict[str, tuple[FileStamp, AnalysisKey]],
    incomplete: set[str],
    failed: set[str],
    key: AnalysisKey,
) -> dict[str, str]:
    """Of ``todo``, the files unchanged on disk since their ``stored`` analysis, each with why it is analysed again.
    A file whose analysis ``failed`` had none to do again (retried by ``--retry-failed``, or under another model or
    window count, it was counted as "analysed with 3 windows a track" and listed as failed again)."""
    why: dict[str, str] = {}
    for found in todo:
        stamp, stored_key = stored.get(found.path, (None, None))
        if stamp != found.stamp or stored_key is None or found.path in failed:
            continue  # new or changed: analysed for that; or never analysed
        if stored_key != key:
            why[found.path] = why_again(stored_key, key)
        elif found.path in incomplete:
            why[found.path] = STORED_INCOMPLETE
    return why


def _failed_before(files: list[FoundFile], todo: list[FoundFile], failed: set[str]) -> int:
    """How many of ``files`` that are not to be analysed again (not in ``todo``) failed when they last were (their
    paths in ``failed``)."""
    return len({f.path for f in files} & failed - {f.path for f in todo})


def _read_unread_tags(
    library: Library, files: list[FoundFile], todo: list[FoundFile], should_stop: Callable[[], bool]
) -> int:
    """Read and store the tags of unchanged files stored without them, without analysing them again."""
    found = {f.path for f in files} - {f.path for f in todo}
    read = 0
    for path in library.unread_tags():
        if should_stop():
            break
        if path in found:
            read += library.store_tags(path, file_tags(path))
    return read


class _Unmounted:
    """The folders found missing or empty during the run, holding files that vanished before they were analysed:
    a drive unmounted mid-run (its mount point removed, or left empty).  Their tracks are kept, as :func:`_gone`
    keeps a drive's that is not mounted when the run begins; before, each file of such a drive still to be analysed
    was removed from the index as it was found gone (453 of a drive's 600, an archive's days of analysis)."""

    def __init__(self, roots: Sequence[Path]) -> None:
        folders = [os.path.abspath(root) for root in roots if os.path.isdir(root)]
        self.roots = sorted(folders, key=len, reverse=True)  # the innermost first
        self.states: dict[str, str] = {}

    def holds(self, path: str) -> bool:
        """Whether ``path``, found gone, went with its folder, by the rule of :func:`_gone` (noting the folder)."""
        root = next((root for root in self.roots if path.startswith(os.path.join(root, ""))), None)
        if root is not None and _missing(root):
            self.states.setdefault(root, "went missing during the run")
            return True
        if folder := _empty_folder_in_its_place(path, Path(root or os.path.dirname(path))):
            self.states.setdefault(folder, "was emptied during the run")
            return True
        return False

    def problems(self, library: Library) -> list[tuple[str, str]]:
        """Each folder noted, with why its tracks are kept and how many there are."""
        return [
            (folder, _kept_because(state, len(library.paths_under(Path(folder)))))
            for folder, state in sorted(self.states.items())
        ]


def _store(library: Library, outcome: Outcome, key: AnalysisKey, summary: IndexSummary, unmounted: _Unmounted) -> None:
    if outcome.vanished and unmounted.holds(outcome.path):
        summary.kept_absent += 1
    elif outcome.vanished:
        summary.vanished += 1
        library.delete_paths([outcome.path])
    elif outcome.unreadable:  # the disk's failure, not the file's: nothing stored, so the next run tries it again
        summary.unreadable += 1
        summary.problems.append((outcome.path, outcome.error or "cannot be read"))
    elif outcome.analysis is not None:
        library.store_analysis(outcome.path, outcome.stamp, key, outcome.analysis)
        summary.analysed += 1
        summary.times = summary.times + outcome.times
    else:
        library.store_error(outcome.path, outcome.stamp, key, outcome.error or "unknown error")
        summary.failed.append((outcome.path, outcome.error or "unknown error"))


class _Tracker:
    """Turns stored outcomes into :class:`IndexProgress` reports with a rate and an ETA."""

    def __init__(self, total: int, summary: IndexSummary, started: float, callback: ProgressCallback | None):
        self.total, self.summary, self.started, self.callback = total, summary, started, callback
        self.analysis_started = time.perf_counter()
        self.worked = 0
        """Outcomes stored, whatever they were: a sum of the summary's counts left out those it gained since (files
        found unreadable), and the bar stood still through a failing drive's files."""

    def report(self, current: str | None) -> None:
        """Report progress before any outcome (``current`` None), then after each outcome stored (its path)."""
        if current is not None:
            self.worked += 1
        if self.callback is None:
            return
        s = self.summary
        done = s.skipped + self.worked
        elapsed = time.perf_counter() - self.analysis_started
        rate = self.worked / elapsed if self.worked and elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate else None
        self.callback(
            IndexProgress(
                done=done,
                total=self.total,
                analysed=s.analysed,
                skipped=s.skipped,
                failed=len(s.failed),
                current=current,
                elapsed_s=time.perf_counter() - self.started,
                rate=rate,
                eta_s=eta,
            )
        )


def analyse_files(
    paths: list[str],
    model_path: Path,
    n_windows: int,
    workers: int | None,
    should_stop: Callable[[], bool],
    *,
    threads: int | None = None,
) -> Iterator[Outcome]:
    """Outcomes of analysing ``paths`` in completion order, in parallel; in-process for one worker or one file.

    ``threads`` per worker defaults to the usable cores divided among the workers.
    """
    if not paths:
        return
    workers = max(min(workers or usable_cores(), len(paths)), 1)
    threads = threads or max(usable_cores() // workers, 1)
    if workers == 1:
        model = GenreModel(model_path, threads=threads)
        for path in paths:
            if should_stop():
                return
            yield analyse_file(model, path, n_windows=n_windows)
        return
    queue = iter(paths)
    while True:
        with _pool(workers, model_path, threads) as pool:
            suspects = yield from _bounded_map(pool, queue, n_windows, workers * IN_FLIGHT_PER_WORKER, should_stop)
        if not suspects:
            return
        yield from _one_by_one(suspects, model_path, n_windows, threads, should_stop)


@contextmanager
def _pool(workers: int, model_path: Path, threads: int) -> Iterator[WorkerPool]:
    """``workers`` worker processes with the model, shut down once the block is through (its files all taken, or
    stopped by ``should_stop``, which waits for those in flight); ended at once on a Ctrl-C or an error, whose
    files in flight no one would store (:meth:`~musictagger.workers.WorkerPool.end_now`)."""
    pool = spawn_pool(workers, _start_worker, (model_path, threads))
    try:
        yield pool
    except BaseException:
        with _interrupts_held():
            pool.end_now()
        raise
    with _interrupts_held():
        pool.shutdown(wait=True, cancel_futures=True)


def _one_by_one(
    paths: list[str], model_path: Path, n_windows: int, threads: int, should_stop: Callable[[], bool]
) -> Iterator[Outcome]:
    """Outcomes of ``paths``, the files in flight when a worker process died, each analysed alone in a worker
    of its own: a file on which the worker dies again (a decoder crashing on its damaged data, the system
    killing it for its memory) is reported as failed, and the others are analysed as usual.

    A worker that cannot even start (it dies before any file) is not any file's fault: that stops the run.
    """
    for path in paths:
        if should_stop():
            return
        with _pool(1, model_path, threads) as pool:
            pool.submit(int).result()  # started, with its model: BrokenProcessPool here is not this file's
            try:
                yield pool.submit(_worker_analyse, path, n_windows).result()
            except BrokenProcessPool:
                yield crashed(path)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM while a pool shuts down (in the main thread, where signals arrive).

    A second Ctrl-C used to cut the shutdown short: the workers never got their stop, and the process
    hung at exit joining them.  The shutdown waits only for the files in flight (an end, only for its workers
    to go), and the run is ending anyway, so a signal meanwhile has nothing left to stop.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _bounded_map(
    pool: ProcessPoolExecutor,
    queue: Iterator[str],
    n_windows: int,
    limit: int,
    should_stop: Callable[[], bool],
) -> Generator[Outcome, None, list[str]]:
    """Keep at most ``limit`` files of ``queue`` in flight, so cancelling never waits for a whole queue.

    Returns the files in flight when a worker process died (the pool is then broken: every file in flight fails
    with it, though only one killed it), for :func:`_one_by_one`; none when the queue is done or stopped.
    """
    in_flight: dict[Future[Outcome], str] = {}
    while True:
        while len(in_flight) < limit and not should_stop():
            path = next(queue, None)
            if path is None:
                break
            try:
                in_flight[pool.submit(_worker_analyse, path, n_windows)] = path
            except BrokenProcessPool:
                return [*in_flight.values(), path]
        if not in_flight:
            return []
        finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        if any(isinstance(future.exception(), BrokenProcessPool) for future in finished):
            wait(in_flight)  # a broken pool fails every future left at once
            suspects = []
            for future, path in in_flight.items():
                if isinstance(future.exception(), BrokenProcessPool):
                    suspects.append(path)
                else:
                    yield future.result()
            return suspects
        for future in finished:
            del in_flight[future]
            yield future.result()


def usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity and container limits)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_worker_model: GenreModel | None = None


def _start_worker(model_path: Path, threads: int) -> None:
    """Worker initialiser: one model per worker, with ``threads`` threads (Ctrl-C is the parent's business:
    :mod:`musictagger.workers` has the worker ignore it)."""
    global _worker_model
    _worker_model = GenreModel(model_path, threads=threads)


def _worker_analyse(path: str, n_windows: int) -> Outcome:
    assert _worker_model is not None, "worker started without its model"
    return analyse_file(_worker_model, path, n_windows=n_windows)

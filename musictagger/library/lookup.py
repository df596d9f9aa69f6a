"""Files' analyses, from the index where current, else computed now (in parallel).

``musictagger similar FILE``, ``musictagger tag`` and the window all need "what does the
model say about these files?"; a file indexed since its last change needs no second
analysis.  With a personal model active, every result is read through it
(:func:`musictagger.personal.active.through_active`).  Fresh results are not stored: a file outside the user's folders must not join
the library just because it was queried or tagged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from musictagger.errors import DecodeError, FileError
from musictagger.library.index import analyse_files
from musictagger.library.store import AnalysisKey, FileStamp, Library, TrackAnalysis
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.personal.active import through_active


def analyses_for(
    library: Library,
    paths: list[str | Path],
    *,
    model_path: Path | None = None,
    n_windows: int | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, TrackAnalysis | FileError]:
    """Each path's analysis or the :class:`FileError` that prevented it, keyed by absolute path, in the order of
    ``paths`` (a tagging preview lists its files so, whichever were indexed and whichever analysis ended first).

    ``on_progress(done, total)`` is called as results arrive; paths not reached before
    ``should_stop()`` turns true are missing from the result.
    """
    model_path = model_path or default_model_path()
    manifest = load_manifest(model_path)
    key = AnalysisKey.of(manifest, n_windows)
    results: dict[str, TrackAnalysis | FileError] = {}
    todo = []
    asked = list(dict.fromkeys(os.path.abspath(p) for p in paths))
    for path in asked:
        record = library.current_record(path, key)
        if record is not None and record.analysis is not None:
            results[path] = record.analysis
        else:
            todo.append(path)
    total = len(results) + len(todo)
    if on_progress:
        on_progress(len(results), total)
    for outcome in analyse_files(todo, model_path, key.windows, workers, should_stop or (lambda: False)):
        if outcome.vanished:
            results[outcome.path] = DecodeError(outcome.path, "file not found")
        elif outcome.analysis is None:
            results[outcome.path] = FileError(outcome.path, outcome.error or "could not be analysed")
        else:
            results[outcome.path] = outcome.analysis
        if on_progress:
            on_progress(len(results), total)
    return through_active({path: results[path] for path in asked if path in results}, manifest)


def analysis_for(library: Library, path: str | Path, *, model_path: Path | None = None) -> TrackAnalysis:
    """One file's analysis (see :func:`analyses_for`); raises the :class:`FileError` naming the file."""
    (result,) = analyses_for(library, [path], model_path=model_path).values()
    if isinstance(result, FileError):
        raise result
    return result


def indexed_name(library: Library, path: str) -> str:
    """The name by which the library indexes the file at ``path`` (absolute): ``path`` itself, the file's own path
    where ``path`` reaches it through a link (to the file, or to a folder of the library), or the indexed name of a
    hard link to it (the index holds one name per physical file); ``path`` when the library does not index the file.
    Under that name the stored analysis answers, and a search from the file leaves the file itself out rather than
    listing it as its own duplicate."""
    if library.record(path) is not None:
        return path
    real = os.path.realpath(path)
    if library.record(real) is not None:
        return real
    return _indexed_hard_link(library, path) or path


def _indexed_hard_link(library: Library, path: str) -> str | None:
    """The indexed name of another hard link to the file at ``path``, if it has any: looked for among the stored
    files of its size and mtime only when the file has several names, so a query from a file of one name (most)
    costs no scan of the index."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if info.st_nlink < 2:
        return None
    for other in library.paths_with_stamp(FileStamp(info.st_size, info.st_mtime_ns)):
        try:
            if os.path.samefile(other, path):
                return other
        except OSError:
            continue  # gone since it was indexed
    return None

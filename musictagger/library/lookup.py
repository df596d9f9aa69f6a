"""One file's analysis, from the index when it is current, else computed on the spot.

``musictagger similar FILE`` and the tagging command both need "what does the model say
about this file?"; a file indexed since its last change needs no second analysis.
On-the-spot results are not stored: a file outside the user's folders must not join the
library just because it was queried.
"""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.errors import DecodeError, FileError
from musictagger.library.analyse import analyse_file
from musictagger.library.store import AnalysisKey, Library, TrackAnalysis
from musictagger.model.runtime import GenreModel


def analysis_key(model: GenreModel, n_windows: int | None = None) -> AnalysisKey:
    """The key an index row must carry to be a valid answer for ``model`` and ``n_windows``."""
    return AnalysisKey(model.manifest.model_id, n_windows or model.manifest.windows_per_track)


def analysis_for(
    library: Library, path: str | Path, model: GenreModel, *, n_windows: int | None = None
) -> TrackAnalysis:
    """The stored analysis of ``path`` if current, else a fresh one; raises :class:`FileError` naming the file."""
    key = analysis_key(model, n_windows)
    record = library.current_record(path, key)
    if record is not None and record.analysis is not None:
        return record.analysis
    outcome = analyse_file(model, os.path.abspath(path), n_windows=key.windows)
    if outcome.vanished:
        raise DecodeError(path, "file not found")
    if outcome.analysis is None:
        raise FileError(path, outcome.error or "could not be analysed")
    return outcome.analysis

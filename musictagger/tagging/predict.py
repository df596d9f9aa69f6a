"""The genre predictions a tagging plan needs, from the library index where current.

The CLI and the window's tag dialog both call :func:`predict_genres`: a file indexed since
its last change is not analysed again, the rest are analysed in parallel (see
:func:`musictagger.library.lookup.analyses_for`), and every failure stays attached to its
file so the plan can report it and go on.  A stored or fresh verdict of *unknown* becomes a
prediction without a genre (and with the reason), which the plan skips.  An active personal model
that learnt another field (mood, grouping) is refused: tagging writes the genre field only, and its
values must not land there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from musictagger.errors import FileError, MusictaggerError
from musictagger.library import Library
from musictagger.library.lookup import analyses_for
from musictagger.personal.store import active_model
from musictagger.tagging.plan import Prediction


def predict_genres(
    paths: Sequence[str | Path],
    *,
    n_windows: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[Path, Prediction | MusictaggerError]:
    """Each file's predicted genre, or the error that prevented one, keyed by absolute path."""
    personal = active_model()
    if personal is not None and personal.field != "genre":
        raise MusictaggerError(
            f"the active personal model {personal.name!r} proposes {personal.field} values, and tagging writes "
            "genres only: choose a genre model or the shipped one (`musictagger models --use NAME` or `--use shipped`)"
        )
    with Library() as library:
        results = analyses_for(
            library, list(paths), n_windows=n_windows, on_progress=on_progress, should_stop=should_stop
        )
    return {
        Path(path): result
        if isinstance(result, FileError)
        else Prediction(result.genre, result.confidence, result.uncertain, result.verdict.reason)
        for path, result in results.items()
    }

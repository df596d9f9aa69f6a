"""The predictions a tagging plan needs, and the tag field they are values of, from the library index where current.

The CLI and the window's tag dialog both call :func:`predict_labels`: a file indexed since
its last change is not analysed again, the rest are analysed in parallel (see
:func:`musictagger.library.lookup.analyses_for`), and every failure stays attached to its
file so the plan can report it and go on.  A stored or fresh verdict of *unknown* becomes a
prediction without a label (and with the reason), which the plan skips.  With a personal model in
use the predictions are its labels, as the user spells them, and the field is the one it learnt
(``genre``, ``mood``, ``grouping`` …): its values are written into that field and no other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from musictagger.errors import FileError, MusictaggerError
from musictagger.library import Library
from musictagger.library.lookup import analyses_for
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.personal.active import field_in_use, personal_in_use
from musictagger.tagging.plan import Prediction


@dataclass(frozen=True)
class Proposals:
    """Each file's prediction (or the error that prevented one), keyed by absolute path, and the field
    they are values of."""

    field: str
    predictions: dict[Path, Prediction | MusictaggerError]


def predict_labels(
    paths: Sequence[str | Path],
    *,
    model_path: Path | None = None,
    n_windows: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Proposals:
    """What the model in use (the active personal model, else ``model_path`` or the shipped one) proposes for
    each file."""
    model_path = model_path or default_model_path()
    field = field_in_use(personal_in_use(load_manifest(model_path)))
    with Library(create=False) as library:
        results = analyses_for(
            library,
            list(paths),
            model_path=model_path,
            n_windows=n_windows,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    return Proposals(
        field,
        {
            Path(path): result
            if isinstance(result, FileError)
            else Prediction(result.genre, result.confidence, result.uncertain, result.verdict.reason)
            for path, result in results.items()
        },
    )

"""The out-of-vocabulary dev set (GTZAN clips): which clips a four-genre model should name, and which not.

``manifest.csv`` gives each clip's GTZAN genre and what a model knowing only the collection's
genres should answer (``rock`` for metal and rock, ``pop`` for pop, ``none`` for blues,
country, disco, hip-hop, jazz and reggae).  It is for evaluation and threshold choice only:
no weights are ever trained on it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from musictagger.collection import label_named
from musictagger.errors import MusictaggerError

NO_GENRE = "none"


@dataclass(frozen=True)
class DevClip:
    path: Path
    genre: str
    expected: str | None  # the model's label it should give, or None: "not one of my genres"


def load_dev_set(root: str | Path) -> tuple[DevClip, ...]:
    """The clips listed in ``root/manifest.csv``.

    Raises
    ------
    MusictaggerError
        The manifest is missing or names a file that does not exist.
    """
    root = Path(root)
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        raise MusictaggerError(f"{manifest}: the dev set's manifest is missing")
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    clips = []
    for row in rows:
        path = root / row["file"]
        if not path.is_file():
            raise MusictaggerError(f"{manifest}: lists {row['file']}, which does not exist")
        expected = row["for_four_genre_model"]
        clips.append(DevClip(path, row["genre"], None if expected == NO_GENRE else expected))
    return tuple(clips)


def spelt_for(clips: Sequence[DevClip], labels: Sequence[str]) -> tuple[DevClip, ...]:
    """``clips`` with each genre they should get spelt as ``labels`` (a model's, or a collection's being trained)
    spell it (:func:`~musictagger.collection.label_named`): the manifest's ``rock`` is a model's ``Rock``, whose every
    right answer was counted wrong; a genre none of them names is left as it is."""
    return tuple(
        replace(clip, expected=label_named(clip.expected, labels) or clip.expected) if clip.expected else clip
        for clip in clips
    )

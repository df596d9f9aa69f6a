"""One small generated library for the personal-model tests (and the window's learn dialog): three styles
tagged in several spellings, indexed with the real model (fixtures in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from musictagger.library import Library, index_folders
from musictagger.model.runtime import MODEL_ENV_VAR
from tests.model.variants import first_model
from tests.personal.styles import make_track

# Three styles, two artists each, tagged in several spellings; "HipHop/Rock" is two labels in one
# value, and Jazz (one track) and Rock (one) are too small to learn.
TAGGED = {
    "ambient": [["Ambient"], ["Ambient"], ["ambient"], ["Ambient"]],
    "beats": [["Hip-Hop"], ["Hip-Hop"], ["hip hop"], ["HipHop/Rock"]],
    "chimes": [["Drum & Bass"], ["Drum & Bass"], ["drum and bass"], ["Drum-and-Bass"]],
}
LABEL_OF = {"ambient": "Ambient", "beats": "Hip-Hop", "chimes": "Drum & Bass"}


@dataclass(frozen=True)
class StyleLibrary:
    """The generated folder, its indexed database, and two untagged ("held back") files of each style:
    ``held`` for predictions, ``to_tag`` for the test that writes into them."""

    root: Path
    database: Path
    held: dict[str, Path]
    to_tag: dict[str, Path]


def build_style_library(folder: Path) -> StyleLibrary:
    """Generate the library in ``folder`` and index it into ``folder/library.sqlite3`` with the first model."""
    root = folder / "Music"
    seed = 0
    for style, tag_lists in TAGGED.items():
        for i, genres in enumerate(tag_lists):
            seed += 1
            make_track(root / style / f"{i}.flac", style, seed=seed, genres=genres, artist=f"{style} artist {i // 2}")
    make_track(root / "jazz" / "0.flac", "ambient", seed=90, genres=["Jazz"], artist="a jazz artist")
    held = {style: make_track(root / "new" / f"{style}.flac", style, seed=100 + i) for i, style in enumerate(TAGGED)}
    to_tag = {
        style: make_track(root / "to tag" / f"{style}.flac", style, seed=110 + i) for i, style in enumerate(TAGGED)
    }
    database = root.parent / "library.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODEL_ENV_VAR, str(first_model()))
        summary = index_folders([root], library_path=database)
    assert summary.analysed == 19 and not summary.failed
    with Library(database):
        pass  # closed: the WAL is folded into the file, which can then be copied
    return StyleLibrary(root, database, held, to_tag)

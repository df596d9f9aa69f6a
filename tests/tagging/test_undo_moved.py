"""`undo` of a run whose files were moved since, as the library index followed them: restored where they are now when
they hold what the run left, left alone otherwise."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from musictagger.cli.main import main
from tests.tagging.media import make_file, native_genres, pretag


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_undo_restores_files_the_index_followed_to_their_new_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An album folder renamed after `tag` and indexed again (which follows the move): `undo` said each file 'is no
    longer there' and restored none; it restores the one that holds what the run left, at its new place, and leaves
    the one edited since."""
    music = tmp_path / "music"
    untouched, edited = (make_file(music / "Album", "flac", name=name, seed=i) for i, name in enumerate("ab"))
    before = sha256(untouched)
    assert main(["index", str(music)]) == 0
    assert main(["tag", str(music), "--mode", "replace", "--min-confidence", "0"]) == 0
    (music / "Album").rename(music / "Album (2019)")
    assert main(["index", str(music)]) == 0
    moved, moved_and_edited = music / "Album (2019)" / untouched.name, music / "Album (2019)" / edited.name
    pretag(moved_and_edited, genres=["Jazz"])
    capsys.readouterr()

    assert main(["undo"]) == 1

    out, err = capsys.readouterr()
    assert "1 restored, 1 not restored" in out
    assert f"moved to {moved_and_edited}; changed since run 1, its genre too (Jazz now;" in " ".join(err.split())
    assert sha256(moved) == before and native_genres(moved_and_edited) == ["Jazz"]

"""`musictagger index` says why files unchanged on disk are analysed again: after an upgrade from release 0.5.0
(another model) the whole library is, and the summary said only '52 analysed, 0 unchanged'."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from musictagger.cli.lines import wrap
from musictagger.cli.main import main
from musictagger.library import index_folders
from musictagger.library.reanalysis import why_again
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from musictagger.userdirs import library_db_path

RELEASE_0_5_0 = "hash-cnn-lstm-emotify-v2@86d7ae7a2f63+verdict-a589219d"
"""The key under which release 0.5.0 stored every analysis (its default model; no front-end version yet)."""


def test_index_says_why_it_analyses_unchanged_files_again(
    music_folder: Path, first_model_as_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["index", str(music_folder), "--workers", "1"])
    capsys.readouterr()
    with sqlite3.connect(library_db_path()) as db:  # as release 0.5.0, and a run with 5 windows, left them
        db.execute("UPDATE tracks SET model_id = ? WHERE path LIKE '%/album1/%'", (RELEASE_0_5_0,))
        db.execute("UPDATE tracks SET windows = 5 WHERE path LIKE '%/05.wav'")

    assert main(["index", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert " ".join(out.split()).startswith("3 analysed, 2 unchanged, 0 failed, 1 failed earlier")
    manifest = load_manifest(first_model_as_default)
    name = manifest.name
    assert (
        wrap(
            "  2 files unchanged since indexed, analysed again because another model had analysed them "
            f"(hash-cnn-lstm-emotify-v2; the model in use is {name})"
        )
        in out
    )
    assert (
        wrap(
            "  1 file unchanged since indexed, analysed again because they had been analysed with 5 windows a track "
            f"(now {manifest.windows_per_track})"
        )
        in out
    )

    assert main(["index", "--workers", "1"]) == 0
    assert "analysed again" not in capsys.readouterr().out  # nothing is, the next time


def test_the_files_said_analysed_again_are_those_analysed(music_folder: Path, first_model_as_default: Path) -> None:
    """A run stopped before it analysed a file said '5 files unchanged since indexed, analysed again because …' of
    the files it meant to analyse; and a file that failed, tried again under another window count, was counted among
    those 'analysed with 3 windows a track' though it had never been analysed and failed again."""
    index_folders([music_folder], workers=1)
    before = load_manifest(first_model_as_default).windows_per_track
    now = before + 1

    stopped = index_folders([music_folder], workers=1, n_windows=now, should_stop=lambda: True)
    assert stopped.interrupted and stopped.analysed == 0
    assert not stopped.again
    summary = index_folders([music_folder], workers=1, n_windows=now)
    assert summary.analysed == 5 and [Path(path).name for path, _why in summary.failed] == ["broken.mp3"]
    assert summary.again == {f"they had been analysed with {before} windows a track (now {now})": 5}


def test_why_again_names_what_changed() -> None:
    now = AnalysisKey("hash-cnn-lstm-emotify-v3@8089dd08585f+verdict-164c7109+frontend-2", 3)

    def why(model_id: str, windows: int = 3) -> str:
        return why_again(AnalysisKey(model_id, windows), now)

    assert why(RELEASE_0_5_0) == (
        "another model had analysed them (hash-cnn-lstm-emotify-v2; the model in use is hash-cnn-lstm-emotify-v3)"
    )
    assert why("hash-cnn-lstm-emotify-v3@0123456789ab+verdict-164c7109+frontend-2") == (
        "another version of hash-cnn-lstm-emotify-v3 had analysed them"
    )
    assert why("hash-cnn-lstm-emotify-v3@8089dd08585f+verdict-164c7109+frontend-1") == (
        "an earlier front end had computed their spectrograms"
    )
    assert why("hash-cnn-lstm-emotify-v3@8089dd08585f+verdict-164c7109") == (
        "an earlier front end had computed their spectrograms"
    )
    assert why("hash-cnn-lstm-emotify-v3@8089dd08585f+verdict-00000000+frontend-2") == (
        "hash-cnn-lstm-emotify-v3's verdict policy has changed since they were analysed"
    )
    assert why(now.model_id, 5) == "they had been analysed with 5 windows a track (now 3)"
    assert why(now.model_id, 1) == "they had been analysed with 1 window a track (now 3)"  # not '1 windows'

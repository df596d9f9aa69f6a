"""``python -m musictagger.training.verify_backbone DATA_DIR``: the backbone's tags as detectors of the collection's
genres, the folders matched to the checks' genres by the rule every command follows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.errors import ModelError, MusictaggerError
from musictagger.training import compare_backbones, verify_backbone
from musictagger.training.verify_backbone import CHECKS, report


def test_genre_folders_named_in_other_case_are_the_checks_genres(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A collection filed as a collector capitalises it (Classical/, Electronic/) had no track of the checks'
    ``classical`` or ``electronic``: no AUC, every target MISSED and the status 1, whatever the backbone did.  The
    scores are each track's own tags high, as a faithful backbone gives them (50 resamples: the table, not its
    intervals, is checked)."""
    monkeypatch.setattr(verify_backbone, "BOOTSTRAP_RESAMPLES", 50)
    labels = sorted({check.tag for check in CHECKS})
    genres = [genre for genre in ("Classical", "Electronic", "Rock", "Pop") for _ in range(4)]
    scores = np.random.default_rng(0).uniform(0.0, 0.2, (len(genres), len(labels)))
    for row, genre in enumerate(genres):
        for check in CHECKS:
            if check.genre == genre.lower():
                scores[row, labels.index(check.tag)] += 0.8

    assert report(scores, labels, genres)
    table = capsys.readouterr().out
    assert "MISSED" not in table and "nan" not in table
    rows = [line.split()[:3] for line in table.splitlines()[2:4]]
    assert rows == [["classical", "classical", "4"], ["electronic", "techno", "4"]]  # each genre's 4 tracks counted


@pytest.fixture
def drawn_collection(tmp_path: Path) -> Path:
    """Two genres of three silent 0.1 s files, no split files, and a genre folder whose copy failed (no audio)."""
    data = tmp_path / "data"
    for genre in ("classical", "rock"):
        (data / genre).mkdir(parents=True)
        for i in range(3):
            sf.write(data / genre / f"{i}.wav", np.zeros(1600, np.float32), 16000)
    (data / "pop").mkdir()
    return data


def test_both_backbone_tools_say_the_collections_notes_first(
    drawn_collection: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command reading a collection says first that its split was drawn and which folder holds no audio; these
    two said neither, so compare_backbones chose on a drawn split and verify_backbone missed pop's targets without a
    word.  verify_backbone scores every track whatever its split, so it says only the folder.  Each stops at a
    missing file named after the notes (weights, dev set), before any backbone runs."""
    with pytest.raises(ModelError, match="backbone weights not found"):
        verify_backbone.main([str(drawn_collection), "--weights", str(tmp_path / "none.npz")])
    said = capsys.readouterr().err
    assert "pop holds no audio files, so no genre of the collection" in said
    assert "random stratified split" not in said

    with pytest.raises(MusictaggerError, match="the dev set's manifest is missing"):
        compare_backbones.main([str(drawn_collection), str(tmp_path / "no-dev"), "--out", str(tmp_path / "b.md")])
    said = " ".join(capsys.readouterr().err.split())
    assert f"note: {drawn_collection} has no train.txt, valid.txt and test.txt" in said
    assert "pop holds no audio files" in said

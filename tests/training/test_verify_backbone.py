"""``python -m musictagger.training.verify_backbone DATA_DIR``: the backbone's tags as detectors of the collection's
genres, the folders matched to the checks' genres by the rule every command follows."""

from __future__ import annotations

import numpy as np
import pytest

from musictagger.training import verify_backbone
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

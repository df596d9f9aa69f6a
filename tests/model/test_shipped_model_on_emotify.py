"""The shipped model on real music it never saw: a handful of Emotify test tracks."""

from __future__ import annotations

from pathlib import Path

from musictagger.model.runtime import load_model

TRACKS_PER_GENRE = 3


def test_shipped_model_gets_most_emotify_test_tracks_right(emotify_dir: Path) -> None:
    model = load_model()
    test_files = (emotify_dir / "test.txt").read_text().split()
    chosen = [
        f for genre in model.labels for f in [p for p in test_files if p.startswith(f"{genre}/")][:TRACKS_PER_GENRE]
    ]
    assert len(chosen) == TRACKS_PER_GENRE * len(model.labels)
    correct = sum(model.analyze_file(emotify_dir / f).ranking[0].label == f.split("/")[0] for f in chosen)
    # "Most": more than half of the best genres (the verdict may still refuse a track whose backbone
    # tags lean outside the four).  The model's test accuracy is 0.713 [0.613, 0.812] (reports/), so
    # a handful of tracks can hold a few errors, but a broken model or front end (chance: 1 in 4) fails.
    assert correct > len(chosen) / 2, f"only {correct} of {len(chosen)} test tracks right"

"""The int8 agreement counts what ``tag`` would write the way ``tag`` decides it, on real analyses."""

from __future__ import annotations

from pathlib import Path

from musictagger.evaluation.agreement import agreement, written_by_tag
from musictagger.model.runtime import GenreModel
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE, Action, Mode, Prediction, decide
from tests.audio.signals import music, noise, write
from tests.model.variants import first_model

SR = 22050


def test_the_genre_tag_would_write_is_what_the_plan_decides_and_a_model_agrees_with_itself(tmp_path: Path) -> None:
    tracks = [
        write(tmp_path / "band.flac", music(sr=SR, seconds=8.0, seed=0), SR, "flac"),
        write(tmp_path / "chords.flac", music(sr=SR, seconds=8.0, seed=2), SR, "flac"),
        write(tmp_path / "hiss.flac", noise(sr=SR, seconds=8.0, rms_dbfs=-20, seed=1), SR, "flac"),
    ]
    model = GenreModel(first_model())
    analyses = [model.analyze_file(track) for track in tracks]

    for analysis in analyses:
        prediction = Prediction(analysis.genre, analysis.confidence, analysis.uncertain)
        action, _reason, _proposed = decide((), prediction, mode=Mode.REPLACE, min_confidence=DEFAULT_MIN_CONFIDENCE)
        assert written_by_tag(analysis) == (analysis.genre if action is Action.WRITE else None), analysis.summary()

    result = agreement(model, model, tracks)
    assert (result.tracks, result.same_verdict, result.same_decision, result.same_tag_decision) == (3, 1.0, 1.0, 1.0)

"""Verdicts a user can trust, through the runtime and ``musictagger analyze``: a genre, or "not one
of my genres" / "not music" with the reason, on real generated audio and real copies of the model."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.model.verdict import NOT_MUSIC, calibrate
from tests.audio.signals import music, write
from tests.model.variants import first_model

SR = 22050


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six seconds of chord and drums: one analysis window."""
    return write(tmp_path_factory.mktemp("song") / "song.flac", music(sr=SR, seconds=6.0, seed=0), SR, "flac")


@pytest.fixture(scope="module")
def first(song: Path) -> Analysis:
    """The song as the first model (no verdict policy) hears it."""
    return GenreModel(first_model()).analyze_file(song)


def test_an_unknown_verdict_names_no_genre_but_keeps_the_nearest(
    unknown_model: Path, song: Path, first: Analysis
) -> None:
    analysis = GenreModel(unknown_model).analyze_file(song)

    assert analysis.unknown and analysis.genre is None and not analysis.uncertain
    assert analysis.verdict.reason == "not one of: classical, electronic, pop, rock"
    assert analysis.nearest_genre == first.genre  # temperature keeps a window's order
    assert analysis.confidence < first.confidence  # … and lowers the best probability
    assert analysis.summary() == f"not one of my genres (nearest: {first.genre} {analysis.confidence:.2f})"
    assert analysis.code_hex == first.code_hex  # the code does not depend on the verdict


def test_calibration_is_temperature_scaling_of_every_window(calibrated_model: Path, tmp_path: Path) -> None:
    long_song = write(tmp_path / "long.flac", music(sr=SR, seconds=90.0, seed=2), SR, "flac")  # three windows
    raw = GenreModel(first_model()).analyze_file(long_song)
    calibrated = GenreModel(calibrated_model).analyze_file(long_song)

    assert len(raw.window_starts_s) == 3
    expected = calibrate(raw.window_probabilities, 2.0)
    assert calibrated.window_probabilities == pytest.approx(expected, abs=1e-6)
    assert calibrated.probabilities == pytest.approx(expected.mean(axis=0), abs=1e-6)
    assert calibrated.confidence == pytest.approx(float(expected.mean(axis=0).max()), abs=1e-6)
    assert calibrated.verdict.kind == "genre" and calibrated.genre == calibrated.nearest_genre


def test_a_novelty_output_above_the_policy_s_threshold_is_not_music(not_music_model: Path, song: Path) -> None:
    analysis = GenreModel(not_music_model).analyze_file(song)
    assert analysis.novelty == pytest.approx(1.0)
    assert analysis.verdict.evidence["novelty"] == pytest.approx(1.0)
    assert analysis.unknown and analysis.verdict.reason == NOT_MUSIC
    assert analysis.summary() == "not music" and analysis.verdict.label == "not music"


def test_the_model_id_changes_with_the_verdict_policy(unknown_model: Path, calibrated_model: Path) -> None:
    """The library re-analyses a file when the model id changes: a retuned policy must change it."""
    first_id = GenreModel(first_model()).manifest.model_id  # no verdict section: the id of the weights alone
    ids = {GenreModel(path).manifest.model_id for path in (unknown_model, calibrated_model)}
    assert len(ids) == 2 and first_id not in ids
    assert all(model_id.startswith(first_id + "+verdict-") for model_id in ids)


def test_analyze_json_says_unknown_with_its_reason_and_exits_0(
    use_model: Callable[[Path], Path], unknown_model: Path, song: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_model(unknown_model)
    assert main(["analyze", "--json", str(song)]) == 0
    record = json.loads(capsys.readouterr().out)
    expected = GenreModel(unknown_model).analyze_file(song)

    assert record["genre"] is None
    assert record["verdict"] == "unknown"
    assert record["reason"] == "not one of: classical, electronic, pop, rock"
    assert record["nearest_genre"] == expected.nearest_genre == record["top"][0]["genre"]
    assert record["confidence"] == round(expected.confidence, 4)
    assert record["uncertain"] is False
    assert record["summary"] == expected.summary()
    assert record["model"] == expected.model_id


def test_analyze_json_of_a_genre_has_a_null_reason(song: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--json", "--model", str(first_model()), str(song)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"] == "genre" and record["reason"] is None
    assert record["genre"] == record["nearest_genre"] is not None


def test_analyze_text_says_it_in_words(
    use_model: Callable[[Path], Path],
    unknown_model: Path,
    not_music_model: Path,
    song: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_model(unknown_model)
    assert main(["analyze", str(song)]) == 0
    lines = capsys.readouterr().out.splitlines()
    nearest = GenreModel(unknown_model).analyze_file(song)
    assert f"  genre:  not one of my genres (nearest: {nearest.nearest_genre} {nearest.confidence:.2f})" in lines
    assert lines[2:4] == [  # wrapped at 80 columns, under its first line's words
        "  reason: The model knows only classical, electronic, pop, rock; this sounds",
        "          like none of them.",
    ]

    assert main(["analyze", "--model", str(not_music_model), str(song)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  genre:  not music" in lines  # and why, in words that do not repeat it
    assert lines[2:4] == [
        "  reason: It does not sound like music to the model (speech, noise, tones and",
        "          hum come out so).",
    ]

"""``musictagger tag`` with models that can say "unknown": such files are never written and the plan
says why; the threshold applies to the calibrated confidence.  Real files, read back with mutagen."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from musictagger import csv_file
from musictagger.cli.main import main
from musictagger.model.runtime import GenreModel
from musictagger.tagging.plan import genre_tag
from tests.model.variants import first_model
from tests.tagging.media import make_file, native_genres, native_tags, pretag
from tests.tagging.preview import preview_actions


def plan_rows(path: Path) -> dict[Path, dict[str, str]]:
    with open(path, newline="", encoding=csv_file.ENCODING) as file:
        return {Path(row["file"]): row for row in csv.DictReader(file)}


def test_files_the_model_has_no_genre_for_are_skipped_with_the_reason_and_left_untouched(
    tmp_path: Path, use_model: Callable[[Path], Path], unknown_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "music"
    tagged, bare = make_file(folder, "mp3", name="tagged", seed=0), make_file(folder, "flac", name="bare", seed=1)
    pretag(tagged, genres=["Jazz"])
    files = [tagged, bare]
    tags_before = {path: native_tags(path) for path in files}
    bytes_before = {path: path.read_bytes() for path in files}
    preview = tmp_path / "plan.csv"
    use_model(unknown_model)

    assert main(["tag", str(folder), "--dry-run", "--min-confidence", "0", "--csv", str(preview)]) == 0
    rows = plan_rows(preview)
    assert set(rows) == set(files)
    for path in files:
        assert rows[path]["action"] == "skip: unknown: not one of: classical, electronic, pop, rock"
        assert rows[path]["proposed genre"] == ""
    assert rows[tagged]["current genre"] == "Jazz"
    capsys.readouterr()

    assert main(["tag", str(folder), "--min-confidence", "0"]) == 0  # unknown is a verdict, not a failure
    out = capsys.readouterr().out
    assert "0 write, 0 unchanged, 2 skip (2 not one of my genres), 0 error" in out and "nothing to write" in out
    assert native_genres(tagged) == ["Jazz"] and native_genres(bare) == []
    assert {path: native_tags(path) for path in files} == tags_before
    assert {path: path.read_bytes() for path in files} == bytes_before


def test_not_music_is_skipped_with_its_own_reason(
    tmp_path: Path, use_model: Callable[[Path], Path], not_music_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_file(tmp_path / "music", "ogg")
    use_model(not_music_model)
    assert main(["tag", str(path.parent), "--dry-run", "--min-confidence", "0"]) == 0
    assert preview_actions(capsys.readouterr().out, [path]) == {path: "skip: unknown: not music"}


def test_the_threshold_applies_to_the_calibrated_confidence(
    tmp_path: Path, use_model: Callable[[Path], Path], calibrated_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_file(tmp_path / "music", "flac")
    raw = GenreModel(first_model()).analyze_file(path)
    calibrated = GenreModel(calibrated_model).analyze_file(path)
    assert calibrated.genre == raw.genre and calibrated.confidence < raw.confidence
    between = round((raw.confidence + calibrated.confidence) / 2, 4)

    use_model(first_model())
    assert main(["tag", str(path.parent), "--dry-run", "--min-confidence", str(between)]) == 0
    assert "1 write, 0 unchanged, 0 skip" in capsys.readouterr().out

    use_model(calibrated_model)
    assert main(["tag", str(path.parent), "--dry-run", "--min-confidence", str(between)]) == 0
    assert f"skip: below threshold {between:.2f}" in capsys.readouterr().out

    # With a threshold below its calibrated confidence, the model that never says unknown tags as the first one.
    assert main(["tag", str(path.parent), "--min-confidence", str(round(calibrated.confidence - 0.01, 4))]) == 0
    assert native_genres(path) == [genre_tag(raw.genre)]

"""End to end: ``musictagger evaluate`` with two models on a tiny generated collection and dev set.

The first model is the shipped one; the second has the same weights and a verdict policy that
calls everything unknown (tests/model/variants.py).  So every figure that does not depend on
the verdict (genres, codes, same-track retrieval) must be equal for both, and every detector
figure of the second is known in advance.  One CLI run (module-scoped) serves every test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from musictagger.cli.main import main
from musictagger.collection import SPLITS, Collection, Track, load_collection
from musictagger.errors import DecodeError, MusictaggerError
from musictagger.evaluation import evaluate as evaluate_module
from musictagger.evaluation.evaluate import Protocol, evaluate
from musictagger.evaluation.nonmusic import EVALUATION_RATE, white_noise
from musictagger.evaluation.outcomes import Outcome, TrackOutcomes
from musictagger.evaluation.report import FIGURES, headline, render_markdown
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.runtime import FAST_MODEL_NAME, GenreModel
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE
from tests.audio.signals import music, tone
from tests.model.variants import ALWAYS_UNKNOWN, first_model, model_with_verdict, shipped_model

pytest.importorskip("matplotlib", reason="the report's figures need matplotlib (the train extra)")

SR = 16000
# Per genre: the train track, the valid track, the test track, and their lengths in seconds.
# A 60-s track has a later window (30–59.12 s); the others are too short and are skipped.
LENGTHS = {"train": 12.0, "valid": 60.0, "test": 12.0}
BROKEN = "broken.wav"  # a test track no decoder reads: left out of the figures, named, status 1
NON_MUSIC_KINDS = 9  # generators in musictagger.evaluation.nonmusic, one sound each here


def _quiet_chords(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return sum(tone(f, sr=SR, seconds=seconds, amplitude=0.08) for f in rng.uniform(200.0, 900.0, 4))


def _copy_model(onnx_path: Path, folder: Path, name: str) -> Path:
    """``onnx_path`` and its sidecar copied into ``folder`` as ``name.onnx`` / ``name.json``."""
    target = folder / f"{name}.onnx"
    shutil.copy(onnx_path, target)
    shutil.copy(sidecar_path(onnx_path), sidecar_path(target))
    return target


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("evaluate")
    collection = root / "collection"
    makers = {"rock": lambda s, k: music(sr=SR, seconds=s, seed=k), "classical": _quiet_chords}
    for genre, make in makers.items():
        (collection / genre).mkdir(parents=True)
        for i, seconds in enumerate(LENGTHS.values()):
            sf.write(collection / genre / f"{i}.wav", make(seconds, i), SR)
    for i, split in enumerate(LENGTHS):
        (collection / f"{split}.txt").write_text("".join(f"{genre}/{i}.wav\n" for genre in makers))
    (collection / "rock" / BROKEN).write_bytes(b"RIFF, then nothing a decoder reads")
    with (collection / "test.txt").open("a") as test:
        test.write(f"rock/{BROKEN}\n")
    dev = root / "dev"
    for folder in ("jazz", "rock"):
        (dev / folder).mkdir(parents=True)
    sf.write(dev / "jazz" / "jazz.00001.wav", _quiet_chords(15.0, 7), SR)
    sf.write(dev / "rock" / "rock.00001.wav", music(sr=SR, seconds=15.0, seed=9), SR)
    (dev / "manifest.csv").write_text(
        "file,genre,for_four_genre_model\njazz/jazz.00001.wav,jazz,none\nrock/rock.00001.wav,rock,rock\n"
    )
    models = root / "models"
    models.mkdir()
    first = _copy_model(first_model(), models, "first")
    second = _copy_model(model_with_verdict(root / "variant", ALWAYS_UNKNOWN), models, "second")
    reports = root / "reports"
    args = ["evaluate", str(collection), "--dev-set", str(dev), "--model", str(first), "--model", str(second)]
    options = ["--windows", "1", "--non-music-per-kind", "1", "--bootstrap", "200", "--reports", str(reports)]
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        status = main([*args, *options, "--record"])
    return {"reports": reports, "first": first, "second": second, "status": status, "stderr": stderr.getvalue()}


def _result(setup: dict[str, Path], name: str) -> dict[str, Any]:
    return json.loads((setup["reports"] / f"evaluation-{name}-test.json").read_text())


def _intervals(value: Any) -> list[dict[str, Any]]:
    """Every ``{"value", "ci95"}`` interval anywhere in a result."""
    if isinstance(value, dict):
        own = [value] if "ci95" in value else []
        return own + [i for item in value.values() for i in _intervals(item)]
    if isinstance(value, list):
        return [i for item in value for i in _intervals(item)]
    return []


def test_each_model_gets_its_own_reports_and_the_comparison_is_written(setup: dict[str, Path]) -> None:
    reports = setup["reports"]
    for name in ("first", "second"):
        for stem in ("evaluation-{}-test.json", "evaluation-{}-test.md", "confusion-{}-test.png"):
            assert (reports / stem.format(name)).stat().st_size > 500
        assert (reports / f"reliability-{name}-test.png").read_bytes()[:4] == b"\x89PNG"
    assert (reports / "comparison.md").is_file() and (reports / "comparison.json").is_file()


def test_a_file_that_fails_is_named_and_the_status_says_not_all_was_done(setup: dict[str, Path]) -> None:
    """A test track that could not be analysed was left out of the figures with status 0, named only at the end of
    the report: a researcher read accuracy over the others as over all."""
    assert setup["status"] == 1
    said = " ".join(str(setup["stderr"]).split())
    broken = re.escape(f"{setup['reports'].parent}/collection/rock/{BROKEN}")
    assert len(re.findall(f"error: {broken}:? not an audio file", said)) == 1  # no ':' after a path on a line alone
    for name in ("first", "second"):
        assert f"{name}: 1 input could not be analysed, left out of its figures" in said


def test_figures_are_in_range_and_add_up(setup: dict[str, Path]) -> None:
    result = _result(setup, "first")
    assert (result["tracks"], result["database_tracks"]) == (2, 2)
    assert [failure["file"] for failure in result["failures"]] == [f"rock/{BROKEN}"]
    for interval in _intervals(result):
        if interval["value"] is not None:
            low, high = interval["ci95"]
            assert 0.0 <= low <= interval["value"] <= high <= 1.0

    assert sum(map(sum, result["confusion_matrix"])) == len(result["predictions"]) == 2
    calibration = result["calibration"]
    assert sum(b["count"] for b in calibration["bins"]) == 2
    assert calibration["nll"] >= 0.0 and 0.0 <= calibration["brier"] <= 2.0
    assert 1 / len(result["labels"]) <= calibration["mean_confidence"] <= 1.0

    codes = result["codes"]
    assert codes["tracks"] == 6
    assert 1 <= codes["distinct_codes"] <= 6 and codes["largest_group"] <= 6
    assert codes["unique_tracks"] + codes["largest_group"] * (codes["largest_group"] > 1) <= 6
    assert codes["unique_share"] == pytest.approx(codes["unique_tracks"] / 6, abs=1e-4)
    sharing = codes["non_music"]
    assert sharing["sounds"] == sharing["sharing"]["total"] == NON_MUSIC_KINDS
    assert max(sharing["sharing_with_tracks"], sharing["sharing_with_other_kinds"]) <= sharing["sharing"]["count"]
    assert sharing["sharing"]["count"] + sharing["sharing_own_kind"]["count"] <= sharing["sounds"]

    same = result["same_track"]
    assert same["database_tracks"] == 6
    assert same["room_capture"]["queries"] == 4 and same["room_capture"]["database"] == 6  # valid + test tracks
    assert same["later_window"]["queries"] == 2 and same["later_window_skipped"] == 2  # the two 60-s tracks
    assert same["later_window"]["within"] == 10 and same["room_capture"]["within"] == 1
    of_split = same["of_split"]  # the test split's queries alone, as a choice made on a split must read them
    assert of_split["room_capture"]["queries"] == result["tracks"] == 2 and of_split["room_capture"]["database"] == 6
    assert of_split["room_capture"]["found"]["value"] * 2 <= same["room_capture"]["found"]["value"] * 4 + 1e-9
    assert of_split["later_window"] is None or of_split["later_window"]["queries"] <= 2


def test_a_model_without_a_detector_gives_everything_a_genre(setup: dict[str, Path]) -> None:
    detector = _result(setup, "first")["unknown_detector"]
    assert not detector["detects_unknown"]
    assert detector["in_vocabulary"]["kept"] == {"count": 2, "total": 2}
    assert detector["dev_set"]["out_of_vocabulary_refused"] == {"count": 0, "total": 1}
    assert detector["dev_set"]["in_vocabulary_kept"] == {"count": 1, "total": 1}
    assert detector["non_music"]["refused"] == {"count": 0, "total": NON_MUSIC_KINDS}
    assert detector["non_music"]["seed"] == 2


def test_a_model_calling_everything_unknown_keeps_nothing(setup: dict[str, Path]) -> None:
    detector = _result(setup, "second")["unknown_detector"]
    assert detector["detects_unknown"] and detector["chosen_on"] == "tests"
    inside = detector["in_vocabulary"]
    assert inside["kept"] == {"count": 0, "total": 2}
    assert inside["accuracy_kept"]["value"] is None and inside["accuracy_overall"]["value"] == 0.0
    dev = detector["dev_set"]
    assert dev["out_of_vocabulary_refused"] == {"count": 1, "total": 1}
    assert dev["in_vocabulary_kept"] == {"count": 0, "total": 1}
    assert [row["refused"] for row in dev["per_genre"]] == [row["clips"] for row in dev["per_genre"]] == [1, 1]
    assert detector["non_music"]["refused"] == {"count": NON_MUSIC_KINDS, "total": NON_MUSIC_KINDS}
    assert detector["non_music"]["not_music"]["count"] == 0  # its policy says "not one of", never "not music"


def test_figures_that_do_not_depend_on_the_verdict_are_equal_for_the_same_weights(setup: dict[str, Path]) -> None:
    first, second = _result(setup, "first"), _result(setup, "second")
    for key in ("accuracy", "macro_f1", "map", "confusion_matrix", "codes", "same_track"):
        assert first[key] == second[key], key
    assert first["calibration"]["ece"] != second["calibration"]["ece"]  # temperature 4 changes the confidences


def test_the_comparison_has_a_row_per_figure_and_the_paired_tests(setup: dict[str, Path]) -> None:
    comparison = json.loads((setup["reports"] / "comparison.json").read_text())
    first = _result(setup, "first")
    assert comparison["models"] == ["first", "second"] and comparison["split"] == "test"
    assert [row["key"] for row in comparison["rows"]] == [figure.key for figure in FIGURES]
    rows = {row["key"]: row for row in comparison["rows"]}
    assert (
        rows["room_capture_first"]["goal"] == "≥ 0.90"
        and rows["ece"]["goal"] == "≤ 0.05"
        and rows["later_window_top10"]["goal"] == "≥ 0.50"
    )
    assert rows["accuracy"]["values"]["first"] == first["accuracy"]
    assert rows["kept_share"]["values"]["second"]["value"] == 0.0
    genre_test, verdict_test = comparison["paired_tests"]
    assert (genre_test["only_first_right"], genre_test["only_second_right"], genre_test["p_exact"]) == (0, 0, 1.0)
    right = sum(p["verdict"] == p["true"] for p in first["predictions"])
    assert (verdict_test["tracks"], verdict_test["only_first_right"], verdict_test["only_second_right"]) == (
        2,
        right,
        0,
    )
    markdown = (setup["reports"] / "comparison.md").read_text()
    assert "| figure | measured on | first | second | goal |" in markdown and "McNemar" in markdown


def test_the_markdown_report_says_what_each_figure_was_measured_on(setup: dict[str, Path]) -> None:
    first = (setup["reports"] / "evaluation-first-test.md").read_text()
    assert "| accuracy (best genre of the probabilities) | test split, 2 tracks |" in first
    assert "This model has no unknown detector" in first
    assert "| jazz | no genre | 1 | 0 | 0 | — |" in first
    assert "thresholds are chosen on seed 1" in first
    assert "a perfectly calibrated model with these confidences would show an ECE of" in first
    assert (
        f"At a tagging threshold of {DEFAULT_MIN_CONFIDENCE:g}, `tag` would write a genre, necessarily wrong, into"
        in first
    )
    assert "Thresholds chosen on: tests." in (setup["reports"] / "evaluation-second-test.md").read_text()


def test_the_non_music_is_rendered_at_a_files_rate_and_the_reports_say_so(setup: dict[str, Path]) -> None:
    """The generated non-music was rendered at the model's 16 kHz, where a noise holds energy up to 8 kHz that the
    resampler takes from every 44.1 or 48 kHz file, and the third model called white noise "not music" that it calls
    "not one of my genres" from a file; the reports did not say the rate."""
    assert _result(setup, "first")["unknown_detector"]["non_music"]["sample_rate"] == 44100
    first = (setup["reports"] / "evaluation-first-test.md").read_text()
    assert "**Generated non-music** (seed 2 at 44.1 kHz; thresholds are chosen on seed 1 at 16 kHz)" in first
    assert "| generated non-music, seed 2 at 44.1 kHz, 9 sounds |" in first


def test_the_non_music_reaches_the_model_at_a_files_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above reads what the reports say; this is what the model hears: the sounds rendered at
    :data:`~musictagger.evaluation.nonmusic.EVALUATION_RATE` and handed over as such, for the front end to resample
    as it does a file's (rendered at the model's 16 kHz, white noise kept energy near 8 kHz that no file does).  One
    white noise stands for the 18 sounds (each costs the model a whole window)."""
    model = GenreModel(model_file(FAST_MODEL_NAME))
    rendered: list[int] = []
    handed: list[tuple[int, int]] = []

    def one_noise(seed: int, *, sr: int, seconds: float, per_kind: int) -> list[tuple[str, np.ndarray]]:
        rendered.append(sr)
        return [("white noise #1", white_noise(np.random.default_rng(seed), sr, seconds))]

    analyse = model.analyze_signal

    def heard(y: np.ndarray, *, sr: int, **kwargs: Any) -> Any:
        handed.append((y.size, sr))
        return analyse(y, sr=sr, **kwargs)

    monkeypatch.setattr(evaluate_module, "non_music", one_noise)
    monkeypatch.setattr(model, "analyze_signal", heard)
    nothing = Collection(root=tmp_path, labels=model.labels, splits={s: () for s in SPLITS}, split_source="none")
    outcomes = evaluate_module.analyse_all(model, nothing, dev_clips=(), n_windows=1, protocol=Protocol())
    assert not outcomes.failures and len(outcomes.non_music) == 1
    assert rendered == [EVALUATION_RATE] and handed == [(int(30.0 * EVALUATION_RATE), EVALUATION_RATE)]


def test_record_stores_nothing_of_a_run_in_which_an_input_could_not_be_analysed(setup: dict[str, Path]) -> None:
    """The broken test track left out, --record stored the figures of the others in the sidecars as the model's, for
    `models` and the window to show; status 1 and the failure named said nothing of it."""
    said = " ".join(str(setup["stderr"]).split())
    for name, source in (("first", first_model()), ("second", None)):
        sidecar = sidecar_path(setup[name])
        assert f"{name}: nothing recorded in {sidecar}: its figures leave out what could not be analysed" in said
        if source is not None:
            assert load_manifest(setup[name]).metrics == load_manifest(source).metrics
    assert "recorded the" not in said


def test_the_headline_figures_record_would_store_are_the_results_with_their_data(setup: dict[str, Path]) -> None:
    """What a run analysing every input records (``evaluate --record``: the sidecar's ``metrics``), from the result."""
    result = _result(setup, "first")
    metrics = headline(result)
    assert {"test", "dev-set", "non-music", "codes", "same-track", "same-track-test"} <= set(metrics)
    assert all("split" in group for group in metrics.values())
    assert metrics["test"]["split"] == "test" and metrics["test"]["accuracy"] == result["accuracy"]
    assert metrics["test"]["ece"] == result["calibration"]["ece"]
    assert metrics["test"]["ece_if_calibrated"] == result["calibration"]["ece_if_calibrated"]["mean"] > 0
    assert metrics["codes"]["distinct_codes"] == result["codes"]["distinct_codes"]
    assert metrics["same-track"]["room_capture_first"] == result["same_track"]["room_capture"]["found"]
    split_alone = metrics["same-track-test"]
    assert split_alone["room_capture_first_of_split"] == result["same_track"]["of_split"]["room_capture"]["found"]
    assert split_alone["split"].startswith("queries: 2 test tracks alone")
    assert metrics["dev-set"]["split"].startswith("dev set dev, 2 clips")
    assert (
        metrics["dev-set"]["out_of_vocabulary_written"]
        == result["unknown_detector"]["dev_set"]["out_of_vocabulary_written"]
    )
    assert headline(_result(setup, "second"))["test"]["kept_share"]["value"] == 0.0


def test_models_with_the_same_file_name_are_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evaluate", str(tmp_path), "--model", "a/model.onnx", "--model", "b/model.onnx"]
    assert main(args) == 1
    assert "different names" in " ".join(capsys.readouterr().err.split())  # wrapped at 80 columns


def test_record_into_a_sidecar_that_cannot_be_written_is_refused_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--record with a model whose sidecar cannot be written was refused only after the collection was read and the
    reports' folder made: said first now, as recognition --write and verdict --write say it, nothing made."""
    (tmp_path / "moved").write_text("a file where the models' folder was")
    model = tmp_path / "moved" / "m.onnx"
    arguments = ["evaluate", str(tmp_path / "no-data"), "--model", str(model), "--record"]
    assert main([*arguments, "--reports", str(tmp_path / "reports")]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert re.match(f"error: {re.escape(str(sidecar_path(model)))}:? --record cannot write into it: ", said)
    assert not (tmp_path / "reports").exists()


def test_a_collection_with_genres_the_model_lacks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for genre in ("jazz", "rock"):
        (tmp_path / genre).mkdir()
        sf.write(tmp_path / genre / "1.wav", music(sr=SR, seconds=2.0), SR)
    (tmp_path / "classical").mkdir()  # its copy failed: no genre, which nothing said
    assert main(["evaluate", str(tmp_path), "--model", str(shipped_model()), "--reports", str(tmp_path / "r")]) == 1
    said = " ".join(capsys.readouterr().err.split())  # wrapped at 80 columns
    assert "jazz are not among the model's (classical, electronic, pop, rock): a model is measured on its own" in said
    assert "train a model of these (`musictagger train DATA_DIR`, then `musictagger export`)" in said  # what to do
    # said first, before a long run: without split files the figures would be of a drawn split (nothing said so)
    assert said.startswith(f"note: {tmp_path} has no train.txt, valid.txt and test.txt: the figures are of a random")
    assert "(seed 0; not artist-disjoint), which flatters the model" in said
    assert "note: classical holds no audio files, so no genre of the collection: left out" in said


def test_a_split_without_tracks_is_refused_before_any_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two tracks a genre drew no test track: every track was analysed, then 'no track of the test or train split
    could be analysed'.  The folders are named as a collector capitalises them: the model's genres all the same
    (they were 'Classical, Rock are not among the model's (classical, …)')."""
    for genre in ("Classical", "Rock"):
        (tmp_path / genre).mkdir()
        for i in range(2):
            (tmp_path / genre / f"{i}.wav").write_bytes(b"RIFF, and no audio: it is not analysed")
    assert main(["evaluate", str(tmp_path), "--model", str(shipped_model()), "--reports", str(tmp_path / "r")]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"nothing to evaluate: the test split of {tmp_path} holds no track (random stratified split" in said
    assert "give each genre at least 3" in said and "could be analysed" not in said


def test_a_reports_folder_that_is_a_file_is_refused_before_any_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--reports naming a file: every track was analysed, then FileExistsError's traceback."""
    for genre in ("classical", "rock"):
        (tmp_path / genre).mkdir()
        (tmp_path / genre / "1.wav").write_bytes(b"RIFF, and no audio: it is not analysed")
    (tmp_path / "reports.md").write_text("a file")
    assert (
        main(["evaluate", str(tmp_path), "--model", str(shipped_model()), "--reports", str(tmp_path / "reports.md")])
        == 1
    )
    said = " ".join(capsys.readouterr().err.split())
    assert re.search(f"error: {re.escape(str(tmp_path))}/reports.md:? is a file, not a folder for the reports", said)
    assert (tmp_path / "reports.md").read_text() == "a file"


@pytest.fixture(scope="module")
def shipped() -> GenreModel:
    """The shipped model, loaded once for the tests that call evaluate() themselves."""
    return GenreModel(shipped_model())


@pytest.fixture(scope="module")
def two_outcomes(shipped: GenreModel) -> tuple[Outcome, Outcome]:
    """Two analyses whose codes differ in every bit: one real analysis of a 2-s track (one model run, where analysing
    two tracks took four, 2-4 s under load), and its code inverted."""
    outcome = Outcome.of(shipped.analyze_signal(music(sr=SR, seconds=2.0), sr=SR, n_windows=1))
    return outcome, dataclasses.replace(outcome, bits=1 - outcome.bits, relaxed=-outcome.relaxed)


def _train_split_of(root: Path, outcomes: dict[str, Outcome | None], monkeypatch: pytest.MonkeyPatch) -> Collection:
    """A collection of ``outcomes``' tracks (genre/0.wav, all in train.txt) that evaluate analyses as ``outcomes``
    says (a track given None failing to decode); split files, so nothing is drawn."""
    for relative in outcomes:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"RIFF")
    (root / "train.txt").write_text("".join(f"{relative}\n" for relative in outcomes))
    (root / "valid.txt").write_text("")
    (root / "test.txt").write_text("")

    def analyse_track(model: GenreModel, track: Track, **_: object) -> TrackOutcomes:
        outcome = outcomes[track.relative]
        if outcome is None:
            raise DecodeError(track.path, "not an audio file")
        return TrackOutcomes(track, outcome, outcome)

    monkeypatch.setattr(evaluate_module, "analyse_track", analyse_track)
    return load_collection(root)


def _scored_on_train(model: GenreModel, collection: Collection) -> dict[str, Any]:
    """``evaluate --split train`` of ``collection`` at its cheapest: one window, few resamples, no non-music."""
    return evaluate(
        model, collection, split="train", n_windows=1, n_resamples=10, protocol=Protocol(non_music_per_kind=0)
    )


def test_scored_on_the_train_split_a_track_is_not_its_own_genre_match(
    tmp_path: Path, shipped: GenreModel, two_outcomes: tuple[Outcome, Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`evaluate --split train` ranked each query among the train split, itself included: found first at distance 0,
    a right genre every time (here a MAP of 1.0 where no track has another of its genre)."""
    collection = _train_split_of(
        tmp_path, {"rock/0.wav": two_outcomes[0], "classical/0.wav": two_outcomes[1]}, monkeypatch
    )
    result = _scored_on_train(shipped, collection)
    assert (result["tracks"], result["database_tracks"], result["k"]) == (2, 2, 1)
    assert result["map"]["value"] == result["precision_at_1"]["value"] == 0.0
    assert result["ranking"].endswith(
        "each query's own track left out of its ranking (the split scored is the database)"
    )


@pytest.mark.parametrize("failed", [False, True], ids=["listed alone", "the other failed"])
def test_a_train_split_of_one_track_is_refused_when_it_is_scored(
    tmp_path: Path,
    shipped: GenreModel,
    two_outcomes: tuple[Outcome, Outcome],
    monkeypatch: pytest.MonkeyPatch,
    failed: bool,
) -> None:
    """`evaluate --split train` on a train split of one track, or of two one of which could not be analysed, ended in
    an IndexError's traceback: its own track left out, a query had nothing to be ranked among."""
    outcomes = {"rock/0.wav": two_outcomes[0], "classical/0.wav": None}
    collection = _train_split_of(tmp_path, outcomes, monkeypatch)
    if not failed:  # the classical track in no split: refused before anything is analysed
        (tmp_path / "train.txt").write_text("rock/0.wav\n")
        collection = load_collection(tmp_path)
    with pytest.raises(MusictaggerError, match=r"one track of the train split of .* is all there is to rank"):
        _scored_on_train(shipped, collection)


def test_the_reports_say_where_the_splits_came_from(setup: dict[str, Path]) -> None:
    """Split files or a drawn split (which flatters the model): neither the JSON nor the Markdown said which."""
    result = _result(setup, "first")
    assert result["split_source"] == f"split files in {setup['reports'].parent / 'collection'}"
    assert f"Splits: split files in {setup['reports'].parent / 'collection'}." in render_markdown(result)


def test_the_report_says_which_bits_the_same_track_search_compared(setup: dict[str, Path]) -> None:
    result = _result(setup, "first")
    assert result["same_track"]["compared_bits"] == 64  # the first model has no identity bits: all are compared
    assert "identity bits" not in render_markdown(result)
    result["same_track"]["compared_bits"] = 48  # as for the third model
    assert "ranked as the library ranks, by the last 48 of the 64 bits: the identity bits" in render_markdown(result)


def test_the_report_does_not_claim_more_windows_than_a_track_holds(setup: dict[str, Path]) -> None:
    # The sidecars ask for 3 windows, but windows never overlap: Emotify's one-minute test tracks were
    # each analysed as two, and this collection's 12-s test tracks as one, while the report said
    # "3 window(s) each"
    result = _result(setup, "first")
    result["windows_per_track"] = 3  # as the shipped models' sidecars ask
    genres = render_markdown(result).split("## Genres on the test split")[1]
    assert "3 window(s) each" not in genres
    assert "each analysed as up to 3 windows that do not overlap (as many as fit in the track" in genres

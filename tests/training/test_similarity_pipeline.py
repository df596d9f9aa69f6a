"""The second model's run end to end on a tiny generated collection: views, the similarity
objective, the detector fitted and its thresholds chosen on a dev set, export with the
``novelty`` and ``tags`` outputs, and the runtime applying the sidecar's verdict policy."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from musictagger.audio.frontend import features_from_file  # noqa: E402
from musictagger.audio.params import FeatureParams  # noqa: E402
from musictagger.cli.main import main  # noqa: E402
from musictagger.evaluation.devset import DevClip  # noqa: E402
from musictagger.evaluation.nonmusic import non_music  # noqa: E402
from musictagger.model.manifest import load_manifest  # noqa: E402
from musictagger.model.runtime import GenreModel  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE  # noqa: E402
from musictagger.training.export import build_model, check_parity  # noqa: E402
from musictagger.training.verdict_choice import dev_folds, write_policy  # noqa: E402
from tests.training.conftest import GENRES, SR, make_signal  # noqa: E402

pytestmark = pytest.mark.xdist_group("similarity-runs")  # with test_identity.py: one view cache (conftest.py)


@pytest.fixture(scope="module")
def dev_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two in-vocabulary clips (unseen variants) and two sounds of no known genre."""
    root = tmp_path_factory.mktemp("dev")
    rows = []
    for genre in ("chords", "chirps"):
        (root / genre).mkdir()
        sf.write(root / genre / "9.wav", make_signal(genre, 9), SR)
        rows.append((f"{genre}/9.wav", genre, genre))
    (root / "bells").mkdir()
    t = np.arange(4 * SR) / SR
    for i in range(2):
        bell = np.sin(2 * np.pi * (700 + 300 * i) * t) * np.exp(-(t % 0.7) * 6)
        sf.write(root / "bells" / f"{i}.wav", (0.3 * bell).astype(np.float32), SR)
        rows.append((f"bells/{i}.wav", "bells", "none"))
    with (root / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "genre", "for_four_genre_model"])
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def run(collection: Path, dev_set: Path, view_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("similarity")
    paths = {"run": work / "run", "cache": view_cache, "models": work / "models"}
    args = ["train", str(collection), "--objective", "similarity", "--dev-set", str(dev_set)]
    args += ["--run-dir", str(paths["run"]), "--cache-dir", str(paths["cache"]), "--epochs", "12"]
    args += ["--train-windows", "1", "--eval-windows", "1", "--views", "2", "--bits", "16", "--valid-rooms", "2"]
    assert main(args) == 0
    assert main(["export", str(paths["run"]), "--out", str(paths["models"]), "--name", "tiny-v2"]) == 0
    return paths


def test_the_run_logs_training_and_the_chosen_policy(run: dict[str, Path]) -> None:
    events = [json.loads(line) for line in (run["run"] / "log.jsonl").read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("epoch") == 12
    epoch = next(e for e in events if e["event"] == "epoch")
    assert {"contrastive", "decorrelation", "valid_window_retrieval"} <= set(epoch)
    room_first = [e["valid_room_first"] for e in events if e["event"] == "epoch"]
    assert all(0.0 <= share <= 1.0 for share in room_first)
    assert events[-1]["valid_room_first"] == room_first[events[-1]["best_epoch"] - 1]  # the epoch kept's
    policy = next(e for e in events if e["event"] == "verdict_policy")
    assert policy["outcomes"]["non-music"]["tracks"] == 18
    assert policy["policy"]["temperature"] > 0 and "dev set" in policy["policy"]["chosen_on"]
    assert "generated non-music (seed 1 at 16 kHz)" in policy["policy"]["chosen_on"]  # not a file's rate: say so
    assert len(list(run["cache"].glob("*.npz"))) == 9 * 2 + 3 * 2 + 4, "clean + views of train, valid, dev"


def test_the_export_carries_the_detector_and_agrees_with_torch(collection: Path, run: dict[str, Path]) -> None:
    onnx_path = run["models"] / "tiny-v2.onnx"
    manifest = load_manifest(onnx_path)
    assert len(manifest.tag_names) == 50 and "guitar" in manifest.tag_names
    assert manifest.verdict_policy.temperature > 0 and manifest.verdict_policy.not_music_novelty is not None

    bundle = torch.load(run["run"] / "model.pt", weights_only=True)
    model = build_model(bundle, backbone_path=DEFAULT_BACKBONE)
    windows = np.concatenate(
        [features_from_file(collection / g / "4.wav", params=FeatureParams(), n_windows=1).windows for g in GENRES]
    )
    parity = check_parity(model, onnx_path, torch.from_numpy(windows))
    assert parity.bits_equal and parity.max_abs_probabilities <= 1e-4 and parity.max_rel_evidence <= 1e-4


def test_the_runtime_gives_music_a_genre_and_noise_none(collection: Path, run: dict[str, Path]) -> None:
    model = GenreModel(run["models"] / "tiny-v2.onnx")
    analysis = model.analyze_file(collection / "chords" / "4.wav")
    assert analysis.tags is not None and analysis.tags.shape == (50,)
    assert "novelty" in analysis.verdict.evidence
    noise = dict(non_music(seed=5, sr=16000, seconds=8.0, per_kind=1))["white noise #1"]
    refused = model.analyze_signal(noise, sr=16000)
    assert refused.unknown and refused.genre is None, "generated noise is no genre the model knows"


def test_the_verdict_can_be_chosen_again_from_the_exported_models_outputs(
    collection: Path, dev_set: Path, run: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models"
    shutil.copytree(run["models"], models)
    model = models / "tiny-v2.onnx"
    alone = shutil.copy(model, tmp_path / "alone.onnx")  # a model without a twin: only its own sidecar
    shutil.copy(model.with_suffix(".json"), tmp_path / "alone.json")
    assert write_policy(alone, load_manifest(model).verdict_policy) == [tmp_path / "alone.json"]
    for suffix in (".onnx", ".json"):  # a twin beside it, which shares its float32 model's policy
        shutil.copy(model.with_suffix(suffix), models / f"tiny-v2-int8{suffix}")
    before = load_manifest(model)

    assert main(["verdict", str(model), str(collection), "--dev-set", str(dev_set), "--min-valid-kept", "1", "0"]) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    (strict, lenient) = [[cell.strip() for cell in row] for row in rows[1:]]
    assert int(strict[1]) <= int(lenient[1]), "a lower floor leaves more policies feasible"
    assert strict[2].startswith("3/3") and strict[5] == "18/18"  # every valid track keeps a genre, noise refused
    for row in (strict, lenient):  # chosen on one half of the dev set, counted on the other: every clip once
        refused, kept = row[6].split(" / ")
        assert refused.endswith("/2") and kept.endswith("/2")
    assert load_manifest(model) == before, "nothing written without --write"

    assert (
        main(["verdict", str(model), str(collection), "--dev-set", str(dev_set), "--min-valid-kept", "1", "--write"])
        == 0
    )
    after, twin = load_manifest(model), load_manifest(models / "tiny-v2-int8.onnx")
    assert after.verdict == twin.verdict and "at least 100% keep a genre" in after.verdict["chosen_on"]
    assert "generated non-music (seed 1 at 16 kHz)" in after.verdict["chosen_on"]  # not a file's rate: say so
    assert after.verdict["temperature"] == before.verdict["temperature"]  # the fitted temperature is kept
    assert dataclasses.replace(after, verdict=before.verdict) == before, "only the verdict section changes"
    assert after.model_id != before.model_id, "the library analyses its tracks again"
    valid = [collection / t for t in (collection / "valid.txt").read_text().split()]
    assert all(not GenreModel(model).analyze_file(path).unknown for path in valid)


def test_the_dev_folds_alternate_within_each_genre() -> None:
    clips = [DevClip(Path(f"{genre}/{i}.wav"), genre, None) for genre in ("jazz", "rock") for i in range(3)]
    assert dev_folds(clips).tolist() == [0, 1, 0, 0, 1, 0]

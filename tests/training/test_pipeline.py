"""Train → export → run, end to end, on a tiny generated collection.

Three "genres" a network cannot confuse (sustained chords, noise bursts on a beat, rising
chirps) are written as real files, trained on through the CLI with the real backbone,
exported to ONNX, and analysed with onnxruntime.  This exercises the feature cache, the
training loop, early stopping, export parity and the runtime together.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from musictagger.audio.frontend import features_from_file  # noqa: E402
from musictagger.audio.params import FeatureParams  # noqa: E402
from musictagger.cli.main import main  # noqa: E402
from musictagger.interrupts import INTERRUPTED_STATUS  # noqa: E402
from musictagger.model.manifest import load_manifest  # noqa: E402
from musictagger.model.precision import int8_twin, recorded_agreement  # noqa: E402
from musictagger.model.runtime import GenreModel  # noqa: E402
from musictagger.training import export  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE  # noqa: E402
from musictagger.training.export import build_model, check_parity  # noqa: E402
from tests.model.variants import first_model  # noqa: E402
from tests.stops import stopped_before_renaming_into  # noqa: E402
from tests.training.conftest import GENRES  # noqa: E402


@pytest.fixture(scope="module")
def trained_run(collection: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The run, its feature cache, the folder its model is exported to, and what ``train`` printed (``printed``)."""
    work = tmp_path_factory.mktemp("work")
    paths = {"run": work / "run", "cache": work / "cache", "models": work / "models", "printed": work / "printed.txt"}
    args = ["train", str(collection), "--run-dir", str(paths["run"]), "--cache-dir", str(paths["cache"])]
    args += ["--epochs", "25", "--patience", "25", "--train-windows", "1", "--eval-windows", "1", "--bits", "16"]
    with paths["printed"].open("w") as printed, contextlib.redirect_stdout(printed):
        assert main(args) == 0
    return paths


def test_training_writes_a_complete_run(trained_run: dict[str, Path]) -> None:
    run = trained_run["run"]
    events = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert "selection" in kinds and kinds.count("epoch") >= 1
    assert (run / "model.pt").is_file() and (run / "checkpoint.pt").is_file()
    assert events[-1]["valid_accuracy"] == 1.0, "three trivially different sounds must be told apart"


def test_feature_cache_makes_a_rerun_cheap(collection: Path, trained_run: dict[str, Path], tmp_path: Path) -> None:
    entries = sorted(trained_run["cache"].glob("*.npy"))
    assert len(entries) == 12, "one cache entry per train and valid file"
    started = time.monotonic()
    args = ["train", str(collection), "--run-dir", str(tmp_path / "again"), "--cache-dir", str(trained_run["cache"])]
    assert main([*args, "--epochs", "1", "--train-windows", "1", "--eval-windows", "1", "--bits", "16"]) == 0
    assert sorted(trained_run["cache"].glob("*.npy")) == entries, "a re-run must reuse, not recompute, the cache"
    assert time.monotonic() - started < 20


@pytest.fixture(scope="module")
def exported_model(trained_run: dict[str, Path]) -> Path:
    """The run exported as ``tiny`` by the command ``train`` printed (``musictagger export RUN_DIR --name NAME``)."""
    printed = " ".join(trained_run["printed"].read_text().split())  # wrapped at 80 columns
    command = shlex.split(printed.split("with: musictagger ")[-1])
    chosen = ["tiny" if word == "NAME" else word for word in command]  # the name is the user's to choose
    assert main([*chosen, "--out", str(trained_run["models"])]) == 0
    return trained_run["models"] / "tiny.onnx"


def test_the_export_command_training_prints_exports_the_run(exported_model: Path) -> None:
    # train ended with 'export it with: musictagger export RUN_DIR', which export refused (--name is required)
    assert exported_model.is_file()


def test_export_agrees_with_torch_and_runs_without_it(collection: Path, exported_model: Path) -> None:
    onnx_path = exported_model
    manifest = load_manifest(onnx_path)
    assert manifest.labels == tuple(sorted(GENRES))
    assert manifest.bits == 16
    assert [layer.shape for layer in manifest.layers] == [
        (128, 909, 48),
        (128, 454, 24),
        (128, 227, 12),
        (128, 113, 6),
        (128, 28, 1),
    ]
    # streamlined as written: the first conv strided through its pool, the fifth block's batch norm (the one
    # whose scales are all positive) after its pool, the five maps' resizes as products, and 33 of the 35 dead
    # channels of MTT_vgg's first block and 33 of the 40 of its second no longer computed
    assert manifest.model["graph_rewrites"] == {
        "strided_through_pool": 1,
        "batch_norm_after_pool": 1,
        "resize_as_matmul": 5,
        "dead_channels_dropped": 66,
    }

    model = GenreModel(onnx_path)
    for genre in GENRES:
        analysis = model.analyze_file(collection / genre / "4.wav")
        assert analysis.genre == genre
        assert len(analysis.code_hex) == 4 and analysis.bits.shape == (16,)
        assert [layer.shape[1] for layer in analysis.layers] == [32] * 5


def test_torch_and_onnxruntime_agree_on_real_audio(
    collection: Path, trained_run: dict[str, Path], exported_model: Path
) -> None:
    bundle = torch.load(trained_run["run"] / "model.pt", weights_only=True)
    model = build_model(bundle, backbone_path=DEFAULT_BACKBONE)
    windows = [
        features_from_file(collection / g / "3.wav", params=FeatureParams(), n_windows=1).windows for g in GENRES
    ]
    parity = check_parity(model, exported_model, torch.from_numpy(np.concatenate(windows)))
    assert parity.max_abs_probabilities <= 1e-4 and parity.max_abs_code <= 1e-4
    assert parity.bits_equal


def test_export_refuses_a_backbone_the_run_was_not_trained_with(trained_run: dict[str, Path], tmp_path: Path) -> None:
    fake = tmp_path / "other.npz"
    np.savez(fake, nothing=np.zeros(3))
    args = ["export", str(trained_run["run"]), "--out", str(tmp_path), "--backbone", str(fake), "--name", "tiny"]
    assert main(args) == 1
    assert not list(tmp_path.glob("*.onnx"))


def test_evaluate_writes_reports_and_records_figures_in_the_sidecar(
    collection: Path, exported_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    args = ["evaluate", str(collection), "--model", str(exported_model), "--reports", str(reports)]
    assert main([*args, "--bootstrap", "200", "--record"]) == 0
    result = json.loads((reports / "evaluation-tiny-test.json").read_text())
    assert result["tracks"] == 3 and result["database_tracks"] == 9
    assert result["accuracy"]["value"] == 1.0 and result["map"]["value"] == pytest.approx(1.0)
    assert sum(map(sum, result["confusion_matrix"])) == 3
    assert (reports / "confusion-tiny-test.png").stat().st_size > 1000
    assert "| accuracy | 1.000" in (reports / "evaluation-tiny-test.md").read_text()
    recorded = load_manifest(exported_model).metrics
    assert recorded["test"]["accuracy"] == result["accuracy"] and "valid" in recorded


def test_a_twins_agreement_counts_only_for_the_models_it_was_measured_with(
    collection: Path, exported_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "tiny.onnx"
    for suffix in (".onnx", ".json"):
        shutil.copy(exported_model.with_suffix(suffix), model.with_suffix(suffix))
    quantize = ["quantize", str(model), str(collection), "--reports", str(tmp_path / "reports")]
    assert main([*quantize, "--tracks", "3"]) == 0
    twin = int8_twin(model)
    assert twin is not None and len(recorded_agreement(twin)) == 1  # the data set's every track, no dev set
    built = twin.read_bytes()

    for path in (model, twin):  # the verdict policy retuned after the measurement: new model ids
        sidecar = json.loads(path.with_suffix(".json").read_text())
        sidecar["verdict"] = {**sidecar["verdict"], "temperature": 2.0}
        path.with_suffix(".json").write_text(json.dumps(sidecar))
    assert recorded_agreement(twin) == []  # so the app would not take the twin unasked

    assert main([*quantize, "--remeasure"]) == 0
    assert len(recorded_agreement(twin)) == 1
    assert twin.read_bytes() == built  # measured again, not quantised again
    twin.unlink()
    assert main([*quantize, "--remeasure"]) == 1
    assert "tiny.onnx: there is no int8 twin beside it" in " ".join(
        capsys.readouterr().err.split()
    )  # wrapped at 80 columns


def test_train_on_a_missing_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(tmp_path / "nowhere"), "--run-dir", str(tmp_path / "run")]) == 1
    assert "nowhere: no such folder" in " ".join(capsys.readouterr().err.split())  # wrapped at 80 columns
    assert not (tmp_path / "run").exists()


def test_an_export_stopped_mid_way_leaves_the_models_folder_as_it_was(
    trained_run: dict[str, Path], exported_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``musictagger export`` stopped (Ctrl-C) while it wrote the model left ``NAME.onnx.partial`` beside it: the
    partial file was removed only when the parity check failed."""
    folder = exported_model.parent
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def stopped_mid_way(model: object, params: FeatureParams, onnx_path: Path, *, outputs: object) -> None:
        onnx_path.write_bytes(b"the first half of a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "export_onnx", stopped_mid_way)
    assert main(["export", str(trained_run["run"]), "--out", str(folder), "--name", "tiny"]) == INTERRUPTED_STATUS
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_a_streamline_stopped_before_the_model_is_replaced_leaves_it_as_it_was(tmp_path: Path) -> None:
    """``musictagger streamline`` stopped once the new graph was written and checked left ``NAME.onnx.partial``."""
    model = tmp_path / "m.onnx"
    for source, target in ((first_model(), model), (first_model().with_suffix(".json"), model.with_suffix(".json"))):
        shutil.copy(source, target)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with stopped_before_renaming_into(model), pytest.raises(KeyboardInterrupt):
        export.streamline_model(model)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before

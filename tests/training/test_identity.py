"""The identity bits (the third model's, and reading channel maxima too): fitted in closed form,
discounting what rooms change, and exported inside the ONNX graph of a model trained on a tiny
generated collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from musictagger.audio.frontend import features_from_signal  # noqa: E402
from musictagger.audio.params import FeatureParams  # noqa: E402
from musictagger.cli.main import main  # noqa: E402
from musictagger.model.manifest import load_manifest  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE  # noqa: E402
from musictagger.training.export import build_model, check_parity  # noqa: E402
from musictagger.training.identity import channel_features, fit_identity_hash  # noqa: E402
from tests.training.conftest import GENRES, SR, make_signal  # noqa: E402

IDENTITY_BITS = 8

pytestmark = pytest.mark.xdist_group("similarity-runs")  # with test_similarity_pipeline.py: one view cache


@pytest.fixture(scope="module")
def identity_model(collection: Path, view_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 16-bit model whose last 8 bits are the identity part reading channel means and maxima
    (``--identity-maxima``), trained with int8 views; the dev set is the collection's own valid split
    (the thresholds are not what this module tests).  Its clean windows and two views of each track are
    the similarity module's (``view_cache``)."""
    work = tmp_path_factory.mktemp("identity")
    dev = work / "dev"
    dev.mkdir()
    (dev / "manifest.csv").write_text(
        "file,genre,for_four_genre_model\n" + "".join(f"{g}/3.wav,{g},{g}\n" for g in GENRES)
    )
    for genre in GENRES:
        (dev / genre).mkdir()
        (dev / genre / "3.wav").symlink_to(collection / genre / "3.wav")
    paths = {"run": work / "run", "models": work / "models"}
    args = ["train", str(collection), "--objective", "similarity", "--dev-set", str(dev)]
    args += ["--run-dir", str(paths["run"]), "--cache-dir", str(view_cache), "--epochs", "3"]
    args += ["--train-windows", "1", "--eval-windows", "1", "--views", "2", "--bits", "16"]
    args += ["--identity-bits", str(IDENTITY_BITS), "--identity-maxima", "--contrastive-weight", "0", "--int8-views"]
    assert main(args) == 0
    assert main(["export", str(paths["run"]), "--out", str(paths["models"]), "--name", "tiny-v3"]) == 0
    return paths


def test_the_export_holds_the_identity_part_and_agrees_with_torch(
    collection: Path, identity_model: dict[str, Path]
) -> None:
    onnx_path = identity_model["models"] / "tiny-v3.onnx"
    assert load_manifest(onnx_path).model["identity_bits"] == IDENTITY_BITS
    assert load_manifest(onnx_path).model["identity_maxima"] is True
    model = build_model(
        torch.load(identity_model["run"] / "model.pt", weights_only=True), backbone_path=DEFAULT_BACKBONE
    )
    assert model.identity is not None and model.identity.bits == IDENTITY_BITS and model.identity.maxima
    assert model.identity.mean.numel() == 2 * 5 * 128
    windows = np.concatenate(
        [features_from_signal(make_signal(g, 4), sr=SR, params=FeatureParams(), n_windows=1).windows for g in GENRES]
    )
    parity = check_parity(model, onnx_path, torch.from_numpy(windows))
    assert parity.bits_equal and parity.max_abs_code <= 1e-4


def test_the_hash_discounts_what_rooms_change_and_keeps_what_tells_tracks_apart() -> None:
    """Synthetic channel means: 60 tracks spread over a few directions, and views of each moved far
    along "room" directions shared by all tracks (as reverb and noise move the backbone's means).
    Unseen tracks' views must land on their own clean code, which plain standardised signs fail."""
    rng = np.random.default_rng(0)
    features, room_directions = 5 * 128, rng.standard_normal((4, 5 * 128))

    def track(centre: np.ndarray, views: int) -> np.ndarray:
        clean = centre + 0.05 * rng.standard_normal((1, features))
        moved = centre + 5.0 * rng.standard_normal((views, 4)) @ room_directions
        return np.concatenate([clean, moved + 0.05 * rng.standard_normal((views, features))])

    def as_maps(means: np.ndarray) -> np.ndarray:  # grid maps whose channel means are ``means``
        return np.repeat(means.reshape(len(means), 5, 128, 1, 1), 2, axis=3).astype(np.float32)

    centres = rng.standard_normal((80, 24)) @ rng.standard_normal((24, features))
    pools = [as_maps(track(c, views=6)) for c in centres[:60]]
    identity = fit_identity_hash(pools, [1] * len(pools), bits=16, seed=0)
    unseen = [as_maps(track(c, views=1)) for c in centres[60:]]
    with torch.no_grad():
        codes = [identity(torch.from_numpy(pool)).numpy() >= 0.5 for pool in unseen]
    clean, views = np.stack([c[0] for c in codes]), np.stack([c[1] for c in codes])
    distances = (views[:, None, :] != clean[None, :, :]).sum(axis=2)
    assert np.mean(distances.argmin(axis=1) == np.arange(len(unseen))) >= 0.9
    signs = rng.standard_normal((features, 16))  # sign random projections of the raw means, for contrast
    plain = np.stack([np.sign(t.mean(axis=(3, 4)).reshape(2, -1) @ signs) for t in unseen])
    plain_distances = (plain[:, None, 1] != plain[None, :, 0]).sum(axis=2)
    assert np.mean(plain_distances.argmin(axis=1) == np.arange(len(unseen))) < 0.5, "the test is not hard enough"


@pytest.mark.parametrize("maxima", [False, True], ids=["means", "means+maxima"])
def test_the_layer_reads_what_the_fit_was_given(maxima: bool) -> None:
    """The fit sees :func:`channel_features` of the maps; the exported layer must compute the same
    features itself, or the fitted projection would be applied to other numbers."""
    rng = np.random.default_rng(2)
    pools = [rng.gamma(1.0, size=(3, 5, 128, 4, 2)).astype(np.float32) for _ in range(30)]
    identity = fit_identity_hash(pools, [1] * len(pools), bits=8, seed=0, maxima=maxima)
    assert identity.mean.numel() == (2 if maxima else 1) * 5 * 128
    features = channel_features(pools[0], maxima=maxima)
    expected = identity.sharpness.item() * (
        ((features - identity.mean.numpy()) / identity.scale.numpy()) @ identity.projection.numpy()
        - identity.offset.numpy()
    )
    with torch.no_grad():
        relaxed = identity(torch.from_numpy(pools[0])).numpy()
    np.testing.assert_allclose(relaxed, 1.0 / (1.0 + np.exp(-expected)), atol=1e-5)


def test_channels_that_never_vary_get_no_weight_so_rounding_cannot_move_a_bit() -> None:
    """Channels a ReLU keeps constant on every training window (musicnn has ~140 of 640) must not
    be standardised by their ~0 spread: rounding them differently (float16 maps in training, float32
    or int8 in the app) would flip bits."""
    rng = np.random.default_rng(1)
    features = 5 * 128
    dead = rng.choice(features, size=140, replace=False)
    centres = rng.standard_normal((40, features))
    centres[:, dead] = 0.25

    def as_maps(means: np.ndarray) -> np.ndarray:
        return np.repeat(means.reshape(len(means), 5, 128, 1, 1), 2, axis=3).astype(np.float32)

    pools = [as_maps(np.stack([c, c + 0.1 * rng.standard_normal(features) * (c != 0.25)])) for c in centres]
    identity = fit_identity_hash(pools, [1] * len(pools), bits=16, seed=0)
    assert np.all(identity.projection.numpy()[dead] == 0)
    rounded = centres.copy()
    rounded[:, dead] += rng.choice([-3e-8, 3e-8], size=(len(centres), len(dead)))  # float32 rounding of 0.25
    with torch.no_grad():
        codes, moved = (identity(torch.from_numpy(as_maps(m))).numpy() for m in (centres, rounded))
    assert np.array_equal(codes >= 0.5, moved >= 0.5)
    assert np.abs(codes - moved).max() < 1e-5


def test_its_int8_twin_is_written_with_a_measured_agreement(
    collection: Path, identity_model: dict[str, Path], tmp_path: Path
) -> None:
    model = identity_model["models"] / "tiny-v3.onnx"
    assert main(["quantize", str(model), str(collection), "--reports", str(tmp_path)]) == 0
    twin = load_manifest(identity_model["models"] / "tiny-v3-int8.onnx")
    agreement = twin.model["precision"]["agreement"][collection.name]
    assert agreement["tracks"] == 15 and agreement["failed"] == 0
    assert agreement["median_hamming"] <= 2
    report = (tmp_path / "int8-agreement-tiny-v3.md").read_text()
    assert "tiny-v3-int8 against tiny-v3" in report

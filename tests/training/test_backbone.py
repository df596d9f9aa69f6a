"""The PyTorch port of musicnn's MTT_vgg against the original TensorFlow graph.

``tests/data/backbone_golden.npz`` holds a fixed input and what musicnn's own TF graph
computed on it (written by ``convert_musicnn --golden``): tag probabilities, and per pool
the per-channel means and maxima and the values at 1024 fixed positions (NCHW).

Tolerances: probabilities ``atol=1e-5`` (measured difference 8e-7); pooled activations,
which reach 58, ``rtol=1e-5, atol=1e-4`` (measured at most 1.0e-4, in pool2 whose values
reach 42: float32 rounding through the conv layers, 2.5e-6 of the layer's range).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the backbone port needs torch (the 'train' extra)")

from musictagger.errors import ModelError  # noqa: E402
from musictagger.training.backbone import FCN5Backbone, MTTTagHead, load_backbone, tag_probabilities  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "backbone" / "musicnn_mtt_vgg.npz"
GOLDEN = ROOT / "tests" / "data" / "backbone_golden.npz"
POOL_ATOL, POOL_RTOL = 1e-4, 1e-5

Converted = tuple[FCN5Backbone, MTTTagHead, list[str]]


@pytest.fixture(scope="module")
def golden() -> dict[str, np.ndarray]:
    with np.load(GOLDEN) as npz:
        return {name: npz[name] for name in npz.files}


@pytest.fixture(scope="module")
def converted() -> Converted:
    return load_backbone(WEIGHTS)


def test_labels_are_the_50_mtt_tags(converted: Converted) -> None:
    _, _, labels = converted
    assert len(labels) == 50
    assert {"classical", "techno", "electronic", "rock", "pop"} <= set(labels)


def test_tag_probabilities_match_tensorflow(converted: Converted, golden: dict[str, np.ndarray]) -> None:
    backbone, head, _ = converted
    with torch.no_grad():
        probabilities = tag_probabilities(backbone, head, torch.from_numpy(golden["log_mel"])).numpy()
    np.testing.assert_allclose(probabilities, golden["probabilities"], rtol=0, atol=1e-5)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_pools_match_tensorflow(converted: Converted, golden: dict[str, np.ndarray], number: int) -> None:
    backbone, _, _ = converted
    with torch.no_grad():
        pool = backbone(torch.from_numpy(golden["log_mel"]))[number - 1].numpy()
    name = f"pool{number}"
    np.testing.assert_allclose(pool.mean(axis=(2, 3)), golden[f"{name}_mean"], rtol=POOL_RTOL, atol=POOL_ATOL)
    np.testing.assert_allclose(pool.max(axis=(2, 3)), golden[f"{name}_max"], rtol=POOL_RTOL, atol=POOL_ATOL)
    sample = pool.reshape(-1)[golden[f"{name}_index"]]
    np.testing.assert_allclose(sample, golden[f"{name}_sample"], rtol=POOL_RTOL, atol=POOL_ATOL)


@pytest.mark.parametrize("channels", [128, 32])
def test_pool_shapes_of_a_full_window(channels: int) -> None:
    with torch.no_grad():
        pools = (FCN5Backbone() if channels == 128 else FCN5Backbone(channels)).eval()(torch.zeros(2, 1820, 96))
    shapes = [tuple(pool.shape)[2:] for pool in pools]
    assert shapes == [(909, 48), (454, 24), (227, 12), (113, 6), (28, 1)]
    assert {pool.shape[:2] for pool in pools} == {(2, channels)}


def test_a_missing_array_is_an_error_not_a_random_weight(tmp_path: Path) -> None:
    with np.load(WEIGHTS) as npz:
        arrays = {name: npz[name] for name in npz.files if name != "backbone.blocks.2.bn.running_var"}
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(ModelError, match=r"missing \['blocks\.2\.bn\.running_var'\]"):
        load_backbone(tmp_path / "partial.npz")

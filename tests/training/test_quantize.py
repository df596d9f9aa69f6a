"""The int8 twin's graph: every convolution but the first quantised with its ReLU, the batch norms
folded through the pools exactly for the folded build, and the identity standardisation refitted so
the twin's identity inputs are the float model's; on the shipped model and generated music."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="quantising needs the 'train' extra (onnx)")

import onnxruntime as ort  # noqa: E402

from musictagger.audio.frontend import features_from_signal  # noqa: E402
from musictagger.model.manifest import load_manifest  # noqa: E402
from musictagger.model.runtime import default_model_path  # noqa: E402
from musictagger.training.backbone import DEFAULT_BACKBONE, load_backbone  # noqa: E402
from musictagger.training.quantize import (  # noqa: E402
    _tensor_of,
    fold_batch_norm_through_pool,
    quantize_graph,
    refit_identity_inputs,
)
from tests.audio.signals import piece  # noqa: E402
from tests.model.variants import first_model  # noqa: E402

SR = 16000


@pytest.fixture(scope="module")
def windows() -> np.ndarray:
    params = load_manifest(default_model_path()).front_end
    return np.concatenate(
        [features_from_signal(piece(seed, sr=SR), sr=SR, params=params, n_windows=1).windows for seed in (1, 2)]
    )


def outputs(path: Path, windows: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"log_mel": windows}), strict=True))


def test_folding_the_batch_norms_through_the_pools_keeps_the_model_exactly(tmp_path: Path, windows: np.ndarray) -> None:
    backbone, _, _ = load_backbone(DEFAULT_BACKBONE)
    negative = sum(int((block.bn.weight < 0).sum()) for block in backbone.blocks)
    assert negative > 0, "the backbone has channels whose batch norm flips the sign: the rewrite must handle them"
    model = onnx.load(str(default_model_path()))
    assert fold_batch_norm_through_pool(model) == 5
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("BatchNormalization") == 1 and ops.count("Relu") == 0  # only the input's batch norm is left
    onnx.save(model, str(tmp_path / "folded.onnx"))
    before, after = outputs(default_model_path(), windows), outputs(tmp_path / "folded.onnx", windows)
    for name in ("probabilities", "code", "layer1", "layer5", "tags"):
        scale = max(float(np.abs(before[name]).max()), 1.0)
        assert np.abs(after[name] - before[name]).max() <= 1e-4 * scale, name
    assert np.array_equal(after["code"] >= 0.5, before["code"] >= 0.5)


def float_3x3_convolutions(nodes: Sequence[onnx.NodeProto]) -> int:
    """How many of ``nodes`` are float 3×3 convolutions (not counting the 1×1 ones that give the maps on the
    grid their dropped dead channels back: :mod:`musictagger.training.dead_channels`)."""
    kernels = [
        next((list(a.ints) for a in node.attribute if a.name == "kernel_shape"), None)
        for node in nodes
        if node.op_type == "Conv"
    ]
    return kernels.count([3, 3])


def test_the_twin_runs_every_convolution_but_the_first_on_int8_with_its_relu_and_stays_close(
    tmp_path: Path, windows: np.ndarray
) -> None:
    out = tmp_path / "int8.onnx"
    quantize_graph(default_model_path(), out, list(windows))
    nodes = onnx.load(str(out)).graph.node
    ops = [node.op_type for node in nodes]
    assert ops.count("QLinearConv") == 4 and float_3x3_convolutions(nodes) == 1  # the log-mel's own stays float
    assert ops.count("Relu") == 1  # each int8 convolution's ReLU is its output's range
    reference, int8 = outputs(default_model_path(), windows), outputs(out, windows)
    assert np.abs(int8["probabilities"] - reference["probabilities"]).max() < 0.2
    assert np.abs(int8["tags"] - reference["tags"]).max() < 0.2


def test_the_folded_build_runs_its_convolutions_and_pools_on_int8(tmp_path: Path, windows: np.ndarray) -> None:
    out = tmp_path / "int8.onnx"
    quantize_graph(default_model_path(), out, list(windows), fold=True, int8_convolutions=range(1, 5))
    nodes = onnx.load(str(out)).graph.node
    ops = [node.op_type for node in nodes]
    assert ops.count("QLinearConv") == 4 and float_3x3_convolutions(nodes) == 1  # the log-mel's own stays float
    producer = {output: node.op_type for node in nodes for output in node.output}
    assert [producer[node.input[0]] for node in nodes if node.op_type == "MaxPool"] == ["Conv"] + ["QLinearConv"] * 4
    assert ops.count("BatchNormalization") == 1  # the input's: every block's went through its pool
    reference, int8 = outputs(default_model_path(), windows), outputs(out, windows)
    assert np.abs(int8["probabilities"] - reference["probabilities"]).max() < 0.2
    assert np.abs(int8["tags"] - reference["tags"]).max() < 0.2


def test_refitting_the_identity_inputs_gives_the_twin_the_float_models_standardised_means(
    tmp_path: Path, windows: np.ndarray
) -> None:
    params = load_manifest(default_model_path()).front_end
    fitting = np.concatenate(
        [features_from_signal(piece(seed, sr=SR), sr=SR, params=params, n_windows=1).windows for seed in range(3, 9)]
    )
    twin = tmp_path / "int8.onnx"
    quantize_graph(default_model_path(), twin, list(windows), int8_convolutions=range(1, 5))
    standardised = next(n.output[0] for n in onnx.load(str(twin)).graph.node if "identity.scale" in n.input)

    def gap() -> float:
        """Mean squared difference of the standardised channel means, twin against float."""
        float_side, twin_side = (_tensor_of(path, standardised, fitting) for path in (default_model_path(), twin))
        return float(np.mean((twin_side - float_side) ** 2))

    before = gap()
    assert refit_identity_inputs(twin, default_model_path(), fitting)
    after = gap()
    assert after < before / 4, (before, after)


def test_a_model_without_identity_bits_is_left_as_it_is(tmp_path: Path, windows: np.ndarray) -> None:
    twin = tmp_path / "int8.onnx"
    quantize_graph(first_model(), twin, list(windows))
    written = twin.read_bytes()
    assert not refit_identity_inputs(twin, first_model(), windows)
    assert twin.read_bytes() == written

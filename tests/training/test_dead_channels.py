"""Dropping the backbone's dead channels: on a small graph of the backbone's shape, every output (the
next block, the map resized to the grid, the channels shown in the window) stays what it was, borders
included; a channel shown is kept; a block where dropping would not leave a whole block of 16 channels
fewer, or whose map is read elsewhere, is left alone; a channel that real inputs can lift above zero is
not dead."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="graph rewrites need the 'train' extra (onnx)")

import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from musictagger.training.dead_channels import dead_in, drop_dead_channels  # noqa: E402

HEIGHT, WIDTH = 24, 10


def two_blocks(channels: int, dead: int, *, shown: list[int], also_an_output: str | None = None) -> onnx.ModelProto:
    """conv 3×3 (``dead`` of its ``channels`` channels with weights of 1e-30 and a negative bias) →
    ReLU → batch norm → max pool 2×2, whose map is read by a second such block (pool before norm), by
    a resize to a 4×3 grid as two products and by a gather of the channels ``shown``; the second block's map,
    the grid and the channels shown are outputs, and ``also_an_output`` too."""
    rng = np.random.default_rng(0)
    weights: list[onnx.TensorProto] = []

    def tensor(name: str, values: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.asarray(values, np.float32), name))
        return name

    def norm_inputs(prefix: str) -> list[str]:
        return [
            tensor(f"{prefix}_scale", rng.uniform(0.5, 2.0, channels)),
            tensor(f"{prefix}_shift", rng.normal(scale=0.5, size=channels)),  # a dead channel's constant
            tensor(f"{prefix}_mean", rng.normal(scale=0.1, size=channels)),
            tensor(f"{prefix}_variance", rng.uniform(0.5, 2.0, channels)),
        ]

    w1 = rng.normal(size=(channels, 1, 3, 3))
    b1 = rng.normal(size=channels)
    w1[:dead] *= 1e-30
    b1[:dead] = -np.abs(b1[:dead]) - 0.01
    nodes = [
        helper.make_node("Conv", ["x", tensor("w1", w1), tensor("b1", b1)], ["conv1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv1"], ["relu1"]),
        helper.make_node("BatchNormalization", ["relu1", *norm_inputs("n1")], ["norm1"]),
        helper.make_node("MaxPool", ["norm1"], ["pooled1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node(
            "Conv",
            [
                "pooled1",
                tensor("w2", rng.normal(size=(channels, channels, 3, 3))),
                tensor("b2", rng.normal(size=channels)),
            ],
            ["conv2"],
            pads=[1, 1, 1, 1],
        ),
        helper.make_node("Relu", ["conv2"], ["relu2"]),
        helper.make_node("MaxPool", ["relu2"], ["pool2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["pool2", *norm_inputs("n2")], ["pooled2"]),
        helper.make_node("MatMul", ["pooled1", tensor("columns", rng.uniform(size=(WIDTH // 2, 3)))], ["half"]),
        helper.make_node("MatMul", [tensor("rows", rng.uniform(size=(4, HEIGHT // 2))), "half"], ["grid"]),
        helper.make_node("Gather", ["pooled1", tensor("shown", shown)], ["shown_maps"], axis=1),
    ]
    weights[-1] = numpy_helper.from_array(np.array(shown, np.int64), "shown")
    outputs = ["pooled2", "grid", "shown_maps", *([also_an_output] if also_an_output else [])]
    graph = helper.make_graph(
        nodes,
        "two-blocks",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, HEIGHT, WIDTH])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        weights,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def first_conv_channels(model: onnx.ModelProto) -> int:
    conv = next(n for n in model.graph.node if n.op_type == "Conv")
    return next(numpy_helper.to_array(i) for i in model.graph.initializer if i.name == conv.input[1]).shape[0]


def inputs() -> np.ndarray:
    return np.random.default_rng(1).normal(scale=3.0, size=(2, 1, HEIGHT, WIDTH)).astype(np.float32)


def test_dead_channels_are_dropped_and_every_output_stays_what_it_was() -> None:
    model = two_blocks(40, 30, shown=[31, 35, 38])
    before = run(model, inputs())
    # 10 live channels and the constant one, made a whole block of 16 by keeping 5 dead ones: 25 dropped.
    assert drop_dead_channels(model) == 25
    assert first_conv_channels(model) == 16
    after = run(model, inputs())
    assert [a.shape for a in after] == [b.shape for b in before]
    for a, b in zip(after, before, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * float(np.abs(b).max()))
    assert drop_dead_channels(model) == 0  # what is left is the block's whole width


def test_a_dead_channel_shown_in_the_window_is_kept() -> None:
    model = two_blocks(40, 30, shown=[0, 35])  # channel 0 is dead: its map is a constant
    before = run(model, inputs())
    assert drop_dead_channels(model) == 25
    after = run(model, inputs())
    np.testing.assert_allclose(after[2], before[2], rtol=1e-6)
    assert np.ptp(after[2][:, 0]) == 0.0 and after[2][0, 0, 0, 0] != 0.0


@pytest.mark.parametrize(
    ("channels", "dead", "also_an_output"),
    [(16, 4, None), (40, 30, "pooled1"), (40, 30, "half")],
    ids=["no whole block fewer", "its map read elsewhere", "its half-resized map read elsewhere"],
)
def test_a_block_left_as_it_is(channels: int, dead: int, also_an_output: str | None) -> None:
    model = two_blocks(channels, dead, shown=[channels - 1], also_an_output=also_an_output)
    written = model.SerializeToString()
    assert drop_dead_channels(model) == 0
    assert model.SerializeToString() == written


def test_a_channel_that_an_input_can_lift_above_zero_is_not_dead() -> None:
    weights = np.full((3, 1, 3, 3), 1e-3, np.float32)
    weights[1] = 1e-30
    bias = np.array([-0.5, -0.5, 0.0], np.float32)  # channel 0 fires once its inputs pass 55; 2 has no bias
    weights[2] = 1e-30
    assert dead_in(weights, bias).tolist() == [1]

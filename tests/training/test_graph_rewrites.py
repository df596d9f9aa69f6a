"""The graph rewrites: the first conv strided through its pool gives every output bit for bit,
on a small graph of the backbone's shape and on the shipped model and its twin as they were
written before the rewrite; maps read elsewhere are left alone; a batch norm with no negative scale
runs after its pool, bit for bit, and one with a negative scale stays; a map's antialiased resize to
the common grid becomes two products with the same result; the shipped models are streamlined."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="graph rewrites need the 'train' extra (onnx)")

import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from musictagger.audio.frontend import features_from_signal  # noqa: E402
from musictagger.cli.main import main  # noqa: E402
from musictagger.model.manifest import load_manifest, sha256_of  # noqa: E402
from musictagger.model.precision import int8_twin  # noqa: E402
from musictagger.training.export import streamline_model  # noqa: E402
from musictagger.training.graph_rewrites import (  # noqa: E402
    batch_norm_after_pool,
    fold_batch_norm_through_pool,
    resize_as_matmul,
    streamline,
)
from tests.audio.signals import piece  # noqa: E402
from tests.model.variants import first_model, shipped_model  # noqa: E402

CHANNELS = 6


def backbone_like(*, pooled_map_also_read: bool = False, negative_scales: bool = True) -> onnx.ModelProto:
    """Two blocks shaped like the backbone's first two: conv 3×3 → ReLU → batch norm (a third of its
    scales negative, unless not ``negative_scales``) → max pool 4×1 strides 2×2, then the same with a
    2×2 pool; both pooled maps are outputs (with ``pooled_map_also_read``, the first block's ReLU output
    is an output too)."""
    rng = np.random.default_rng(0)
    weights = []

    def tensor(name: str, values: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(values.astype(np.float32), name))
        return name

    def block(index: int, source: str, in_channels: int, kernel: list[int], strides: list[int]) -> list:
        gamma = np.abs(rng.normal(size=CHANNELS)) * np.where(negative_scales & (np.arange(CHANNELS) % 3 == 0), -1, 1)
        return [
            helper.make_node(
                "Conv",
                [
                    source,
                    tensor(f"w{index}", rng.normal(size=(CHANNELS, in_channels, 3, 3))),
                    tensor(f"b{index}", rng.normal(size=CHANNELS)),
                ],
                [f"conv{index}"],
                pads=[1, 1, 1, 1],
                strides=[1, 1],
                kernel_shape=[3, 3],
            ),
            helper.make_node("Relu", [f"conv{index}"], [f"relu{index}"]),
            helper.make_node(
                "BatchNormalization",
                [
                    f"relu{index}",
                    tensor(f"g{index}", gamma),
                    tensor(f"be{index}", rng.normal(size=CHANNELS)),
                    tensor(f"m{index}", rng.normal(size=CHANNELS)),
                    tensor(f"v{index}", rng.uniform(0.5, 2, CHANNELS)),
                ],
                [f"norm{index}"],
            ),
            helper.make_node("MaxPool", [f"norm{index}"], [f"pooled{index}"], kernel_shape=kernel, strides=strides),
        ]

    nodes = block(1, "x", 1, [4, 1], [2, 2]) + block(2, "pooled1", CHANNELS, [2, 2], [2, 2])
    outputs = ["pooled1", "pooled2", *(["relu1"] if pooled_map_also_read else [])]
    graph = helper.make_graph(
        nodes,
        "backbone-like",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1, None, None])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        weights,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, inputs: dict[str, np.ndarray], *, optimised: bool = True) -> list[np.ndarray]:
    """``model``'s outputs on ``inputs`` (not ``optimised``: onnxruntime runs each node as written, no fusions)."""
    options = ort.SessionOptions()
    if not optimised:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def attribute(model: onnx.ModelProto, op_type: str, position: int, name: str) -> list[int]:
    node = [n for n in model.graph.node if n.op_type == op_type][position]
    return list(next(helper.get_attribute_value(a) for a in node.attribute if a.name == name))


@pytest.mark.parametrize("mel_bands", [12, 13])
def test_the_first_conv_computes_only_the_positions_its_pool_keeps_and_every_output_is_the_same(
    mel_bands: int,
) -> None:
    model = backbone_like()
    x = {"x": np.random.default_rng(1).normal(size=(2, 1, 40, mel_bands)).astype(np.float32)}
    before = run(model, x)
    assert streamline(model) == {
        "strided_through_pool": 1,
        "batch_norm_after_pool": 0,
        "resize_as_matmul": 0,
        "dead_channels_dropped": 0,
    }
    assert attribute(model, "Conv", 0, "strides") == [1, 2] and attribute(model, "MaxPool", 0, "strides") == [2, 1]
    assert attribute(model, "Conv", 1, "strides") == [1, 1]  # a 2×2 pool reads every position of its conv
    after = run(model, x)
    assert [a.shape for a in after] == [b.shape for b in before]
    assert all(np.array_equal(a, b) for a, b in zip(after, before, strict=True))
    assert streamline(model) == {
        "strided_through_pool": 0,
        "batch_norm_after_pool": 0,
        "resize_as_matmul": 0,
        "dead_channels_dropped": 0,
    }


def test_a_map_read_elsewhere_keeps_every_position() -> None:
    model = backbone_like(pooled_map_also_read=True)
    assert streamline(model) == {
        "strided_through_pool": 0,
        "batch_norm_after_pool": 0,
        "resize_as_matmul": 0,
        "dead_channels_dropped": 0,
    }
    assert attribute(model, "Conv", 0, "strides") == [1, 1]


def test_a_batch_norm_with_no_negative_scale_runs_after_its_pool_and_every_output_is_the_same() -> None:
    model = backbone_like(negative_scales=False)
    x = {"x": np.random.default_rng(4).normal(size=(2, 1, 40, 12)).astype(np.float32)}
    before, before_optimised = run(model, x, optimised=False), run(model, x)
    assert batch_norm_after_pool(model) == 2
    assert [n.op_type for n in model.graph.node] == ["Conv", "Relu", "MaxPool", "BatchNormalization"] * 2
    assert all(np.array_equal(a, b) for a, b in zip(run(model, x, optimised=False), before, strict=True))
    # onnxruntime's fused kernels may round the norm differently where it now sits: the next block's
    # conv carries a last-bit difference on, still within float rounding
    for a, b in zip(run(model, x), before_optimised, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert batch_norm_after_pool(model) == 0  # done once, nothing left


def test_a_batch_norm_with_a_negative_scale_stays_before_its_pool() -> None:
    model = backbone_like()
    assert batch_norm_after_pool(model) == 0
    assert [n.op_type for n in model.graph.node] == ["Conv", "Relu", "BatchNormalization", "MaxPool"] * 2


def test_folding_the_batch_norms_through_the_pools_keeps_the_function() -> None:
    model = backbone_like()
    x = {"x": np.random.default_rng(2).normal(size=(2, 1, 40, 12)).astype(np.float32)}
    before = run(model, x)
    assert fold_batch_norm_through_pool(model) == 2
    assert [n.op_type for n in model.graph.node].count("BatchNormalization") == 0
    for a, b in zip(run(model, x), before, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def resized_to_grid(height: int | None, width: int, grid: tuple[int, int]) -> onnx.ModelProto:
    """A map resized onto ``grid`` as torch exports ``F.interpolate(..., antialias=True)``: the sizes
    are the map's own batch and channels, then the grid (``height`` None: a height known only at run time)."""
    nodes = [
        helper.make_node("Shape", ["x"], ["batch_and_channels"], start=0, end=2),
        helper.make_node("Concat", ["batch_and_channels", "grid"], ["sizes"], axis=0),
        helper.make_node(
            "Resize",
            ["x", "", "", "sizes"],
            ["y"],
            mode="linear",
            coordinate_transformation_mode="half_pixel",
            antialias=1,
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "resize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", CHANNELS, height or "time", width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array(grid, dtype=np.int64), "grid")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.mark.parametrize(
    ("height", "width", "grid"),
    [(909, 48, (32, 8)), (28, 1, (32, 8)), (30, 200, (7, 9))],
    ids=["shrink both axes", "stretch both axes", "shrink height first"],
)
def test_a_resize_to_the_grid_becomes_two_products_with_the_same_result(
    height: int, width: int, grid: tuple[int, int]
) -> None:
    model = resized_to_grid(height, width, grid)
    x = {"x": np.random.default_rng(3).normal(size=(2, CHANNELS, height, width)).astype(np.float32)}
    (before,) = run(model, x)
    assert resize_as_matmul(model) == 1
    assert [n.op_type for n in model.graph.node] == ["MatMul", "MatMul"]  # the sizes' Shape and Concat are gone
    (after,) = run(model, x)
    assert after.shape == before.shape == (2, CHANNELS, *grid)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)


def test_a_resize_of_a_map_whose_size_is_known_only_at_run_time_is_left_alone() -> None:
    model = resized_to_grid(None, 48, (32, 8))
    assert resize_as_matmul(model) == 0
    assert [n.op_type for n in model.graph.node] == ["Shape", "Concat", "Resize"]


# The third model's fifth block alone has no negative batch-norm scale.
SHIPPED_REWRITES = {
    "strided_through_pool": 1,
    "batch_norm_after_pool": 1,
    "resize_as_matmul": 5,
    "dead_channels_dropped": 66,
}


# The twin's convolutions are int8 ones, which lose no channel.
TWIN_REWRITES = {name: count for name, count in SHIPPED_REWRITES.items() if name != "dead_channels_dropped"}


def test_the_shipped_model_and_its_twin_are_streamlined() -> None:
    twin = int8_twin(shipped_model())
    assert twin is not None
    for path, rewrites in ((shipped_model(), SHIPPED_REWRITES), (twin, TWIN_REWRITES)):
        assert set(streamline(onnx.load(str(path))).values()) == {0}, path
        assert load_manifest(path).model["graph_rewrites"] == rewrites


def as_written_before_the_rewrite(path: Path, folder: Path) -> Path:
    """A copy of ``path`` (and its sidecar) with the first conv's stride given back to its pool
    (the resizes stay products, and the sidecar says so)."""
    model = onnx.load(str(path))
    conv = next(n for n in model.graph.node if n.op_type == "Conv")
    pool = next(n for n in model.graph.node if n.op_type == "MaxPool")
    for node, strides in ((conv, [1, 1]), (pool, [2, 2])):
        for a in [a for a in node.attribute if a.name == "strides"]:
            node.attribute.remove(a)
        node.attribute.append(helper.make_attribute("strides", strides))
    copy = folder / path.name
    onnx.save(model, str(copy))
    sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    sidecar["onnx_sha256"] = sha256_of(copy)
    sidecar["model"].pop("same_function", None)  # as a file never rewritten since it was written
    done = sidecar["model"]["graph_rewrites"]
    sidecar["model"]["graph_rewrites"] = {k: n for k, n in done.items() if k != "strided_through_pool"}
    copy.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return copy


def test_streamline_brings_a_model_and_its_twin_written_before_the_rewrite_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = as_written_before_the_rewrite(shipped_model(), tmp_path)
    old_twin = as_written_before_the_rewrite(int8_twin(shipped_model()), tmp_path)
    twin_sidecar = json.loads(old_twin.with_suffix(".json").read_text(encoding="utf-8"))
    twin_sidecar["model"]["precision"]["float_sha256"] = sha256_of(old)
    old_twin.with_suffix(".json").write_text(json.dumps(twin_sidecar), encoding="utf-8")
    params = load_manifest(shipped_model()).front_end
    windows = features_from_signal(piece(3, sr=16000), sr=16000, params=params, n_windows=1).windows
    before = {p.name: run(onnx.load(str(p)), {"log_mel": windows}) for p in (old, old_twin)}
    ids = {p.name: load_manifest(p).model_id for p in (old, old_twin)}
    assert sha256_of(old)[:12] in ids[old.name]

    assert main(["streamline", str(old)]) == 0
    said = capsys.readouterr().out
    # the float32 model keeps its id; the twin, whose int8 steps may round otherwise, takes its new file's, and
    # its agreement, which names the two ids, is to be measured again
    assert "strided_through_pool ×1" in said and "--remeasure" in said
    assert load_manifest(old).model_id == ids[old.name]
    assert load_manifest(old_twin).model_id != ids[old_twin.name]
    for path in (old, old_twin):
        manifest = load_manifest(path)  # the sidecar's digest is the rewritten file's
        assert (
            manifest.model["graph_rewrites"]
            == load_manifest(shipped_model().parent / path.name).model["graph_rewrites"]
        )  # the stride added to the record
        assert path.read_bytes() == (shipped_model().parent / path.name).read_bytes()
        after = run(onnx.load(str(path)), {"log_mel": windows})
        assert all(np.array_equal(a, b) for a, b in zip(after, before[path.name], strict=True))
    assert load_manifest(old_twin).model["precision"]["float_sha256"] == sha256_of(old)

    assert main(["streamline", str(old)]) == 0
    assert "already streamlined" in capsys.readouterr().out


def test_a_sidecar_copied_for_another_file_keeps_that_files_own_id(tmp_path: Path) -> None:
    """As ``musictagger quantize`` writes a twin's sidecar from its float model's: the claim that a rewritten
    file computes its old function holds for that file alone."""
    rewritten, other = tmp_path / "m.onnx", tmp_path / "other.onnx"
    for source, target in ((first_model(), rewritten), (first_model(), other)):
        shutil.copy(source, target)
        shutil.copy(source.with_suffix(".json"), target.with_suffix(".json"))
    kept = load_manifest(rewritten).model_id
    assert any(streamline_model(rewritten).values())
    assert load_manifest(rewritten).model_id == kept  # the same function: the same id
    sidecar = json.loads(rewritten.with_suffix(".json").read_text(encoding="utf-8"))
    sidecar.update(onnx_file=other.name, onnx_sha256=sha256_of(other))
    other.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    assert load_manifest(other).model_id.split("+")[0].endswith(sha256_of(other)[:12])

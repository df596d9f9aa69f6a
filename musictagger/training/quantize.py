"""Static int8 quantisation of a model's backbone, with calibration windows from the training split.

Only the backbone is quantised: its convolutions (per output channel, weights int8,
activations uint8, onnxruntime's QOperator format) but the first (see
:func:`single_channel_convolutions`), and the max pools after them, which run on the int8
values directly.  The recurrent readers, the hash layers and the classifier stay
in float32, where their few operations are cheap and their outputs most sensitive.

Each musicnn block is conv → ReLU → batch norm → max pool.  Quantised as it stands, the
conv's int8 output goes back to float32 for the ReLU and the batch norm on the full-size map
(the first block's is 22 M values a window) before the pool, which ate the int8 gain.
:func:`fold_batch_norm_through_pool` rewrites each block exactly into conv → max pool →
per-channel clamp and shift, so the pool runs on int8 and the float work is on the pooled map.

Activation ranges come from one window at a random place in each of ``count`` training tracks
(:func:`calibration_tracks`, seeded), run through the shipped front end.  Training an int8-ready
model (:mod:`musictagger.training.int8_views`) and writing its twin (:func:`quantize_model`)
use the same tracks and seed, so the twin reproduces the quantisation the model was fitted to.
The twin gets its own sidecar: the float sidecar's labels, front end and verdict policy, its
own file digest, and a ``precision`` section naming the float model it was made from.

Needs the ``train`` extra (onnx, which onnxruntime's quantiser imports).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quant_pre_process, quantize_static

from musictagger.audio.frontend import features_from_file
from musictagger.audio.params import FeatureParams
from musictagger.model.manifest import load_manifest, sha256_of, sidecar_path
from musictagger.model.precision import INT8_SUFFIX

CALIBRATION_TRACKS = 64
QUANTIZED_OPS = ["Conv", "MaxPool"]


class _Windows(CalibrationDataReader):
    """Feeds calibration windows to the quantiser one at a time."""

    def __init__(self, input_name: str, windows: list[np.ndarray]) -> None:
        self._feeds: Iterator[dict[str, np.ndarray]] = iter({input_name: w[np.newaxis]} for w in windows)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def calibration_tracks(train: Sequence[Path], *, count: int | None = None, seed: int = 0) -> list[Path]:
    """``count`` (default :data:`CALIBRATION_TRACKS`) tracks of the training split, drawn with ``seed``,
    in their split order."""
    count = count or CALIBRATION_TRACKS
    picked = np.random.default_rng(seed).choice(len(train), size=min(count, len(train)), replace=False)
    return [train[i] for i in sorted(picked)]


def calibration_windows(
    tracks: list[Path], *, params: FeatureParams, n_windows: int, seed: int = 0
) -> list[np.ndarray]:
    """One window per track, at a random one of its ``n_windows`` analysis windows."""
    rng = np.random.default_rng(seed)
    windows = []
    for track in tracks:
        features = features_from_file(track, params=params, n_windows=n_windows)
        windows.append(features.windows[rng.integers(len(features.windows))])
    return windows


def fold_batch_norm_through_pool(model: onnx.ModelProto) -> int:
    """Rewrite every Conv → Relu → BatchNormalization → MaxPool of ``model`` in place; returns how many.

    With the batch norm's per-channel scale ``s`` and shift ``t``, ``s · relu(z) + t`` equals
    ``f(s · z) + t`` where ``f`` is ``max(·, 0)`` for ``s > 0`` and ``min(·, 0)`` otherwise.  ``f`` and
    ``+ t`` never decrease, so they commute with the max pool: the block becomes a conv with
    weights and bias times ``s``, the pool, then ``f`` and ``+ t`` on the pooled map — the same
    function, up to float rounding.
    """
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1
    largest = np.finfo(np.float32).max

    def array(name: str) -> np.ndarray:
        return numpy_helper.to_array(initializers[name])

    def constant(name: str, values: np.ndarray) -> None:
        graph.initializer.append(numpy_helper.from_array(values.astype(np.float32).reshape(1, -1, 1, 1), name))

    folded = 0
    for pool in [node for node in graph.node if node.op_type == "MaxPool"]:
        norm = producer.get(pool.input[0])
        relu = producer.get(norm.input[0]) if norm is not None and norm.op_type == "BatchNormalization" else None
        conv = producer.get(relu.input[0]) if relu is not None and relu.op_type == "Relu" else None
        if conv is None or conv.op_type != "Conv" or len(conv.input) < 3:
            continue
        if any(consumers[node.output[0]] != 1 for node in (conv, relu, norm)):
            continue  # an intermediate map is read elsewhere: it must stay as it is
        epsilon = next((a.f for a in norm.attribute if a.name == "epsilon"), 1e-5)
        gamma, beta, mean, variance = (array(name) for name in norm.input[1:5])
        scale = gamma / np.sqrt(variance + epsilon)
        shift = beta - mean * scale
        weights, bias = array(conv.input[1]), array(conv.input[2])
        initializers[conv.input[1]].CopyFrom(
            numpy_helper.from_array((weights * scale[:, None, None, None]).astype(np.float32), conv.input[1])
        )
        initializers[conv.input[2]].CopyFrom(numpy_helper.from_array((bias * scale).astype(np.float32), conv.input[2]))
        prefix = f"{conv.output[0]}_folded"
        constant(f"{prefix}_floor", np.where(scale > 0, 0.0, -largest))
        constant(f"{prefix}_ceiling", np.where(scale > 0, largest, 0.0))
        constant(f"{prefix}_shift", shift)
        output = pool.output[0]
        pool.input[0], pool.output[0] = conv.output[0], f"{prefix}_pooled"
        after = [
            helper.make_node("Max", [f"{prefix}_pooled", f"{prefix}_floor"], [f"{prefix}_floored"]),
            helper.make_node("Min", [f"{prefix}_floored", f"{prefix}_ceiling"], [f"{prefix}_clamped"]),
            helper.make_node("Add", [f"{prefix}_clamped", f"{prefix}_shift"], [output]),
        ]
        at = list(graph.node).index(pool) + 1
        for offset, node in enumerate(after):
            graph.node.insert(at + offset, node)
        graph.node.remove(relu)
        graph.node.remove(norm)
        folded += 1
    unused = {name for name in initializers} - {name for node in graph.node for name in node.input}
    for initializer in [i for i in graph.initializer if i.name in unused]:
        graph.initializer.remove(initializer)
    return folded


def single_channel_convolutions(model: onnx.ModelProto) -> list[str]:
    """The convolutions of a one-channel input (the first block's, on the log-mel itself).

    They stay float32: quantising the log-mel to 8 bits is the coarsest rounding of the whole
    model, and with one input channel the int8 kernel is slower than the float one here
    (measured: the model's window 0.050 s with it float, 0.055 s int8)."""
    shapes = {i.name: tuple(i.dims) for i in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type == "Conv" and shapes.get(n.input[1], (0, 0))[1] == 1]


def quantize_graph(
    float_path: Path,
    out_path: Path,
    windows: list[np.ndarray],
    *,
    fold: bool = True,
    float_nodes: list[str] | None = None,
) -> None:
    """Write the int8 version of the ONNX graph ``float_path`` (input ``log_mel``) to ``out_path``.

    The twin's build is the default; ``bench/int8_graph.py`` times the alternatives: ``fold=False``
    quantises the convolutions of the graph as exported (the previous twins'), ``float_nodes``
    names the nodes kept float32 (default: :func:`single_channel_convolutions`).
    """
    model = onnx.load(str(float_path))
    if fold:
        fold_batch_norm_through_pool(model)
    kept_float = single_channel_convolutions(model) if float_nodes is None else float_nodes
    with tempfile.TemporaryDirectory() as scratch:
        folded, prepared = Path(scratch) / "folded.onnx", Path(scratch) / "prepared.onnx"
        onnx.save(model, str(folded))
        quant_pre_process(str(folded), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out_path),
            _Windows("log_mel", windows),
            quant_format=QuantFormat.QOperator,
            op_types_to_quantize=QUANTIZED_OPS if fold else ["Conv"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=kept_float,
        )


def quantize_model(float_path: Path, tracks: list[Path], *, out_dir: Path | None = None, seed: int = 0) -> Path:
    """Write ``<name>-int8.onnx`` and its sidecar beside ``float_path`` (or in ``out_dir``), calibrated on
    ``tracks``; returns its path."""
    manifest = load_manifest(float_path)
    out_dir = out_dir or float_path.parent
    name = manifest.name + INT8_SUFFIX
    out = out_dir / f"{name}.onnx"
    windows = calibration_windows(tracks, params=manifest.front_end, n_windows=manifest.windows_per_track, seed=seed)
    quantize_graph(float_path, out, windows)
    int8 = dataclasses.replace(
        manifest,
        name=name,
        onnx_file=out.name,
        onnx_sha256=sha256_of(out),
        model={
            **manifest.model,
            "precision": {
                "weights": "int8 convolutions (per channel) but the first, and their max pools; uint8 "
                "activations; batch norms folded through the pools; recurrent readers and heads float32",
                "float_model": manifest.name,
                "float_sha256": manifest.onnx_sha256,
                "calibration_tracks": len(tracks),
                "calibration_seed": seed,
            },
        },
    )
    int8.save(sidecar_path(out))
    return out

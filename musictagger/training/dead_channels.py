"""Drop the backbone's dead channels from an exported graph: the same function, less work.

MTT_vgg, as musicnn trained it, has dead channels: their convolution's weights are ~1e-29 (decayed to
nothing) and its bias is negative, so the ReLU after it gives 0 at every position of every window, and
the batch norm turns that 0 into a constant ``b_c`` (|b_c| ≤ 0.0015 in the third model), which the max
pool keeps.  35 of block 1's 128 channels are dead, 40 of block 2's, 16 of block 3's and 14 of block
4's, yet the next convolution multiplies every one of them at every position: block 2's convolution,
60 % of the third model's float32 window, reads block 1's 128 channels and writes 128 of its own.

A channel is dead here when no input could lift it above zero: its bias is below zero by more than
:data:`INPUT_BOUND` times the sum of its weights' magnitudes (on the 445 tracks of Emotify and the dev
set and on generated non-music, no block's convolution exceeds 69 anywhere; the dead channels would need
inputs of 1e22 and more).  That is read off the weights alone, so the rewrite needs no data, and
:func:`drop_dead_channels` computes the same function as the graph it rewrites, up to float rounding:

* the block's convolution, batch norm and pool keep the other channels and gain one constant channel
  (zero weights, bias 1), which its ReLU, batch norm (scale 1, shift 0) and pool turn into a constant
  ``v``; as many dead channels are kept as make the count a multiple of :data:`CHANNEL_BLOCK` (the
  third model: 33 of block 1's and 33 of block 2's dropped, 96 channels left in each; blocks 3 and 4
  would not come down a whole block, and keep theirs);
* the next convolution reads the channels kept and, in place of the dropped ones, the constant channel
  with weights ``Σ_dropped b_c·W[:, c] / v``.  It pads the constant channel with zeros as it padded
  the dropped channels, so the borders come out right too;
* each layer map, resized to the common grid from the kept and constant channels, gets its channels
  back by a 1×1 convolution that copies each kept channel and makes each dropped one ``b_c / v`` times
  the constant channel (on the 32×8 grid: a few thousand multiply-adds);
* the maps shown in the window (``layer1`` … ``layer5``) gather their channels from the kept ones, and
  a channel shown is never dropped.

Needs the ``train`` extra (onnx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper, numpy_helper

from musictagger.training.graph_rewrites import _drop_unused_initializers, _forget_inner_shapes, _option

INPUT_BOUND = 1e12
"""How large a block's inputs would have to be for a channel called dead to fire."""

CHANNEL_BLOCK = 16
"""onnxruntime runs a convolution in its blocked layout (NCHWc: 16 channels a block with AVX-512, 8
with AVX2) only where its channel counts are multiples of the block; otherwise in a plain layout, a
quarter slower per multiply-add (block 2's convolution: 99 against 133 G/s on one thread of the AMD
EPYC).  A block keeps as many dead channels as that takes."""

# The constant channel's batch norm: scale, shift, mean, variance.
_CONSTANT_NORM = (1.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class _Block:
    """One backbone block of the graph: conv → ReLU → batch norm and max pool (in either order), the
    pooled map they give, the nodes that read it, and every tensor's readers in the graph."""

    conv: onnx.NodeProto
    norm: onnx.NodeProto
    pooled: str
    readers: list[onnx.NodeProto]
    graph_readers: dict[str, list[onnx.NodeProto]]


def _block_from(graph: onnx.GraphProto, conv: onnx.NodeProto, weights: dict[str, np.ndarray]) -> _Block | None:
    """The block ``conv`` starts, if it is one whose maps only the rewrite's known readers read: the next
    convolution, the resize to the grid (two products by constant matrices) and a constant channel
    gather; else None."""
    readers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    outputs = {output.name for output in graph.output}
    chain, tensor = [], conv.output[0]
    for allowed in (("Relu",), ("BatchNormalization", "MaxPool"), ("BatchNormalization", "MaxPool")):
        following = readers.get(tensor, [])
        if len(following) != 1 or following[0].op_type not in allowed or tensor in outputs:
            return None
        chain.append(following[0])
        tensor = following[0].output[0]
    norms = [node for node in chain if node.op_type == "BatchNormalization"]
    if len(norms) != 1 or tensor in outputs:
        return None
    block = _Block(conv, norms[0], tensor, readers.get(tensor, []), readers)
    channels = weights[conv.input[1]].shape[0]
    understood = all(_understood(block, reader, weights, outputs, channels) for reader in block.readers)
    return block if understood else None


def _understood(
    block: _Block, reader: onnx.NodeProto, weights: dict[str, np.ndarray], outputs: set[str], channels: int
) -> bool:
    """Whether ``reader`` of the block's pooled map is one the rewrite knows how to give fewer channels."""

    def by_matrix(product: onnx.NodeProto, source: str) -> bool:  # a product of each channel's map by a matrix
        other = [name for name in product.input if name != source]
        return len(other) == 1 and other[0] in weights and weights[other[0]].ndim == 2

    if reader.op_type == "MatMul":
        following = block.graph_readers.get(reader.output[0], [])
        return (
            by_matrix(reader, block.pooled)
            and reader.output[0] not in outputs
            and len(following) == 1
            and following[0].op_type == "MatMul"
            and by_matrix(following[0], reader.output[0])
        )
    if reader.op_type == "Gather":
        shown = weights.get(reader.input[1])
        return (
            reader.input[0] == block.pooled
            and _option(reader, "axis", 0) == 1
            and shown is not None
            and bool(np.all((shown >= 0) & (shown < channels)))
        )
    return reader.op_type == "Conv" and reader.input[0] == block.pooled and _option(reader, "group", 1) == 1


def dead_in(weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Indices of the output channels of a convolution that no input below :data:`INPUT_BOUND` in size
    lifts above zero."""
    reach = np.abs(weights.astype(np.float64)).reshape(weights.shape[0], -1).sum(axis=1) * INPUT_BOUND
    return np.flatnonzero(-bias.astype(np.float64) > reach)


def drop_dead_channels(model: onnx.ModelProto) -> int:
    """Rewrite every block with dead channels as the module docstring says, in place; returns how many
    channels were dropped.  A block whose maps other nodes read (:func:`_block_from`) is left as it is."""
    graph = model.graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    written = set(weights)
    dropped = 0
    for conv in [node for node in graph.node if node.op_type == "Conv"]:
        if len(conv.input) < 3 or conv.input[1] not in weights or conv.input[2] not in weights:
            continue
        block = _block_from(graph, conv, weights)
        if block is None:
            continue
        gone = _to_drop(block, weights)
        if gone.size:
            _rewrite(graph, block, gone, weights)
            dropped += gone.size
    if dropped:
        _forget_inner_shapes(graph)
        graph.initializer.extend(numpy_helper.from_array(weights[name], name) for name in weights.keys() - written)
        _drop_unused_initializers(graph)
    return dropped


def _to_drop(block: _Block, weights: dict[str, np.ndarray]) -> np.ndarray:
    """The dead channels of ``block`` to drop: so many that the channels left and the constant channel
    make a multiple of :data:`CHANNEL_BLOCK`, fewer than the block had; none where that cannot be.  A
    channel shown in the window is kept."""
    conv = block.conv
    channels = weights[conv.input[1]].shape[0]
    shown = {int(c) for r in block.readers if r.op_type == "Gather" for c in weights[r.input[1]].ravel()}
    dead = np.array([c for c in dead_in(weights[conv.input[1]], weights[conv.input[2]]) if c not in shown], int)
    left = -(-(channels - dead.size + 1) // CHANNEL_BLOCK) * CHANNEL_BLOCK
    return dead[: channels + 1 - left] if left < channels else dead[:0]


def _rewrite(graph: onnx.GraphProto, block: _Block, gone: np.ndarray, weights: dict[str, np.ndarray]) -> None:
    """Drop channels ``gone`` of ``block`` and add the constant channel, last."""
    conv, norm = block.conv, block.norm
    channels = weights[conv.input[1]].shape[0]
    kept = np.setdiff1d(np.arange(channels), gone)

    scale, shift, mean, variance = (weights[name].astype(np.float64) for name in norm.input[1:5])
    epsilon = float(_option(norm, "epsilon", 1e-5))
    constants = shift - mean * scale / np.sqrt(variance + epsilon)  # what a dead channel's 0 becomes
    c_scale, c_shift, c_mean, c_variance = _CONSTANT_NORM
    per_constant = constants / (c_shift + (1.0 - c_mean) * c_scale / np.sqrt(c_variance + epsilon))

    w, b = weights[conv.input[1]], weights[conv.input[2]]
    _replace(weights, conv, 1, np.concatenate([w[kept], np.zeros_like(w[:1])]))
    _replace(weights, conv, 2, np.append(b[kept], np.float32(1.0)))
    for position, value in zip(range(1, 5), _CONSTANT_NORM, strict=True):
        _replace(weights, norm, position, np.append(weights[norm.input[position]][kept], np.float32(value)))

    for reader in block.readers:
        if reader.op_type == "Conv":
            w = weights[reader.input[1]].astype(np.float64)
            stand_in = np.einsum("c,ocij->oij", per_constant[gone], w[:, gone])
            _replace(weights, reader, 1, np.concatenate([w[:, kept], stand_in[:, None]], axis=1).astype(np.float32))
        elif reader.op_type == "Gather":
            position = {int(channel): i for i, channel in enumerate(kept)}
            shown = weights[reader.input[1]]
            _replace(weights, reader, 1, np.vectorize(position.__getitem__)(shown).astype(shown.dtype))
        else:
            _restore_channels(graph, block.graph_readers[reader.output[0]][0], kept, gone, per_constant, weights)


def _restore_channels(
    graph: onnx.GraphProto,
    product: onnx.NodeProto,
    kept: np.ndarray,
    gone: np.ndarray,
    per_constant: np.ndarray,
    weights: dict[str, np.ndarray],
) -> None:
    """After ``product`` (the resize's second product, whose channels are those ``kept`` and then the
    constant channel), a 1×1 convolution giving back every channel, each one ``gone`` ``per_constant``
    times the constant channel."""
    expand = np.zeros((per_constant.size, kept.size + 1, 1, 1), dtype=np.float32)
    expand[kept, np.arange(kept.size), 0, 0] = 1.0
    expand[gone, -1, 0, 0] = per_constant[gone]
    full, name = product.output[0], f"{product.output[0]}_all_channels"
    product.output[0] = f"{full}_kept_channels"
    weights[name] = expand
    at = list(graph.node).index(product) + 1
    restore = helper.make_node("Conv", [product.output[0], name], [full], name=f"{full}_restore", kernel_shape=[1, 1])
    graph.node.insert(at, restore)


def _replace(weights: dict[str, np.ndarray], node: onnx.NodeProto, position: int, value: np.ndarray) -> None:
    """Give ``node``'s input ``position`` a new initializer ``value`` (named after the old one)."""
    name = f"{node.input[position]}_live"
    while name in weights:
        name += "_"
    weights[name] = np.ascontiguousarray(value)
    node.input[position] = name

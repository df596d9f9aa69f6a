"""Rewrites of an exported graph: the same function (to float rounding, and the same code bits), less CPU work.

The backbone's first block is conv (one input channel, 3×3, 128 outputs) → ReLU → batch norm
→ max pool 4×1 with strides 2×2, over the whole 1820×96 log-mel window.  Its conv output is
the largest tensor of the model (89 MB a window), and the pool keeps every other mel band of
it: half of that conv's outputs are computed, normalised and thrown away.

* :func:`stride_through_pool` — a pool whose kernel is 1 along an axis and whose stride ``s``
  there keeps every ``s``-th position; the conv (and the elementwise ops between) need
  computing only at those positions, so the conv takes the stride and the pool steps by 1.
  The same products are summed in the same order: every output is bit for bit the same.
* :func:`resize_as_matmul` — each layer map is resized to the common grid by an antialiased
  bilinear Resize, which onnxruntime computes with a general-purpose loop (10 of a float32
  window's 137 ms, one thread, for the first map alone).  Bilinear resizing is linear and
  separable: the map times a fixed matrix along each axis.  The rewrite reads those matrices
  off onnxruntime's own Resize (by resizing the identity) and multiplies, which onnxruntime's
  matrix product does in a fraction of the time; equal up to float rounding.
* :func:`batch_norm_after_pool` — a batch norm with no negative scale never decreases, so it
  commutes with the max pool after it (node by node, bit for bit): moved past the pool it
  normalises a half to a sixteenth of the positions.  onnxruntime runs a batch norm between a
  ReLU and a pool as a per-channel convolution over the whole map: 6.7 of the fast model's 43 ms
  a window (one thread), whose every scale is positive; the third model's first four blocks have
  negative ones.
* :func:`~musictagger.training.dead_channels.drop_dead_channels` — channels whose weights decayed to
  nothing in training and whose bias is negative never fire; the next convolution stops reading them
  (a third of the first two blocks' channels in the third model), with one constant channel in their
  place so that every output stays the same up to float rounding.
* :func:`fold_batch_norm_through_pool` — conv → ReLU → batch norm → max pool becomes conv → max
  pool → per-channel clamp and shift, equal up to float rounding.  The int8 twin's folded build
  uses it to run its pools on uint8 (``quantize_graph(fold=True)``).

:func:`streamline` is what ``musictagger export`` applies to every model it writes (and
``musictagger streamline`` to a model already written): the stride, which made a window of the
third model 5–9 % faster in float32 and 9–15 % in its int8 twin (two runs of
``bench/graph_rewrites.py``, one and two threads), the resizes as products (4–5 % off a
float32 window, 5–13 % off a twin's), the batch norms after their pools (the fast model's
window in 0.88–0.90 of its time in float32, 0.72–0.76 in its twin; the third model's within the
noise), and the dead channels dropped (the third model's float32 window in 0.66 of its time on one
thread, 0.69 on two: ``bench/graph_rewrites.py``).  Folding the remaining batch norms bought nothing
measurable on top and, in the twin, whose next step rounds to uint8, moved a code bit on a real window,
so it is left out.

Needs the ``train`` extra (onnx).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

# Ops that act on each position alone (batch norm as exported for inference): a stride passes through them.
POINTWISE_OPS = ("Relu", "BatchNormalization")


def _option(node: onnx.NodeProto, name: str, default: object = None) -> object:
    """The value of ``node``'s attribute ``name`` (strings as bytes), or ``default``."""
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == name), default)


def _attribute(node: onnx.NodeProto, name: str) -> list[int] | None:
    value = _option(node, name)
    return None if value is None else list(value)


def _pads_itself(node: onnx.NodeProto) -> bool:
    """Whether ``node`` chooses its own padding (``auto_pad`` other than NOTSET): its explicit pads do not say."""
    return _option(node, "auto_pad", b"NOTSET") != b"NOTSET"


def _set_attribute(node: onnx.NodeProto, name: str, value: list[int]) -> None:
    for attribute in [a for a in node.attribute if a.name == name]:
        node.attribute.remove(attribute)
    node.attribute.append(helper.make_attribute(name, value))


def _producers(graph: onnx.GraphProto) -> dict[str, onnx.NodeProto]:
    return {output: node for node in graph.node for output in node.output}


def _consumer_counts(graph: onnx.GraphProto) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            counts[name] = counts.get(name, 0) + 1
    for output in graph.output:
        counts[output.name] = counts.get(output.name, 0) + 1
    return counts


def _forget_inner_shapes(graph: onnx.GraphProto) -> None:
    """Drop the recorded shapes of inner tensors (onnxruntime infers them again): a rewrite that
    changes a stride changes the shapes between the conv and the pool."""
    del graph.value_info[:]


def stride_through_pool(model: onnx.ModelProto) -> int:
    """Move a max pool's stride into the conv before it along each axis where the pool's kernel is 1.

    Applies to conv → (ReLU | batch norm)* → max pool without padding or dilation, where every
    intermediate map is read by the next node alone; returns how many pools were rewritten.
    """
    graph = model.graph
    producer, consumers = _producers(graph), _consumer_counts(graph)
    rewritten = 0
    for pool in [node for node in graph.node if node.op_type == "MaxPool"]:
        kernel, strides = _attribute(pool, "kernel_shape"), _attribute(pool, "strides")
        if kernel is None or strides is None or any(_attribute(pool, "pads") or [0]) or _pads_itself(pool):
            continue
        movable = [k == 1 and s > 1 for k, s in zip(kernel, strides, strict=True)]
        if not any(movable):
            continue
        node = producer.get(pool.input[0])
        chain = []
        while node is not None and node.op_type in POINTWISE_OPS:
            chain.append(node)
            node = producer.get(node.input[0])
        if node is None or node.op_type != "Conv" or _pads_itself(node):
            continue
        conv_strides = _attribute(node, "strides") or [1] * len(kernel)
        if any(d != 1 for d in _attribute(node, "dilations") or [1]) or any(s != 1 for s in conv_strides):
            continue
        if any(consumers[n.output[0]] != 1 for n in (node, *chain)):
            continue  # a map between conv and pool is read elsewhere at every position
        _set_attribute(node, "strides", [s if move else 1 for s, move in zip(strides, movable, strict=True)])
        _set_attribute(pool, "strides", [1 if move else s for s, move in zip(strides, movable, strict=True)])
        rewritten += 1
    if rewritten:
        _forget_inner_shapes(graph)
    return rewritten


def batch_norm_after_pool(model: onnx.ModelProto) -> int:
    """Move every inference batch norm with no negative scale past the max pool that alone reads it,
    in place; returns how many.

    Per channel the norm is ``s · x + t`` with ``s = γ / √(var + ε)``; with ``γ ≥ 0`` it never
    decreases, and neither does its float rounding, so the max of the normed values is the normed
    max, and the norm runs on the pooled map (a half to a sixteenth of the positions).  Node by node
    every output is bit for bit the same; onnxruntime's optimised graph may compute the norm with
    another kernel where it now sits (a fused multiply-add), a float's last bit apart, which the
    next conv carries on within float rounding — for the shipped models, every output of real
    windows stayed bit for bit the same.  A channel with ``γ < 0`` would turn the max into a min, so
    a norm with one is left where it is.
    """
    return _swap_norms_and_pools(model.graph, norm_first=True)


def _swap_norms_and_pools(graph: onnx.GraphProto, *, norm_first: bool) -> int:
    """Swap each pair :func:`_norm_and_pool` finds (``norm_first``: the norm then runs after its pool;
    else before it); returns how many."""
    pairs = _norm_and_pool(graph, norm_first=norm_first)
    for first, second in pairs:
        _swap(graph, first, second, middle=f"{first.output[0]}_{'pooled' if norm_first else 'normed'}")
    if pairs:
        _forget_inner_shapes(graph)
    return len(pairs)


def _norm_and_pool(graph: onnx.GraphProto, *, norm_first: bool) -> list[tuple[onnx.NodeProto, onnx.NodeProto]]:
    """Each inference batch norm with no negative scale and the max pool next to it in a chain (the pool
    reading the norm's output alone, or with not ``norm_first`` the norm reading the pool's alone)."""
    initializers = {i.name: i for i in graph.initializer}
    producer, consumers = _producers(graph), _consumer_counts(graph)
    readers = {name: node for node in graph.node for name in node.input}  # the only reader where consumers says one
    found = []
    for norm in [node for node in graph.node if node.op_type == "BatchNormalization"]:
        if len(norm.output) != 1 or _option(norm, "training_mode", 0) or norm.input[1] not in initializers:
            continue
        if (numpy_helper.to_array(initializers[norm.input[1]]) < 0).any():
            continue
        if norm_first:
            pool, between = readers.get(norm.output[0]), norm.output[0]
        else:
            pool, between = producer.get(norm.input[0]), norm.input[0]
        if pool is not None and pool.op_type == "MaxPool" and len(pool.output) == 1 and consumers[between] == 1:
            found.append((norm, pool) if norm_first else (pool, norm))
    return found


def _swap(graph: onnx.GraphProto, first: onnx.NodeProto, second: onnx.NodeProto, *, middle: str) -> None:
    """Make the chain ``first`` → ``second`` (each reading one map) run as ``second`` → ``first``, with the
    map between them named ``middle``; what read ``second``'s output reads ``first``'s."""
    source, target = first.input[0], second.output[0]
    second.input[0], second.output[0] = source, middle
    first.input[0], first.output[0] = middle, target
    graph.node.remove(first)
    graph.node.insert(list(graph.node).index(second) + 1, first)


def fold_batch_norm_through_pool(model: onnx.ModelProto) -> int:
    """Rewrite every Conv → Relu → BatchNormalization → MaxPool of ``model`` in place; returns how many.

    With the batch norm's per-channel scale ``s`` and shift ``t``, ``s · relu(z) + t`` equals
    ``f(s · z) + t`` where ``f`` is ``max(·, 0)`` for ``s > 0`` and ``min(·, 0)`` otherwise.  ``f`` and
    ``+ t`` never decrease, so they commute with the max pool: the block becomes a conv with
    weights and bias times ``s``, the pool, then ``f`` and ``+ t`` on the pooled map — the same
    function, up to float rounding.  A norm :func:`batch_norm_after_pool` moved is put back before its
    pool first.
    """
    graph = model.graph
    _swap_norms_and_pools(graph, norm_first=False)
    initializers = {i.name: i for i in graph.initializer}
    producer, consumers = _producers(graph), _consumer_counts(graph)
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
    _drop_unused_initializers(graph)
    return folded


def _static_sizes(
    resize: onnx.NodeProto, producer: dict[str, onnx.NodeProto], initializers: dict[str, np.ndarray]
) -> tuple[int, int] | None:
    """The (height, width) a Resize of a 4-D map asks for, where its ``sizes`` are the map's own
    batch and channels (``Shape(x)[0:2]``) followed by a constant pair, as torch exports them."""
    if len(resize.input) != 4 or any(resize.input[1:3]) or _option(resize, "axes") is not None:
        return None  # a region of interest, given scales or a subset of axes: not the torch export's form
    concat = producer.get(resize.input[3])
    if concat is None or concat.op_type != "Concat" or len(concat.input) != 2:
        return None
    shape, grid = producer.get(concat.input[0]), initializers.get(concat.input[1])
    if shape is None or shape.op_type != "Shape" or shape.input[0] != resize.input[0]:
        return None
    if (_option(shape, "start", 0), _option(shape, "end")) != (0, 2):
        return None
    if grid is None or grid.shape != (2,):
        return None
    return int(grid[0]), int(grid[1])


def _map_sizes(model: onnx.ModelProto) -> dict[str, tuple[int, int]]:
    """The static (height, width) of every 4-D tensor whose last two axes shape inference can tell."""
    inferred = onnx.shape_inference.infer_shapes(model)
    sizes = {}
    for value in (*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4 and all(d.HasField("dim_value") for d in dims[2:]):
            sizes[value.name] = (dims[2].dim_value, dims[3].dim_value)
    return sizes


def _resize_weights(resize: onnx.NodeProto, length: int, target: int) -> np.ndarray:
    """The ``target × length`` matrix that ``resize`` (its mode and options) applies along an axis
    of ``length`` resized to ``target``: onnxruntime's own Resize of the identity."""
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"])
    node.attribute.extend(resize.attribute)
    graph = helper.make_graph(
        [node],
        "resize-weights",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, length, length, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, length, target, 1])],
        [numpy_helper.from_array(np.array([1, length, target, 1], dtype=np.int64), "sizes")],
    )
    probe = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    identity = np.eye(length, dtype=np.float32).reshape(1, length, length, 1)
    (resized,) = session.run(None, {"x": identity})
    return np.ascontiguousarray(resized[0, :, :, 0].T)  # column j: what input position j becomes


def resize_as_matmul(model: onnx.ModelProto) -> int:
    """Replace every linear Resize of a map of static height and width onto a constant grid by two
    MatMuls with the Resize's own weights, the cheaper axis first; returns how many.

    Applies where the Resize keeps the batch and channel axes (sizes ``Shape(x)[0:2]`` followed by a
    constant height and width, as torch exports ``F.interpolate``) and its mode is ``linear``.
    """
    graph = model.graph
    map_sizes, producer = _map_sizes(model), _producers(graph)
    initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    rewritten = 0
    for resize in [node for node in graph.node if node.op_type == "Resize"]:
        grid = _static_sizes(resize, producer, initializers)
        if _option(resize, "mode", b"nearest") != b"linear" or grid is None or resize.input[0] not in map_sizes:
            continue
        (height, width), (rows, columns) = map_sizes[resize.input[0]], grid
        along_height = _resize_weights(resize, height, rows)  # rows × height
        along_width = _resize_weights(resize, width, columns).T  # width × columns
        prefix = f"{resize.output[0]}_matmul"
        graph.initializer.extend(
            [
                numpy_helper.from_array(along_height, f"{prefix}_rows"),
                numpy_helper.from_array(np.ascontiguousarray(along_width), f"{prefix}_columns"),
            ]
        )
        width_first = (
            height * width * columns + rows * height * columns <= rows * height * width + rows * width * columns
        )
        if width_first:
            products = [
                helper.make_node("MatMul", [resize.input[0], f"{prefix}_columns"], [f"{prefix}_half"]),
                helper.make_node("MatMul", [f"{prefix}_rows", f"{prefix}_half"], [resize.output[0]]),
            ]
        else:
            products = [
                helper.make_node("MatMul", [f"{prefix}_rows", resize.input[0]], [f"{prefix}_half"]),
                helper.make_node("MatMul", [f"{prefix}_half", f"{prefix}_columns"], [resize.output[0]]),
            ]
        at = list(graph.node).index(resize)
        graph.node.remove(resize)
        for offset, node in enumerate(products):
            graph.node.insert(at + offset, node)
        rewritten += 1
    if rewritten:
        _drop_unused_nodes(graph)
        _drop_unused_initializers(graph)
    return rewritten


def _drop_unused_nodes(graph: onnx.GraphProto) -> None:
    """Remove nodes none of whose outputs is read (the sizes computation a rewritten Resize left)."""
    while True:
        read = {name for node in graph.node for name in node.input} | {output.name for output in graph.output}
        unread = [node for node in graph.node if not any(output in read for output in node.output)]
        if not unread:
            return
        for node in unread:
            graph.node.remove(node)


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {name for node in graph.node for name in node.input}
    for initializer in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(initializer)


def streamline(model: onnx.ModelProto) -> dict[str, int]:
    """Apply the rewrites that pay and move no code bit (see the module docstring) in place;
    returns how many of each."""
    from musictagger.training.dead_channels import drop_dead_channels  # which builds on this module's helpers

    return {
        "strided_through_pool": stride_through_pool(model),
        "batch_norm_after_pool": batch_norm_after_pool(model),
        "resize_as_matmul": resize_as_matmul(model),
        "dead_channels_dropped": drop_dead_channels(model),
    }

"""Where a model's window goes, node by node, and how near each convolution runs to the machine's limit.

    .venv/bin/python bench/node_profile.py [--model PATH ...] [--threads 1] [--rounds 4] [--top 15]

For each model (default: the shipped default model and its int8 twin) onnxruntime's own profiler
times every node of the optimised graph over real windows (Emotify test clips if ../shared is
there, else generated music; ``bench/graph_rewrites.py``'s windows), on ``--threads`` threads: a
one-thread profile is what each of ``index``'s workers runs.  The table lists the ``--top``
nodes by time: milliseconds per window, share of the window, and for a convolution its
multiply-adds per second and that rate as a share of the compute limit: the kernel of one plain
convolution of the model's heaviest shape on as many threads, float32 and int8 (profiled the same
way, in the same run; ``bench/speed.py``'s limit times that convolution's whole graph, layout
conversions included, and is printed beside it).  A convolution near 100 % cannot get faster by
tuning, only by less or cheaper work.  The names are onnxruntime's (``…_nchwc``: its blocked layout; a batch norm it
runs as a per-channel convolution is ``…_bn_nchwc``).  Needs the train extra (onnx).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

DEFAULT_MODELS = ("hash-cnn-lstm-emotify-v3", "hash-cnn-lstm-emotify-v3-int8")


def node_times(model: Path, feeds: list[dict], *, threads: int, rounds: int, folder: Path) -> dict[str, dict]:
    """Per node of the optimised graph: its op, milliseconds per run and multiply-adds per run
    (convolutions: output positions × weights; 0 for other ops), over ``rounds`` passes of ``feeds``
    after one untimed pass (the first runs allocate and pack weights)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.enable_profiling = True
    options.profile_file_prefix = str(folder / model.stem)
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    for _ in range(1 + rounds):
        for feed in feeds:
            session.run(None, feed)
    events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    runs = sorted(e["ts"] for e in events if e.get("cat") == "Session" and e["name"] == "model_run")
    timed_from = runs[len(feeds)]
    int8_weights = int8_conv_weights(model)
    nodes: dict[str, dict] = defaultdict(lambda: {"op": "", "us": 0.0, "macs": 0})
    for event in events:
        if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time") or event["ts"] < timed_from:
            continue
        name, args = event["name"].removesuffix("_kernel_time"), event["args"]
        node = nodes[name]
        node["op"] = args["op_name"]
        node["us"] += event["dur"]
        if args["op_name"] == "Conv":
            node["macs"] = conv_macs(args)
        elif args["op_name"] == "QLinearConv":
            node["macs"] = int8_conv_macs(args, name, int8_weights)
    timed = rounds * len(feeds)
    return {name: {**n, "ms": n["us"] / timed / 1e3} for name, n in nodes.items()}


def conv_macs(args: dict) -> int:
    """Multiply-adds of one run of a float convolution from its profiled shapes: each output position of
    each image takes one multiply-add per weight of its output channel."""
    shapes = [next(iter(entry.values())) for entry in args["input_type_shape"]]
    (output,) = (next(iter(entry.values())) for entry in args["output_type_shape"])
    return output[0] * math.prod(output[2:]) * math.prod(shapes[1])


def int8_conv_weights(model: Path) -> dict[str, list[int]]:
    """The weight shape of each int8 convolution of ``model``, by node name: onnxruntime packs these
    weights, and its profile does not give their shape (it names the node it runs after the file's)."""
    graph = onnx.load(str(model)).graph
    dims = {w.name: list(w.dims) for w in graph.initializer}
    return {node.name: dims[node.input[3]] for node in graph.node if node.op_type == "QLinearConv"}


def int8_conv_macs(args: dict, name: str, weights: dict[str, list[int]]) -> int:
    """Multiply-adds of one run of an int8 convolution (onnxruntime runs it channels-last)."""
    (output,) = (next(iter(entry.values())) for entry in args["output_type_shape"])
    source = max((node for node in weights if name.startswith(node)), key=len)
    return math.prod(output[:-1]) * math.prod(weights[source])


def rows(model: Path, nodes: dict[str, dict], limits: dict[str, float], *, threads: int, top: int) -> list[str]:
    total = sum(n["ms"] for n in nodes.values())
    limit = limits["int8" if "int8" in model.stem else "float32"]
    out = [f"| {model.stem} | {threads} | (all nodes) | | {total:.1f} | 100 % | | |"]
    for name, n in sorted(nodes.items(), key=lambda kv: -kv[1]["ms"])[:top]:
        rate = n["macs"] / (n["ms"] / 1e3) if n["macs"] else None
        out.append(
            f"| {model.stem} | {threads} | {name} | {n['op']} | {n['ms']:.2f} | {n['ms'] / total:.0%} | "
            + (f"{rate / 1e9:.1f} | {rate / limit:.0%} |" if rate else " | |")
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, action="append", help="an .onnx model (repeatable)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    import graph_rewrites  # bench/ is this script's folder, so on its path
    import speed

    from musictagger.model.location import model_file

    models = args.model or [model_file(name) for name in DEFAULT_MODELS]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        heaviest = max((shape for model in models for shape in speed.conv_shapes(model)), key=speed.macs)
        whole = speed.plain_conv_rates(heaviest, folder, threads=args.threads)  # writes conv-float32/int8.onnx
        c_in, c_out, k_h, k_w, h, w = heaviest
        feed = {"x": np.random.default_rng(0).uniform(0, 1, (1, c_in, h, w)).astype(np.float32)}
        limits = {}
        for precision in ("float32", "int8"):
            plain = node_times(folder / f"conv-{precision}.onnx", [feed], threads=args.threads, rounds=5, folder=folder)
            limits[precision] = max(n["macs"] / (n["ms"] / 1e3) for n in plain.values() if n["macs"])
        print(
            f"Compute limit on {args.threads} thread(s), one plain {c_in}→{c_out} {k_h}×{k_w} convolution over "
            f"{h}×{w}, its kernel alone: {limits['float32'] / 1e9:.1f} G multiply-adds/s float32, "
            f"{limits['int8'] / 1e9:.1f} int8 (with its graph's layout conversions, bench/speed.py's figure: "
            f"{whole['float32'] / 1e9:.1f} and {whole['int8'] / 1e9:.1f})\n"
        )
        print("| model | threads | node | op | ms per window | share | G multiply-adds/s | of the limit |")
        print("|---|---:|---|---|---:|---:|---:|---:|")
        for model in models:
            feeds = [{"log_mel": window[None]} for window in graph_rewrites.real_windows(model)]
            nodes = node_times(model, feeds, threads=args.threads, rounds=args.rounds, folder=folder)
            print("\n".join(rows(model, nodes, limits, threads=args.threads, top=args.top)))


if __name__ == "__main__":
    main()

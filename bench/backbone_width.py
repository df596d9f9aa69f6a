"""How fast the FCN-5 backbone runs at narrower widths: the speed a smaller, distilled backbone would buy.

    .venv/bin/python bench/backbone_width.py [--widths 128 96 64 48 32] [--threads 1 2] [--runs 5]

For each width, :class:`~musictagger.training.backbone.FCN5Backbone` with that many channels per
block (random weights: the time does not depend on them; batch-norm statistics set away from the
identity so nothing is folded away) is exported to ONNX, streamlined as ``musictagger export``
writes models (:func:`~musictagger.training.graph_rewrites.streamline`), and run on one window of
the app's shape (1820 frames × 96 mel bands) in float32 on ``--threads`` onnxruntime threads.  The
table gives the convolutions' multiply-adds, read from the exported graph as ``bench/speed.py`` reads
them, and the best of ``--runs`` timed runs per thread count,
for the five blocks alone (the shipped model adds its map readers, hash layer and heads, and at
128 channels is the first row's network with the pre-trained weights).  Needs the train extra.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from speed import conv_shapes, macs  # bench/ is this script's folder, so on its path

from musictagger.model.precision import best_of_runs
from musictagger.training.backbone import N_MELS, FCN5Backbone
from musictagger.training.graph_rewrites import streamline

WINDOW_FRAMES = 1820


def export_backbone(channels: int, path: Path) -> Path:
    """The backbone of ``channels`` per block, random weights, as a streamlined ONNX graph at ``path``."""
    torch.manual_seed(channels)
    backbone = FCN5Backbone(channels).eval()
    for module in backbone.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(module.running_mean, 0.0, 1.0)
            torch.nn.init.uniform_(module.running_var, 0.5, 1.5)
    window = torch.rand(1, WINDOW_FRAMES, N_MELS)
    torch.onnx.export(backbone, (window,), str(path), input_names=["log_mel"], dynamo=False)
    model = onnx.load(str(path))
    streamline(model)
    onnx.save(model, str(path))
    return path


def seconds_per_window(path: Path, threads: int, runs: int) -> float:
    """Best of ``runs`` timed runs of one random window on ``threads`` onnxruntime threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    window = np.random.default_rng(0).uniform(0.0, 3.0, (1, WINDOW_FRAMES, N_MELS)).astype(np.float32)
    return best_of_runs(session, {"log_mel": window}, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 96, 64, 48, 32])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        "| channels per block | conv multiply-adds per window (G) | "
        + " | ".join(f"ms per window, {t} thread{'s' * (t > 1)}" for t in args.threads)
        + " |"
    )
    print("|---:|---:|" + "---:|" * len(args.threads))
    with tempfile.TemporaryDirectory() as scratch:
        for channels in args.widths:
            path = export_backbone(channels, Path(scratch) / f"backbone-{channels}.onnx")
            times = [seconds_per_window(path, threads, args.runs) for threads in args.threads]
            cells = " | ".join(f"{1000 * seconds:.1f}" for seconds in times)
            multiply_adds = sum(macs(shape) for shape in conv_shapes(path))
            print(f"| {channels} | {multiply_adds / 1e9:.2f} | {cells} |", flush=True)


if __name__ == "__main__":
    main()

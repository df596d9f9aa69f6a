"""What each graph rewrite of :mod:`musictagger.training.graph_rewrites` buys, per model.

    .venv/bin/python bench/graph_rewrites.py [--model PATH ...] [--threads 1 2] [--rounds 8]

For each model (default: the second model and its int8 twin, built before the rewrites existed,
so the "as built" row is the graph torch exported; a streamlined model shows no rewrites; to
measure a model as it was before a rewrite, give its file from git history) it builds, in a
temporary folder:

1. the graph as built;
2. the first block's conv computed at the pooled positions only;
3. as 2, with every batch norm that has no negative scale moved past its pool;
4. as 3, with each layer map's resize to the common grid done as two products;
5. as 4, with the dead channels dropped (``streamline``: what export writes);
6. as 5, with the other blocks' batch norms folded through their pools (why ``streamline`` does not
   fold them).

Each build runs the same real windows (Emotify test clips if ../shared is there, else generated
music), interleaved round by round, on ``--threads`` onnxruntime threads; the table gives the
median milliseconds per window, the ratio to the graph as built, the largest output difference
(relative to the output's size) and whether every code bit is the same.  Needs the train extra.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from musictagger.audio.frontend import features_from_file, features_from_signal
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.training.export import relative_difference
from musictagger.training.graph_rewrites import (
    batch_norm_after_pool,
    fold_batch_norm_through_pool,
    resize_as_matmul,
    streamline,
    stride_through_pool,
)

ROOT = Path(__file__).resolve().parents[1]
EMOTIFY = ROOT.parent / "shared" / "datasets" / "emotify"
DEFAULT_MODELS = ("hash-cnn-lstm-emotify-v2", "hash-cnn-lstm-emotify-v2-int8")

BUILDS: dict[str, Callable[[onnx.ModelProto], object]] = {
    "as built": lambda model: None,
    "first conv strided through its pool": stride_through_pool,
    "+ batch norms after their pools": lambda model: (stride_through_pool(model), batch_norm_after_pool(model)),
    "+ the resizes as products": lambda model: (
        stride_through_pool(model),
        batch_norm_after_pool(model),
        resize_as_matmul(model),
    ),
    "+ the dead channels dropped (streamline)": streamline,
    "+ the other batch norms folded through their pools": lambda model: (
        streamline(model),
        fold_batch_norm_through_pool(model),
    ),
}


def real_windows(model: Path, count: int = 6) -> np.ndarray:
    """Windows of a few Emotify test clips, or of generated music where the data set is absent."""
    params = load_manifest(model).front_end
    if (EMOTIFY / "test.txt").is_file():
        names = (EMOTIFY / "test.txt").read_text(encoding="utf-8").split()[:: 80 // count][:count]
        return np.concatenate([features_from_file(EMOTIFY / n, params=params, n_windows=1).windows for n in names])
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.audio.signals import piece

    return np.concatenate(
        [features_from_signal(piece(s, sr=16000), sr=16000, params=params, n_windows=1).windows for s in range(count)]
    )


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def compare(model: Path, windows: np.ndarray, *, threads: int, rounds: int, folder: Path) -> list[str]:
    """Table rows for ``model``'s builds on ``windows``."""
    paths = {}
    for label, rewrite in BUILDS.items():
        graph = onnx.load(str(model))
        rewrite(graph)
        paths[label] = folder / f"{model.stem}-{len(paths)}.onnx"
        onnx.save(graph, str(paths[label]))
    sessions = {label: session(path, threads) for label, path in paths.items()}
    outputs = {label: [s.run(None, {"log_mel": w[None]}) for w in windows] for label, s in sessions.items()}
    times: dict[str, list[float]] = {label: [] for label in sessions}
    for _ in range(rounds):
        for label, s in sessions.items():
            for window in windows:
                started = time.perf_counter()
                s.run(None, {"log_mel": window[None]})
                times[label].append(time.perf_counter() - started)
    base = statistics.median(times["as built"])
    rows = []
    for label in sessions:
        reference, ours = outputs["as built"], outputs[label]
        difference = max(
            relative_difference(a, b)
            for run, ref in zip(ours, reference, strict=True)
            for a, b in zip(run, ref, strict=True)
        )
        same_bits = all(np.array_equal(run[1] >= 0.5, ref[1] >= 0.5) for run, ref in zip(ours, reference, strict=True))
        median = statistics.median(times[label])
        rows.append(
            f"| {model.stem} | {threads} | {label} | {median * 1e3:.1f} | {median / base:.2f} | "
            f"{difference:.1e} | {'yes' if same_bits else 'no'} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="an .onnx model (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    models = args.model or [model_file(name) for name in DEFAULT_MODELS]
    print("| model | threads | build | ms per window (median) | × as built | largest output difference | same bits |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for model in models:
            windows = real_windows(model)
            for threads in args.threads:
                for row in compare(model, windows, threads=threads, rounds=args.rounds, folder=Path(scratch)):
                    print(row, flush=True)


if __name__ == "__main__":
    main()

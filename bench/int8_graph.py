"""Why the int8 twin's graph is built as it is: one window through five builds of the shipped model.

    .venv/bin/python bench/int8_graph.py [--runs 10] [--threads 1]

Builds, in a temporary folder, from the shipped float32 model and the same calibration windows
(`training.quantize.calibration_windows` of 8 training tracks; fewer than the twin's 64, which
moves activation ranges, not speed):

1. float32 as shipped;
2. the second convolution int8 (6.4 G of the window's 8.7 G multiply-adds), its ReLU fused;
3. every convolution but the first (one input channel: the log-mel) int8, ReLUs fused
   (`quantize_graph`'s default: what `musictagger quantize` writes);
4. as 3 after `fold_batch_norm_through_pool`: the pools run on int8 too;
5. as 4 with the first convolution int8 as well.

and prints the best of ``--runs`` timed runs of one window each (onnxruntime, ``--threads``
threads), with the ratio to float32.  Needs the train extra (onnx) and ../shared/datasets/emotify.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.precision import best_of_runs
from musictagger.model.runtime import DEFAULT_MODEL_NAME
from musictagger.training.quantize import calibration_tracks, calibration_windows, quantize_graph

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def seconds_per_window(path: Path, window: np.ndarray, *, runs: int, threads: int) -> float:
    """Best of ``runs`` timed runs of ``window``, after one untimed run."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return best_of_runs(session, {"log_mel": window[np.newaxis]}, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    source = model_file(DEFAULT_MODEL_NAME)  # the float32 file, whichever precision the app would pick
    manifest = load_manifest(source)
    train = [EMOTIFY / name for name in (EMOTIFY / "train.txt").read_text(encoding="utf-8").split()]
    windows = calibration_windows(
        calibration_tracks(train, count=8), params=manifest.front_end, n_windows=manifest.windows_per_track
    )
    with tempfile.TemporaryDirectory() as scratch:
        builds = {"float32 as shipped": source}
        for name, options in (
            ("int8 second convolution", {"int8_convolutions": (1,)}),
            ("int8 convolutions but the first (musictagger quantize)", {}),
            (
                "int8 convolutions but the first, batch norms folded through int8 pools",
                {"fold": True, "int8_convolutions": range(1, 5)},
            ),
            ("int8 every convolution, folded", {"fold": True, "int8_convolutions": range(5)}),
        ):
            builds[name] = Path(scratch) / f"{len(builds)}.onnx"
            quantize_graph(source, builds[name], windows, **options)
        seconds = {
            name: seconds_per_window(path, windows[0], runs=args.runs, threads=args.threads)
            for name, path in builds.items()
        }
    reference = seconds["float32 as shipped"]
    print(f"{manifest.name}, one window, {args.threads} thread(s), best of {args.runs}\n")
    print("| build | s per window | × float32 speed |\n|---|---:|---:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.4f} | {reference / value:.2f} |")


if __name__ == "__main__":
    main()

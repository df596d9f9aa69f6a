"""The speed issue's goals in one table: each model in float32 and int8 side by side, the musicnn peer, the compute limit.

    .venv/bin/python bench/speed.py [--model M.onnx …] [--tracks 20] [--index-tracks 400] [--gui-runs 2]
                                    [--musicnn-python PY] [--compare-malloc]

Measured in one run on this machine (idle), for each ``--model`` (default: the shipped default
model) in float32 and, where it ships one, its int8 twin (``MUSICTAGGER_MODEL`` names each file):

- analysis of a 60-s track with the default windows (Emotify test clips of every genre, warm model, the
  front end reading only the windows), split into front end and model, and how many of the
  clips the twin deferred to its float32 model (whose time is in the twin's);
- ``index`` throughput over Emotify (default workers × threads) and the peak resident memory
  of the indexing process tree, at a quarter and at all of the tracks (flat in library size?);
- a generated 4-minute MP3 dropped on the window → its genre shown (``bench/gui_latency.py``);
- musicnn's MSD_musicnn on the same clips through its own TensorFlow, where ``--musicnn-python``
  (an interpreter with tensorflow and musicnn, e.g. /work/tfenv/bin/python) is given;
- the compute limit: multiply-adds per second of one plain convolution of the backbone's
  heaviest shape, float32 and int8 (onnxruntime, all cores), and the model's convolution
  multiply-adds per window; the ratio says how close the model runs to that limit.

``--compare-malloc`` measures every column a second time with glibc's malloc as it comes (the
environment sets one of its tunables, the thread cache, to its default value, and the app then leaves
malloc alone: :func:`musictagger.process.keep_freed_memory`): the comparison, in the same run.
Needs the train extra (onnx) for the compute-limit part.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EMOTIFY = ROOT.parent / "shared" / "datasets" / "emotify"


# A glibc malloc tunable at its default value: malloc behaves as it comes, and the app leaves it alone.
GLIBC_MALLOC_AS_IT_COMES = "glibc.malloc.tcache_count=7"


def variants(models: list[Path]) -> dict[str, Path]:
    """Each float32 model and, where it ships one, its int8 twin, by column name (the file's stem)."""
    from musictagger.model.precision import int8_twin

    found = {}
    for model in models:
        if f"{model.stem} float32" in found:
            raise SystemExit(f"two --model files are named {model.name}: copy one under another name to compare them")
        found[f"{model.stem} float32"] = model
        twin = int8_twin(model)
        if twin is not None:
            found[f"{model.stem} int8"] = twin
    return found


def analysis_seconds(model_file: Path, tracks: list[Path]) -> dict[str, float]:
    """Mean seconds per track: front end (reading the windows included) and model, with one BLAS thread
    as in the app's processes."""
    from musictagger.library.analyse import analyse_file
    from musictagger.model.runtime import GenreModel
    from musictagger.process import prepare_analysing_process

    prepare_analysing_process()
    model = GenreModel(model_file)
    windows = model.manifest.windows_per_track
    analyse_file(model, str(tracks[0]), n_windows=windows)  # warm
    outcomes = [analyse_file(model, str(t), n_windows=windows) for t in tracks]
    front = statistics.mean(o.times.front_end_s for o in outcomes)
    network = statistics.mean(o.times.model_s for o in outcomes)
    deferred = sum(o.deferred for o in outcomes)
    return {"front_end_s": front, "model_s": network, "total_s": front + network, "deferred": deferred}


def index_figures(model_file: Path, tracks: list[Path]) -> dict[str, float]:
    """Tracks per second over ``tracks`` and peak memory, and the peak over a quarter of them."""
    from index_throughput import PeakMemory  # bench/ is this script's folder, so on its path

    from musictagger.library import index_folders

    os.environ["MUSICTAGGER_MODEL"] = str(model_file)
    with tempfile.TemporaryDirectory() as scratch:
        with PeakMemory() as quarter:
            index_folders(tracks[: len(tracks) // 4], library_path=Path(scratch) / "quarter.sqlite3")
        with PeakMemory() as whole:
            summary = index_folders(tracks, library_path=Path(scratch) / "all.sqlite3")
    return {
        "tracks_per_s": len(tracks) / summary.elapsed_s,
        "peak_mb": whole.peak_mb,
        "quarter_peak_mb": quarter.peak_mb,
        "failed": len(summary.failed),
    }


def drop_to_genre(model_file: Path, runs: int) -> float:
    """Median seconds from dropping a new 4-minute MP3 on the window to its genre shown."""
    import gui_latency as latency  # bench/ is this script's folder, so on its path

    os.environ["MUSICTAGGER_MODEL"] = str(model_file)
    with tempfile.TemporaryDirectory() as folder:
        times = [
            latency.run_once(latency.make_mp3(Path(folder) / f"drop-{run}.mp3", seed=run), "offscreen")[
                "drop_to_genre_s"
            ]
            for run in range(runs)
        ]
    return statistics.median(times)


def model_and_precision(label: str) -> tuple[str, str]:
    """The model's stem and ``float32`` or ``int8`` from a column's label (``"<stem> <precision>[, …]"``)."""
    stem, precision = label.split(",")[0].rsplit(" ", 1)
    return stem, precision


def measure(
    path: Path, test: list[Path], indexed: list[Path], gui_runs: int, *, glibc_tunables: str | None
) -> dict[str, float]:
    """One column: analysis, indexing and drop figures of the model file ``path``, every process it starts
    given ``GLIBC_TUNABLES=glibc_tunables`` (``None``: the environment as it is)."""
    previous = os.environ.get("GLIBC_TUNABLES")
    if glibc_tunables is not None:
        os.environ["GLIBC_TUNABLES"] = glibc_tunables
    try:
        # In a process of its own: the model's memory arena lives as long as its process, and would
        # otherwise count in the indexing's peak memory below.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            figures = pool.submit(analysis_seconds, path, test).result()
        if indexed:
            figures |= index_figures(path, indexed)
        if gui_runs:
            figures["drop_s"] = drop_to_genre(path, gui_runs)
    finally:
        if previous is None:
            os.environ.pop("GLIBC_TUNABLES", None)
        else:
            os.environ["GLIBC_TUNABLES"] = previous
    return figures


def musicnn_seconds(python: Path, tracks: list[Path]) -> float:
    from musictagger.collection import Track
    from musictagger.experiments.peer import seconds_per_track

    return statistics.mean(seconds_per_track(python, "MSD_musicnn", [Track(t, t.name, 0) for t in tracks]))


def conv_shapes(model: Path) -> list[tuple[int, int, int, int, int, int]]:
    """``(c_in, c_out, k_h, k_w, h_out, w_out)`` of each convolution of ``model`` for one window, float or int8
    (a twin keeps channels its float model dropped: :mod:`musictagger.training.dead_channels`)."""
    import onnx

    graph = onnx.shape_inference.infer_shapes(onnx.load(str(model))).graph
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*graph.value_info, *graph.output, *graph.input]
    }
    weights = {w.name: list(w.dims) for w in graph.initializer}
    found = []
    for node in graph.node:
        if node.op_type in ("Conv", "QLinearConv"):
            c_out, c_in, k_h, k_w = weights[node.input[1 if node.op_type == "Conv" else 3]]
            _, _, h_out, w_out = shapes[node.output[0]]
            found.append((c_in, c_out, k_h, k_w, h_out, w_out))
    return found


def macs(shape: tuple[int, int, int, int, int, int]) -> int:
    c_in, c_out, k_h, k_w, h_out, w_out = shape
    return c_in * c_out * k_h * k_w * h_out * w_out


def plain_conv_rates(
    shape: tuple[int, int, int, int, int, int], folder: Path, threads: int | None = None
) -> dict[str, float]:
    """Multiply-adds per second of one convolution of ``shape`` (same padding), float32 and int8, on
    ``threads`` onnxruntime threads (default: all cores)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    c_in, c_out, k_h, k_w, h, w = shape
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.standard_normal((c_out, c_in, k_h, k_w)).astype(np.float32) * 0.05, "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[k_h // 2, k_w // 2, k_h // 2, k_w // 2])
    graph = helper.make_graph(
        [node],
        "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c_out, h, w])],
        [weight],
    )
    plain = folder / "conv-float32.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(plain))
    feed = rng.uniform(0, 1, (1, c_in, h, w)).astype(np.float32)

    class Feeds(CalibrationDataReader):
        def __init__(self) -> None:
            self.left = [{"x": feed}]

        def get_next(self) -> dict | None:
            return self.left.pop() if self.left else None

    quantised = folder / "conv-int8.onnx"
    quantize_static(
        str(plain),
        str(quantised),
        Feeds(),
        quant_format=QuantFormat.QOperator,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0
    rates = {}
    for precision, path in (("float32", plain), ("int8", quantised)):
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        session.run(None, {"x": feed})
        times = []
        for _ in range(5):
            started = time.perf_counter()
            session.run(None, {"x": feed})
            times.append(time.perf_counter() - started)
        rates[precision] = macs(shape) / min(times)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, action="append", default=None, help="float32 model (repeatable)")
    parser.add_argument("--tracks", type=int, default=20, help="Emotify test clips timed for analysis")
    parser.add_argument("--index-tracks", type=int, default=400, help="Emotify tracks indexed (0: skip)")
    parser.add_argument("--gui-runs", type=int, default=2, help="drops timed per model file (0: skip)")
    parser.add_argument("--musicnn-python", type=Path, default=None, help="interpreter with tensorflow and musicnn")
    parser.add_argument(
        "--compare-malloc", action="store_true", help="measure each column again with glibc's malloc as it comes"
    )
    args = parser.parse_args()
    if not (EMOTIFY / "test.txt").is_file():
        raise SystemExit(f"the Emotify set is not at {EMOTIFY}")
    sys.path.insert(0, str(ROOT))
    from musictagger.model.location import model_file
    from musictagger.model.precision import cpu_name, fastest_variant
    from musictagger.model.runtime import DEFAULT_MODEL_NAME

    models = args.model or [model_file(DEFAULT_MODEL_NAME)]
    split = (EMOTIFY / "test.txt").read_text().split()  # listed genre by genre: take clips spread over it
    test = [EMOTIFY / split[i] for i in np.linspace(0, len(split) - 1, min(args.tracks, len(split))).astype(int)]
    listed = [t for s in ("train", "valid", "test") for t in (EMOTIFY / f"{s}.txt").read_text().split()]
    indexed = [EMOTIFY / t for t in listed[: args.index_tracks]]

    results: dict[str, dict[str, float]] = {}
    for name, path in variants(models).items():
        for malloc in (None, GLIBC_MALLOC_AS_IT_COMES) if args.compare_malloc else (None,):
            label = name if malloc is None else f"{name}, glibc's malloc"
            results[label] = measure(path, test, indexed, args.gui_runs, glibc_tunables=malloc)
            print(f"{label}: {results[label]}", file=sys.stderr, flush=True)
    os.environ.pop("MUSICTAGGER_MODEL", None)
    peer = musicnn_seconds(args.musicnn_python, test) if args.musicnn_python else None

    shapes = {name: conv_shapes(path) for name, path in variants(models).items()}
    per_window = {name: sum(macs(s) for s in found) for name, found in shapes.items()}
    heaviest = max((s for found in shapes.values() for s in found), key=macs)
    with tempfile.TemporaryDirectory() as scratch:
        limits = plain_conv_rates(heaviest, Path(scratch))

    chosen = ", ".join(f"{model.stem} → {fastest_variant(model).stem}" for model in models)
    print(f"CPU: {cpu_name()}; {os.cpu_count()} cores; the app's automatic choice here: {chosen}")
    print()
    names = list(results)
    row = lambda label, today, goal, cells: print(f"| {label} | {today} | {goal} | {' | '.join(cells)} |")  # noqa: E731
    peer_cell = "—" if peer is None else f"{peer:.3f}"
    row("measure", "issue's 'today'", "goal", [*names, "musicnn MSD_musicnn (TF)"])
    print("|---|---:|---:|" + "---:|" * (len(names) + 1))
    row(
        "analysis, 60-s track, default windows (s)",
        "0.57",
        "≤ 0.25",
        [f"{results[n]['total_s']:.3f}" for n in names] + [peer_cell],
    )
    row(
        "… of which front end (read windows + mel) (s)",
        "",
        "",
        [f"{results[n]['front_end_s']:.3f}" for n in names] + [""],
    )
    row("… of which model (s)", "", "", [f"{results[n]['model_s']:.3f}" for n in names] + [""])
    row(
        "… tracks a twin deferred to float32 (run both)",
        "",
        "",
        [f"{results[n]['deferred']} of {len(test)}" if model_and_precision(n)[1] == "int8" else "" for n in names]
        + [""],
    )
    if indexed:
        row(
            "`index` throughput, Emotify (tracks/s)",
            "4.1",
            "≥ 10",
            [f"{results[n]['tracks_per_s']:.2f}" for n in names] + [""],
        )
        row(
            f"peak memory while indexing, {len(indexed) // 4} → {len(indexed)} tracks (MB)",
            "",
            "flat",
            [f"{results[n]['quarter_peak_mb']:.0f} → {results[n]['peak_mb']:.0f}" for n in names] + [""],
        )
    if args.gui_runs:
        row(
            "dropped 4-min MP3 → genre shown (s)",
            "1.23",
            "≤ 0.6",
            [f"{results[n]['drop_s']:.2f}" for n in names] + [""],
        )
    print()
    print(
        f"Compute limit: one {heaviest[0]}→{heaviest[1]} {heaviest[2]}×{heaviest[3]} convolution over {heaviest[4]}×{heaviest[5]}:"
    )
    print(
        f"- float32 {limits['float32'] / 1e9:.1f} G multiply-adds/s, int8 {limits['int8'] / 1e9:.1f} G multiply-adds/s"
    )
    windows = 2  # a 60-s clip holds two windows
    for name, figures in results.items():
        stem, precision = model_and_precision(name)
        macs_per_window = per_window[f"{stem} {precision}"]
        achieved = macs_per_window * windows / figures["model_s"]
        print(
            f"- {name}: {macs_per_window / 1e9:.2f} G conv multiply-adds per window, {windows} windows per clip, "
            f"{achieved / 1e9:.1f} G/s achieved = {achieved / limits[precision]:.0%} of the plain {precision} convolution"
        )


if __name__ == "__main__":
    main()

"""Indexing throughput over the Emotify set: tracks per second by workers × threads, peak memory.

    .venv/bin/python bench/index_throughput.py [--tracks 400] [--grid 1x1 1x2 2x1 2x2] [--openblas-threads 2]

Each configuration (worker processes × onnxruntime threads per worker) indexes the same
tracks into a fresh SQLite index in a temporary folder (the user's library is not touched),
through :func:`musictagger.library.index_folders`: the real scan, parallel analysis, and one
transaction per stored track.  The stage columns are the mean time per track inside a worker
(reading the windows and the front end, model); with several workers they overlap, so wall time per track is
below their sum.  Peak memory is the largest sum of the resident memory of this process and
its workers, sampled every 50 ms.  A last run re-indexes the unchanged set to show what an
incremental refresh costs.

The workers run NumPy's BLAS on one thread, as the app's processes do (:mod:`musictagger.process`);
``--openblas-threads N`` runs every configuration a second time with ``OPENBLAS_NUM_THREADS=N`` in the
environment, which the app leaves alone (N = the number of cores is what OpenBLAS takes by itself):
the comparison, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from pathlib import Path

from threadpoolctl import threadpool_limits

from musictagger.library import IndexSummary, index_folders
from musictagger.process import BLAS_THREADS_ENV_VAR, keep_freed_memory, limit_blas_threads

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def emotify_tracks(limit: int) -> list[Path]:
    listed = [line.split()[0] for split in ("train", "valid", "test") for line in (EMOTIFY / f"{split}.txt").open()]
    return [EMOTIFY / name for name in listed[:limit]]


def resident_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (MB), from /proc."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0) / 1024
        todo += [int(child) for child in children]
    return total


class PeakMemory:
    """Samples :func:`resident_mb` of this process tree in a thread; ``peak_mb`` is the largest seen."""

    def __enter__(self) -> PeakMemory:
        self.peak_mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_mb = max(self.peak_mb, resident_mb(os.getpid()))

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def use_blas_threads(threads: str | None) -> None:
    """BLAS threads for the workers (through the environment) and for this process (``1 × N`` analyses
    here): ``None`` is the app's own setting, one."""
    if threads is None:
        os.environ.pop(BLAS_THREADS_ENV_VAR, None)
        limit_blas_threads()
    else:
        os.environ[BLAS_THREADS_ENV_VAR] = threads
        threadpool_limits(int(threads), user_api="blas")


def row(label: str, blas: str, summary: IndexSummary, tracks: int, peak_mb: float) -> str:
    n = max(summary.analysed, 1)
    times = summary.times
    return (
        f"| {label} | {blas} | {tracks} | {summary.analysed} | {len(summary.failed)} | {summary.elapsed_s:.1f} | "
        f"{tracks / summary.elapsed_s:.2f} | {times.front_end_s / n * 1e3:.0f} | "
        f"{times.model_s / n * 1e3:.0f} | {peak_mb:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=400)
    parser.add_argument("--grid", nargs="+", default=["1x1", "1x2", "2x1", "2x2"], help="WORKERSxTHREADS")
    parser.add_argument(
        "--openblas-threads",
        type=int,
        default=None,
        metavar="N",
        help="also run each configuration with N BLAS threads",
    )
    args = parser.parse_args()
    if not (EMOTIFY / "train.txt").is_file():
        raise SystemExit(f"the Emotify set is not at {EMOTIFY}")
    tracks = emotify_tracks(args.tracks)
    keep_freed_memory()  # as the app's command does: one worker analyses in this process

    print(f"{len(tracks)} Emotify tracks (60-s MP3 clips), {os.cpu_count()} cores")
    print(
        "| workers × threads | BLAS threads | tracks | analysed | failed | wall s | tracks/s | read+front end ms "
        "| model ms | peak MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    blas_settings = [None] if args.openblas_threads is None else [None, str(args.openblas_threads)]
    with tempfile.TemporaryDirectory() as scratch:
        for config in args.grid:
            workers, threads = (int(x) for x in config.split("x"))
            for blas in blas_settings:
                use_blas_threads(blas)
                database = Path(scratch) / f"library-{config}-{blas}.sqlite3"
                with PeakMemory() as memory:
                    summary = index_folders(tracks, library_path=database, workers=workers, threads=threads)
                print(
                    row(f"{workers} × {threads}", blas or "1 (the app's)", summary, len(tracks), memory.peak_mb),
                    flush=True,
                )
        use_blas_threads(None)
        with PeakMemory() as memory:
            refresh = index_folders(tracks, library_path=database, workers=workers, threads=threads)
        print(row("refresh, nothing changed", "", refresh, len(tracks), memory.peak_mb))


if __name__ == "__main__":
    main()

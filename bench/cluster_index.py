"""Indexing on a local Dask cluster against a local run: tracks per second, overhead per file, and a
projection for five million tracks.

    .venv/bin/python bench/cluster_index.py [--tracks 60] [--workers 1 2]

Needs the ``cluster`` extra and the Emotify set (60-s MP3 clips) in ../shared.  For each worker
count (default 1, 2, 4 … up to the usable cores) it indexes the same tracks into a fresh SQLite
index twice, through :func:`musictagger.library.index_folders`: locally with that many worker
processes of one thread each, and on a cluster started by Dask's own command line (``dask
scheduler``, and that many ``dask worker --nthreads 1``) whose workers have analysed a few other
tracks first, so their model is loaded and their libraries imported.  The local run's wall time
includes starting its worker processes (about as long as one file); the overhead per file is the
difference of the two wall times divided by the tracks.

Two ceilings of the one-parent design are measured in the same run: tasks per second the
scheduler and the parent can turn over (no-op tasks, streamed back one by one as the indexer
does), and rows per second the parent can store in SQLite.  The last table is a PROJECTION, not a
measurement: five million tracks on N machines like this one, assuming each machine adds this
machine's all-cores cluster throughput, capped by the two ceilings (which a faster parent machine
would raise), and storage that keeps up.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from musictagger.library import IndexSummary, Library, index_folders
from musictagger.library.index import usable_cores
from musictagger.model.runtime import default_model_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.index_throughput import emotify_tracks
from tests.library.dask_cluster import DaskCluster

ARCHIVE = 5_000_000
MACHINES = (1, 10, 50, 200)
WARM_UP_TRACKS = 2


def worker_counts(cores: int) -> list[int]:
    counts = [1]
    while counts[-1] * 2 <= cores:
        counts.append(counts[-1] * 2)
    return counts if counts[-1] == cores else [*counts, cores]


def no_op(x: int) -> int:
    return x


def task_rate(address: str, tasks: int = 1000) -> float:
    """No-op tasks per second through the scheduler, submitted at once and taken back as they complete."""
    from distributed import Client, as_completed

    with Client(address, set_as_default=False) as client:
        started = time.perf_counter()
        for _ in as_completed([client.submit(no_op, i, pure=False) for i in range(tasks)], loop=client.loop):
            pass
        return tasks / (time.perf_counter() - started)


def store_rate(database: Path, rows: int = 2000) -> float:
    """Rows per second the parent stores, one transaction each, copying a real analysis from ``database``."""
    with Library(database) as source:
        record = next(r for r in source.tracks() if r.analysis)
    with tempfile.TemporaryDirectory() as scratch, Library(Path(scratch) / "store.sqlite3") as library:
        started = time.perf_counter()
        for i in range(rows):
            library.store_analysis(f"/archive/{i:07d}.mp3", record.stamp, record.key, record.analysis)
        return rows / (time.perf_counter() - started)


def run(label: str, workers: int, summary: IndexSummary, tracks: int) -> str:
    return f"| {label} | {workers} | {summary.analysed} | {len(summary.failed)} | {summary.elapsed_s:.1f} | {tracks / summary.elapsed_s:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=None, help="worker counts (default 1, 2, 4 … cores)")
    args = parser.parse_args()
    cores = usable_cores()
    counts = args.workers or worker_counts(cores)
    tracks = emotify_tracks(args.tracks + WARM_UP_TRACKS * max(counts))
    warm_up, measured = tracks[: WARM_UP_TRACKS * max(counts)], tracks[-args.tracks :]
    model = default_model_path()  # sent to the workers too, so every run analyses with the same model
    load = os.getloadavg()[0]

    print(
        f"{len(measured)} Emotify tracks (60-s MP3 clips), {model.name}, {cores} usable cores, load average {load:.1f} at start"
    )
    print("| run | workers | analysed | failed | wall s | tracks/s |")
    print("|---|---:|---:|---:|---:|---:|")
    overheads, cluster_rates = {}, {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for workers in counts:
            local_db = scratch / f"local-{workers}.sqlite3"
            local = index_folders(measured, library_path=local_db, model_path=model, workers=workers, threads=1)
            print(run("local", workers, local, len(measured)), flush=True)
            folder = scratch / f"cluster-{workers}"
            folder.mkdir()
            cluster = DaskCluster(folder, workers=workers)
            try:
                on = {"model_path": model, "cluster": cluster.address}
                index_folders(warm_up, library_path=folder / "warm-up.sqlite3", **on)
                on_cluster = index_folders(measured, library_path=folder / "index.sqlite3", **on)
                print(run("cluster", workers, on_cluster, len(measured)), flush=True)
                if workers == max(counts):
                    tasks_per_s = task_rate(cluster.address)
            finally:
                cluster.stop()
            overheads[workers] = (on_cluster.elapsed_s - local.elapsed_s) / len(measured)
            cluster_rates[workers] = len(measured) / on_cluster.elapsed_s
        rows_per_s = store_rate(local_db)

    print()
    print("| workers | cluster overhead per file vs local, ms |")
    print("|---:|---:|")
    for workers, overhead in overheads.items():
        print(f"| {workers} | {overhead * 1e3:+.0f} |")
    print()
    print(f"ceilings of the one parent here: {tasks_per_s:.0f} no-op tasks/s through the scheduler, ")
    print(f"{rows_per_s:.0f} rows/s stored in SQLite; load average {os.getloadavg()[0]:.1f} at the end")
    per_machine = cluster_rates[max(counts)]
    ceiling = min(tasks_per_s, rows_per_s)
    print()
    print(f"PROJECTION (not measured): {ARCHIVE:,} tracks, each machine adding this one's {per_machine:.2f} tracks/s")
    print(f"({max(counts)} workers), capped at the parent's {ceiling:.0f}/s")
    print("| machines | tracks/s | days |")
    print("|---:|---:|---:|")
    for machines in MACHINES:
        rate = min(machines * per_machine, ceiling)
        print(f"| {machines} | {rate:.0f} | {ARCHIVE / rate / 86400:.1f} |")


if __name__ == "__main__":
    main()

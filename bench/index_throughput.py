"""Indexing throughput over the Emotify set: tracks per second, by worker count, with the stage split.

    .venv/bin/python bench/index_throughput.py [--tracks 400] [--workers 1 2]

Each configuration indexes the same tracks into a fresh SQLite index in a temporary folder
(the user's library is not touched), through :func:`musictagger.library.index_folders`:
the real scan, parallel analysis, and one transaction per stored track.  The stage columns
are the mean time per track inside a worker (decode, front end, model); with several
workers they overlap, so wall time per track is below their sum.  A last run re-indexes
the unchanged set to show what an incremental refresh costs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from musictagger.library import IndexSummary, index_folders

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def emotify_tracks(limit: int) -> list[Path]:
    listed = [line.split()[0] for split in ("train", "valid", "test") for line in (EMOTIFY / f"{split}.txt").open()]
    return [EMOTIFY / name for name in listed[:limit]]


def row(label: str, summary: IndexSummary, tracks: int) -> str:
    n = max(summary.analysed, 1)
    times = summary.times
    return (
        f"| {label} | {tracks} | {summary.analysed} | {len(summary.failed)} | {summary.elapsed_s:.1f} | "
        f"{tracks / summary.elapsed_s:.2f} | {times.decode_s / n * 1e3:.0f} | {times.front_end_s / n * 1e3:.0f} | "
        f"{times.model_s / n * 1e3:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not (EMOTIFY / "train.txt").is_file():
        raise SystemExit(f"the Emotify set is not at {EMOTIFY}")
    tracks = emotify_tracks(args.tracks)

    print(f"{len(tracks)} Emotify tracks (60-s MP3 clips), 3 windows per track")
    print("| run | tracks | analysed | failed | wall s | tracks/s | decode ms | front end ms | model ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        for workers in args.workers:
            database = Path(scratch) / f"library-{workers}.sqlite3"
            summary = index_folders(tracks, library_path=database, workers=workers)
            print(row(f"{workers} worker{'s' if workers > 1 else ''}", summary, len(tracks)), flush=True)
        refresh = index_folders(tracks, library_path=database, workers=args.workers[-1])
        print(row("refresh, nothing changed", refresh, len(tracks)))


if __name__ == "__main__":
    main()

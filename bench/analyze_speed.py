"""Time per track of ``musictagger analyze``, split by stage, on real files.

    .venv/bin/python bench/analyze_speed.py [DIR_OR_FILES...] [--tracks 20] [--windows 1 3 5] [--model A.onnx B.onnx]

Stages: decode (soundfile/PyAV), front end (mono, resample, normalise, mel, log, windows) and
model (onnxruntime), for each window count and each model given (default: the shipped one),
measured in the same run so the numbers compare.
Default input: the first tracks of ../shared/datasets/emotify/test.txt.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from musictagger.audio.files import is_audio_file
from musictagger.library.analyse import analyse_file
from musictagger.model.runtime import GenreModel, default_model_path

EMOTIFY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "emotify"


def input_files(paths: list[Path], limit: int) -> list[Path]:
    if not paths:
        return [EMOTIFY / p for p in (EMOTIFY / "test.txt").read_text().split()[:limit]]
    files = [f for p in paths for f in (sorted(p.rglob("*")) if p.is_dir() else [p]) if is_audio_file(f)]
    return files[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--windows", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--model", type=Path, nargs="+", default=None, help="ONNX models to compare")
    args = parser.parse_args()
    files = input_files(args.paths, args.tracks)
    for path in args.model or [default_model_path()]:
        time_model(GenreModel(path), files, args.windows)


def time_model(model: GenreModel, files: list[Path], windows: list[int]) -> None:
    """Print the per-stage table of one model."""
    analyse_file(model, str(files[0]), n_windows=1)  # warm up onnxruntime
    rows = []
    for n_windows in windows:
        outcomes = [analyse_file(model, str(path), n_windows=n_windows) for path in files]
        failed = [o for o in outcomes if o.analysis is None]
        if failed:
            raise SystemExit(f"could not analyse {failed[0].path}: {failed[0].error}")
        means = {
            "decode": statistics.mean(o.times.decode_s for o in outcomes),
            "front end": statistics.mean(o.times.front_end_s for o in outcomes),
            "model": statistics.mean(o.times.model_s for o in outcomes),
        }
        per_track = sum(means.values())
        audio_seconds = statistics.mean(o.analysis.duration_s for o in outcomes)
        rows.append((n_windows, means, per_track, audio_seconds / per_track))

    print(f"{len(files)} tracks, onnxruntime {model.session.get_providers()[0]}, model {model.manifest.model_id}")
    print(
        f"{'windows':>7} | {'decode s':>8} | {'front end s':>11} | {'model s':>7} | {'total s/track':>13} | {'x real time':>11}"
    )
    print("-" * 73)
    for n_windows, means, per_track, speed in rows:
        print(
            f"{n_windows:>7} | {means['decode']:>8.3f} | {means['front end']:>11.3f} | {means['model']:>7.3f} | "
            f"{per_track:>13.3f} | {speed:>11.1f}"
        )


if __name__ == "__main__":
    main()

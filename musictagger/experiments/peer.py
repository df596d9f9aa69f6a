"""The pre-trained peer: musicnn's MSD and MTT models, run by another interpreter.

TensorFlow must not enter the project's environment, so :mod:`musictagger.experiments.musicnn_worker`
runs as a script under the interpreter given as ``--musicnn-python`` (a venv with tensorflow-cpu,
tf_keras, librosa and musicnn).  Embeddings are cached as ``<folder>/<model>/<track key>.npz``;
only tracks missing from the cache are sent to the worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musictagger.collection import Track
from musictagger.errors import MusictaggerError
from musictagger.experiments.baselines import Vectors, track_key

WORKER = Path(__file__).with_name("musicnn_worker.py")
MODELS = ("MSD_musicnn", "MTT_musicnn")


def run_worker(python: Path, model: str, tracks: Sequence[Track], out: Path) -> list[dict]:
    """Embed ``tracks`` into ``out`` (in order, on one thread); the worker's report line of each."""
    jobs = "".join(json.dumps({"key": track_key(t), "path": str(t.path)}) + "\n" for t in tracks)
    completed = subprocess.run(
        [str(python), "-W", "ignore", str(WORKER), "--model", model, "--out", str(out)],
        input=jobs,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no message"]
        raise MusictaggerError(
            f"musicnn worker ({python}, {model}) failed with status {completed.returncode}: {tail[0]}"
        )
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def embeddings(python: Path, model: str, tracks: Sequence[Track], folder: Path) -> Vectors:
    """musicnn ``model``'s embedding of each track, computing the ones the cache lacks."""
    out = folder / model
    missing = [t for t in tracks if not (out / f"{track_key(t)}.npz").is_file()]
    reports = {r["key"]: r for r in run_worker(python, model, missing, out)} if missing else {}
    kept, values, failures = [], [], []
    for track in tracks:
        entry = out / f"{track_key(track)}.npz"
        if entry.is_file():
            with np.load(entry) as data:
                values.append(data["embedding"])
            kept.append(track)
        else:
            failures.append((track, reports.get(track_key(track), {}).get("error") or "no embedding written"))
    return Vectors(kept, np.stack(values) if values else np.empty((0, 0)), failures)


def seconds_per_track(python: Path, model: str, tracks: Sequence[Track]) -> list[float]:
    """Fresh (uncached) decode + front end + network time of each track, as the worker measured it.

    The first track is run once more before the others and not counted: TensorFlow's first
    session run pays for graph optimisation.
    """
    with tempfile.TemporaryDirectory() as scratch:
        reports = run_worker(python, model, [tracks[0], *tracks], Path(scratch))[1:]
    return [r["seconds"] for r in reports if r["seconds"] is not None]

"""Embeddings of the ``musicnn`` package's pre-trained models, run in the TensorFlow environment.

musicnn needs TensorFlow, which must not enter the project's environment, so this file is
run *as a script* by another interpreter (the ``--musicnn-python`` of ``musictagger
experiments``) and imports only the standard library, numpy, librosa, TensorFlow and musicnn::

    /work/tfenv/bin/python musictagger/experiments/musicnn_worker.py \\
        --model MSD_musicnn --out DIR < jobs.jsonl

Each line of standard input is ``{"key": …, "path": …}``.  For each track it writes
``DIR/<key>.npz`` (``embedding``: mean and standard deviation over 3-s patches of the
200-unit penultimate layer, the layer musicnn's authors suggest for transfer learning) by
writing a temporary file and renaming it, and prints one JSON line
``{"key", "seconds", "error"}``: the time of decoding, the front end and the network for
that track (the graph is built and restored once, before the first track).

Compatibility: musicnn builds its graph with ``tf.compat.v1.layers``, which TensorFlow ≥ 2.16
provides only through the ``tf_keras`` package, selected by ``TF_USE_LEGACY_KERAS=1`` (set
here before TensorFlow loads).  Its front end is reproduced (librosa at 16 kHz, 512-point
STFT, hop 256, 96 mel bands, ``log10(1 + 10000·mel)``, patches of 187 frames without
overlap), except that the log-mel is computed in float32: musicnn's float16 overflows under
NumPy 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa
import numpy as np
import tensorflow as tf

SR, FFT_SIZE, FFT_HOP, N_MELS, N_FRAMES = 16000, 512, 256, 96, 187
MODELS = ("MSD_musicnn", "MTT_musicnn")


def log_mel_patches(path: str) -> np.ndarray:
    """musicnn's input for one file: ``(n_patches, 187, 96)`` float32 log-mel patches."""
    audio, _ = librosa.load(path, sr=SR)
    mel = librosa.feature.melspectrogram(y=audio, sr=SR, hop_length=FFT_HOP, n_fft=FFT_SIZE, n_mels=N_MELS).T
    log_mel = np.log10(10000 * mel.astype(np.float32) + 1)
    n_patches = len(log_mel) // N_FRAMES
    if n_patches == 0:
        raise ValueError(f"shorter than one {N_FRAMES}-frame patch")
    return log_mel[: n_patches * N_FRAMES].reshape(n_patches, N_FRAMES, N_MELS)


class Embedder:
    """One restored musicnn graph; :meth:`embed` maps patches to a track embedding."""

    def __init__(self, model: str) -> None:
        import musicnn
        from musicnn import configuration, models

        tf.compat.v1.disable_eager_execution()
        n_tags = len(configuration.MTT_LABELS if model.startswith("MTT") else configuration.MSD_LABELS)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS])
            self.is_training = tf.compat.v1.placeholder(tf.bool)
            outputs = models.define_model(self.x, self.is_training, model, n_tags)
            self.penultimate = outputs[-1]
            self.session = tf.compat.v1.Session(
                graph=self.graph,
                config=tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1),
            )
            tf.compat.v1.train.Saver().restore(self.session, os.path.join(Path(musicnn.__file__).parent, model, ""))

    def embed(self, patches: np.ndarray) -> np.ndarray:
        values = self.session.run(self.penultimate, feed_dict={self.x: patches, self.is_training: False})
        return np.concatenate([values.mean(axis=0), values.std(axis=0)]).astype(np.float32)


def save_embedding(folder: Path, key: str, embedding: np.ndarray) -> None:
    """Write ``folder/<key>.npz`` whole: into a temporary file beside it, renamed over it once written.  Stopped
    (``musictagger experiments`` stopped by Ctrl-C ends this worker too) or failing, the temporary file is removed: it
    was left beside the cache entries.  This worker cannot import musictagger, so it does not use
    ``musictagger.atomic_write``."""
    partial = folder / f"{key}.{os.getpid()}.partial.npz"
    try:
        np.savez(partial, embedding=embedding)
        os.replace(partial, folder / f"{key}.npz")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for <key>.npz")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    embedder = Embedder(args.model)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        started = time.perf_counter()
        try:
            embedding = embedder.embed(log_mel_patches(job["path"]))
        except Exception as exc:  # any failure of one file is reported and the batch goes on
            print(json.dumps({"key": job["key"], "seconds": None, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
            continue
        seconds = time.perf_counter() - started
        save_embedding(args.out, job["key"], embedding)
        print(json.dumps({"key": job["key"], "seconds": round(seconds, 4), "error": None}), flush=True)


if __name__ == "__main__":
    main()

"""Plain baselines: a classifier probe on fixed per-track vectors, and MFCC statistics.

* :func:`fit_probe` — standardised vectors, a scikit-learn classifier whose regularisation
  ``C`` is chosen on the validation split from a small grid, then scored once on test.  It
  serves the backbone's pooled features and the musicnn embeddings (logistic regression) and
  the MFCC statistics (RBF SVM).
* :func:`mfcc_vector` — 20 MFCCs and their deltas of the decoded 16 kHz mono signal, each
  summarised by its mean and standard deviation over the track (80 values).

Per-track vectors are cached as ``.npy`` by :class:`VectorCache`, keyed like the backbone cache
(file path, size and modification time), written to a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from musictagger.atomic_write import replacing_file
from musictagger.audio.decode import decode_mono
from musictagger.collection import Track
from musictagger.errors import MusictaggerError

SAMPLE_RATE = 16000
N_MFCC = 20
C_GRID = (0.01, 0.1, 1.0, 10.0)
SVM_C_GRID = (0.1, 1.0, 10.0, 100.0)


def track_key(track: Track) -> str:
    """Cache key of a track's file: its relative path, size and modification time."""
    stat = track.path.stat()
    return hashlib.sha256(f"{track.relative}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Vectors:
    """One vector per track that could be analysed, and the failures of the others."""

    tracks: list[Track]
    values: np.ndarray
    failures: list[tuple[Track, str]]

    @property
    def labels(self) -> np.ndarray:
        return np.array([t.label for t in self.tracks], dtype=np.int64)


class VectorCache:
    """Per-track feature vectors under ``folder/<key>.npy``, computed by ``compute(path)`` when missing."""

    def __init__(self, folder: Path, compute: Callable[[Path], np.ndarray]) -> None:
        self.folder, self.compute = folder, compute

    def load(self, tracks: Sequence[Track]) -> Vectors:
        kept, values, failures = [], [], []
        for track in tracks:
            entry = self.folder / f"{track_key(track)}.npy"
            if entry.is_file():
                vector = np.load(entry)
            else:
                try:
                    vector = self.compute(track.path)
                except MusictaggerError as exc:
                    failures.append((track, str(exc)))
                    continue
                self.folder.mkdir(parents=True, exist_ok=True)
                with replacing_file(entry) as file:
                    np.save(file, vector)
            kept.append(track)
            values.append(vector)
        return Vectors(kept, np.stack(values) if values else np.empty((0, 0)), failures)


def mfcc_vector(path: Path) -> np.ndarray:
    """Mean and spread of 20 MFCCs and their deltas over the decoded file (80 values)."""
    y = decode_mono(path, sr=SAMPLE_RATE)
    mfcc = librosa.feature.mfcc(y=y, sr=SAMPLE_RATE, n_mfcc=N_MFCC, n_fft=512, hop_length=256)
    both = np.concatenate([mfcc, librosa.feature.delta(mfcc)])
    return np.concatenate([both.mean(axis=1), both.std(axis=1)]).astype(np.float32)


@dataclass(frozen=True)
class ProbeResult:
    """A probe chosen on validation: its ``C``, validation accuracy and test predictions."""

    c: float
    valid_accuracy: float
    test_tracks: list[Track]
    test_predicted: np.ndarray
    model: object


def fit_probe(train: Vectors, valid: Vectors, test: Vectors, *, kind: str = "logistic") -> ProbeResult:
    """Fit ``kind`` ("logistic" or "svm") for each ``C`` of the grid; keep the best on validation."""
    best: ProbeResult | None = None
    for c in C_GRID if kind == "logistic" else SVM_C_GRID:
        classifier = LogisticRegression(C=c, max_iter=5000) if kind == "logistic" else SVC(C=c, kernel="rbf")
        model = make_pipeline(StandardScaler(), classifier).fit(train.values, train.labels)
        valid_accuracy = float(np.mean(model.predict(valid.values) == valid.labels))
        if best is None or valid_accuracy > best.valid_accuracy:
            best = ProbeResult(c, valid_accuracy, test.tracks, model.predict(test.values), model)
    assert best is not None
    return best

"""MFCC vectors of real generated audio, their cache, the probe's choice on validation, and the peer's errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the experiments need the 'train' extra")

from musictagger.collection import Track
from musictagger.errors import MusictaggerError
from musictagger.experiments.baselines import VectorCache, Vectors, fit_probe, mfcc_vector, track_key
from musictagger.experiments.peer import embeddings
from tests.audio.signals import music, tone, write
from tests.stops import names_in, stopped_before_renaming_into

SR = 22050


def test_mfcc_vectors_are_cached_and_a_bad_file_is_reported(tmp_path: Path) -> None:
    good = Track(write(tmp_path / "a.flac", music(sr=SR, seconds=3.0), SR, "flac"), "a.flac", 0)
    other = Track(write(tmp_path / "b.wav", tone(880.0, sr=SR, seconds=3.0), SR, "wav-pcm16"), "b.wav", 1)
    broken = tmp_path / "c.mp3"
    broken.write_bytes(b"not audio at all" * 100)
    calls = []

    def counted(path: Path) -> np.ndarray:
        calls.append(path)
        return mfcc_vector(path)

    cache = VectorCache(tmp_path / "cache", counted)
    first = cache.load([good, Track(broken, "c.mp3", 0), other])
    assert [t.relative for t in first.tracks] == ["a.flac", "b.wav"]
    assert first.values.shape == (2, 80)
    assert not np.allclose(first.values[0], first.values[1])
    assert [(t.relative, "c.mp3" in reason) for t, reason in first.failures] == [("c.mp3", True)]
    again = cache.load([good, other])
    assert np.array_equal(again.values, first.values)
    assert len(calls) == 3  # nothing recomputed the second time
    assert not list((tmp_path / "cache").glob("*partial*"))


def test_probe_keeps_the_regularisation_that_is_best_on_validation() -> None:
    rng = np.random.default_rng(0)

    def vectors(n: int) -> Vectors:
        labels = rng.integers(0, 3, n)
        values = rng.normal(size=(n, 10)) + 2.0 * np.eye(3, 10)[labels]
        return Vectors([Track(Path(f"{i}.wav"), f"{i}.wav", int(y)) for i, y in enumerate(labels)], values, [])

    train, valid, test = vectors(90), vectors(60), vectors(60)
    result = fit_probe(train, valid, test)
    assert result.valid_accuracy > 0.7
    assert np.mean(result.test_predicted == test.labels) > 0.7
    svm = fit_probe(train, valid, test, kind="svm")
    assert svm.c in (0.1, 1.0, 10.0, 100.0)


def test_peer_reports_an_interpreter_without_tensorflow(tmp_path: Path) -> None:
    track = Track(write(tmp_path / "a.wav", music(sr=SR, seconds=4.0), SR, "wav-pcm16"), "a.wav", 0)
    with pytest.raises(MusictaggerError, match="musicnn worker"):
        embeddings(Path(sys.executable), "MTT_musicnn", [track], tmp_path / "peer")


def test_a_cache_entry_whose_write_is_stopped_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    """``musictagger experiments`` stopped as a vector was stored left its ``.partial.npy`` file in the cache."""
    track = Track(write(tmp_path / "a.wav", tone(440.0, sr=SR, seconds=1.0), SR, "wav-pcm16"), "a.wav", 0)
    cache = VectorCache(tmp_path / "cache", lambda path: np.ones(80, np.float32))
    with stopped_before_renaming_into(tmp_path / "cache" / f"{track_key(track)}.npy"), pytest.raises(KeyboardInterrupt):
        cache.load([track])
    assert names_in(tmp_path / "cache") == []

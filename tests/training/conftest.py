"""A tiny generated collection the training tests share: three "genres" a network cannot confuse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 22050
GENRES = ("chords", "beats", "chirps")


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread_per_test_process() -> Iterator[None]:
    """Torch on one thread in each of ``make test``'s two pytest-xdist processes.

    Each process's torch would otherwise start a thread per core: four threads on the two cores,
    which made two training runs side by side ~18% slower each (68 s against 57 s) and
    ``pytest -n 2 tests/training`` 210 s against 181 s.  Alone in one process (no xdist), torch
    keeps every core.
    """
    try:
        import torch
    except ImportError:  # the tests that need it skip themselves
        torch = None
    if torch is None or "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_signal(genre: str, variant: int, seconds: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(variant)
    t = np.arange(int(seconds * SR)) / SR
    if genre == "chords":
        root = 110.0 * 2 ** (variant / 12)
        y = sum(np.sin(2 * np.pi * root * ratio * t) / (k + 1) for k, ratio in enumerate((1, 1.25, 1.5, 2)))
    elif genre == "beats":
        y = rng.standard_normal(t.size) * np.exp(-((t % (0.4 + 0.05 * variant)) * 30))
    else:
        sweep = 200 * (1 + (t % 1.0) * (8 + variant))
        y = np.sin(2 * np.pi * np.cumsum(sweep) / SR)
    return (0.3 * y / np.max(np.abs(y))).astype(np.float32)


@pytest.fixture(scope="session")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DATA_DIR/<genre>/<n>.wav with split files: 3 train, 1 valid, 1 test per genre."""
    root = tmp_path_factory.mktemp("collection")
    splits: dict[str, list[str]] = {"train": [], "valid": [], "test": []}
    for genre in GENRES:
        (root / genre).mkdir()
        for variant in range(5):
            relative = f"{genre}/{variant}.wav"
            sf.write(root / relative, make_signal(genre, variant), SR)
            split = "train" if variant < 3 else ("valid" if variant == 3 else "test")
            splits[split].append(relative)
    for name, members in splits.items():
        (root / f"{name}.txt").write_text("\n".join(members) + "\n")
    return root


@pytest.fixture(scope="session")
def view_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The similarity runs' feature cache (:class:`~musictagger.training.views.ViewCache`), one a process.

    ``test_similarity_pipeline.py`` and ``test_identity.py`` train on the same collection's clean windows and
    views (two of each training track, seed 0), and run in one process (their ``xdist_group``): the second run
    reads them from here instead of passing its 21 windows through the backbone again (~15 s).
    """
    return tmp_path_factory.mktemp("view-cache")

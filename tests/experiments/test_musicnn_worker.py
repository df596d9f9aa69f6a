"""The musicnn worker's cache entries (:mod:`musictagger.experiments.peer`): a write stopped (Ctrl-C reaches the worker
too) or failing leaves no temporary file beside them.

The worker runs in a TensorFlow environment; this environment has none, so it is loaded with an empty module standing
for TensorFlow, which writing an entry never touches (it only binds the name at import)."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from musictagger.experiments.peer import WORKER
from tests.stops import names_in, stopped_before_renaming_into, writes_failing_past


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The worker script as a module."""
    pytest.importorskip("librosa", reason="the worker's front end needs librosa")
    if importlib.util.find_spec("tensorflow") is None:
        monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    spec = importlib.util.spec_from_file_location("musicnn_worker", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("how", ["stopped once written", "failing part-way"])
def test_an_entry_whose_write_is_stopped_or_fails_is_as_it_was_and_nothing_is_beside_it(
    worker: types.ModuleType, tmp_path: Path, how: str
) -> None:
    """The worker left ``KEY.PID.partial.npz`` there; the cache looks for ``KEY.npz`` alone, so it stayed for good."""
    entry = tmp_path / "key.npz"
    worker.save_embedding(tmp_path, "key", np.zeros(400, dtype=np.float32))
    before = entry.read_bytes()
    stop = (
        stopped_before_renaming_into(entry) if how == "stopped once written" else writes_failing_past(len(before) // 2)
    )
    with stop, pytest.raises(KeyboardInterrupt if how == "stopped once written" else OSError):
        worker.save_embedding(tmp_path, "key", np.ones(400, dtype=np.float32))
    assert entry.read_bytes() == before
    assert names_in(tmp_path) == ["key.npz"]

"""A training run's ``model.pt`` is written whole: a stop as the run saves it leaves the bundle before it."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from musictagger.training.run import RunPaths, save_bundle  # noqa: E402
from tests.stops import names_in, stopped_before_renaming_into  # noqa: E402


def test_a_bundle_whose_save_is_stopped_leaves_the_one_before(tmp_path: Path) -> None:
    paths = RunPaths(tmp_path)
    save_bundle(paths, {"weights": torch.ones(3)})
    with stopped_before_renaming_into(paths.bundle), pytest.raises(KeyboardInterrupt):
        save_bundle(paths, {"weights": torch.zeros(3)})
    assert torch.load(paths.bundle, weights_only=True)["weights"].tolist() == [1.0, 1.0, 1.0]
    assert names_in(tmp_path) == ["model.pt"]
    save_bundle(paths, {"weights": torch.zeros(3)})
    assert torch.load(paths.bundle, weights_only=True)["weights"].tolist() == [0.0, 0.0, 0.0]

"""Fixtures shared by the whole suite: isolated user dirs and the optional Emotify set."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMOTIFY_DIR = PROJECT_ROOT.parent / "shared" / "datasets" / "emotify"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs' data, cache and config dirs at a temporary folder for every test."""
    home = tmp_path_factory.mktemp("user")
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(home / variable.lower()))
    return home


@pytest.fixture(scope="session")
def emotify_dir() -> Path:
    """The Emotify data set beside the project; tests that need it skip in a user's clone."""
    if not (EMOTIFY_DIR / "test.txt").is_file():
        pytest.skip(f"the Emotify data set is not at {EMOTIFY_DIR} (it lives in ../shared, absent in a user's clone)")
    return EMOTIFY_DIR

"""Fixtures shared by the whole suite: isolated user dirs, the optional Emotify set, and models with
another verdict policy."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from musictagger import userdirs
from musictagger.model.precision import PRECISION_ENV_VAR
from musictagger.model.runtime import MODEL_ENV_VAR
from tests.file_opens import opened  # noqa: F401  (a fixture: the files a test opens, counted)
from tests.live.pulse import SINK, PulseUnavailableError, sink_held_alone, start_virtual_microphone
from tests.model.variants import (
    ALWAYS_UNKNOWN,
    CALIBRATED,
    NOT_MUSIC,
    first_model,
    model_with_novelty,
    model_with_verdict,
)
from tests.personal.library import StyleLibrary, build_style_library
from tests.xdist_groups import pytest_xdist_make_scheduler  # noqa: F401  (a hook: which process runs which tests)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMOTIFY_DIR = PROJECT_ROOT.parent / "shared" / "datasets" / "emotify"
TRAINING_TESTS = Path(__file__).resolve().parent / "training"


@pytest.fixture
def virtual_microphone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The PulseAudio null sink whose monitor is the default input (tests/live/pulse.py), this test's
    alone; this test's process and subprocesses reach the server.  Skips where PulseAudio cannot run."""
    with sink_held_alone():
        try:
            server = start_virtual_microphone()
        except PulseUnavailableError as exc:
            pytest.skip(str(exc))
        monkeypatch.setenv("PULSE_SERVER", server)
        yield SINK


def pytest_configure(config: pytest.Config) -> None:
    """Use the float32 model (the reference; choosing int8 by speed is tests/model/test_precision.py's).

    Set before any fixture: a module- or session-scoped fixture that loads the default model runs
    before the function-scoped ones, and would otherwise time both precisions and get the int8 twin.
    """
    os.environ[PRECISION_ENV_VAR] = "float32"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The training tests first, the rest in their order.

    Their modules train, export and quantise a model once each: a minute or more, the two longest
    near three.  ``make test`` hands modules to its two processes in collection order
    (``--no-loadscope-reorder``; xdist's own order puts modules with the fewest tests, these, last),
    so they start early and the many short modules after them even out where the two processes end.
    """
    items.sort(key=lambda item: not item.path.is_relative_to(TRAINING_TESTS))


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


# Copies of the first model with another verdict policy (see tests/model/variants.py), made
# once per session; ``use_model`` points the app (CLI, library, tagging, window) at one.


@pytest.fixture(scope="session")
def unknown_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the first model that calls every track "not one of: classical, electronic, pop, rock"."""
    return model_with_verdict(tmp_path_factory.mktemp("unknown-model"), ALWAYS_UNKNOWN)


@pytest.fixture(scope="session")
def calibrated_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the first model that never says unknown, with temperature 2 (lower confidences)."""
    return model_with_verdict(tmp_path_factory.mktemp("calibrated-model"), CALIBRATED)


@pytest.fixture(scope="session")
def not_music_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the first model with a ``novelty`` output of 1.0 and a policy calling novelty above 0.5 "not music"."""
    pytest.importorskip("onnx", reason="editing an ONNX graph needs the onnx package (the train extra)")
    folder = tmp_path_factory.mktemp("not-music-model")
    return model_with_verdict(folder, NOT_MUSIC, source=model_with_novelty(folder, 1.0))


@pytest.fixture
def use_model(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Path]:
    """``use_model(path)``: the app's default model is ``path`` for this test (``MUSICTAGGER_MODEL``,
    inherited by worker processes and subprocesses)."""

    def use(path: Path) -> Path:
        monkeypatch.setenv(MODEL_ENV_VAR, str(path))
        return path

    return use


@pytest.fixture
def first_model_as_default(use_model: Callable[[Path], Path]) -> Path:
    """Make the first model (never "unknown") the app's default for a test of machinery, not of verdicts.

    The shipped model rightly calls the generated chords and tones of these tests "not
    music"; tests of indexing, tagging and the window need a model that names a genre for them.
    """
    return use_model(first_model())


# The personal-model tests' generated library (tests/personal/library.py), indexed once per session.


@pytest.fixture(scope="session")
def style_library(tmp_path_factory: pytest.TempPathFactory) -> StyleLibrary:
    return build_style_library(tmp_path_factory.mktemp("styles"))


@pytest.fixture
def indexed_styles(style_library: StyleLibrary, first_model_as_default: Path) -> StyleLibrary:
    """The style library as this test's own library index (a copy), on the model it was indexed with."""
    use_library(style_library.database)
    return style_library


def use_library(database: Path) -> None:
    """A copy of ``database`` (a library index) as the library of the user dirs the environment names: a library
    indexed once for many tests, each of which may change its own copy.  Copied through SQLite's backup, as another
    connection writing it would: a window opened before may hold the library open, and a file copied over an open
    database (and its write-ahead log) left it reading the empty library it had made."""
    target = userdirs.library_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(database)) as source, contextlib.closing(sqlite3.connect(target)) as copy:
        source.backup(copy)

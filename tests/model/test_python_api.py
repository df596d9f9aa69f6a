"""The Python API as a researcher's script uses it: another model by its path, one model shared by threads,
and the errors for a path that is not a model."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import musictagger
from musictagger.errors import ModelError, ParameterError
from musictagger.model.location import model_file
from musictagger.model.manifest import sidecar_path
from musictagger.model.runtime import FAST_MODEL_NAME, GenreModel, _load_model, load_model
from tests.audio.signals import music

SR = 22050


@pytest.fixture(scope="module")
def songs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("songs")
    paths = [folder / f"song{seed}.flac" for seed in range(4)]
    for seed, path in enumerate(paths):
        sf.write(path, music(sr=SR, seconds=3.0, seed=seed), SR)
    return paths


def test_another_shipped_model_is_given_by_its_path(songs: list[Path]) -> None:
    """``analyze(path, model="…/x.onnx")`` ended in AttributeError: 'str' object has no attribute 'analyze_file'."""
    fast = model_file(FAST_MODEL_NAME)

    by_path = musictagger.analyze(songs[0], model=str(fast))

    assert by_path.model_id == load_model(fast).manifest.model_id
    assert by_path.code_hex == musictagger.analyze(songs[0], model=load_model(fast)).code_hex
    assert load_model(str(fast)) is load_model(fast)  # one load, by either spelling of its path


def test_threads_asking_for_a_model_at_once_share_one_load() -> None:
    """Each of the threads of a pool mapping ``analyze`` over files loaded a model of its own (and timed the int8
    twin against the others' runs), holding as many copies of its arrays."""
    _load_model.cache_clear()
    start = threading.Barrier(4)

    def first_model(_: int) -> GenreModel:
        start.wait()
        return load_model(model_file(FAST_MODEL_NAME))

    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(first_model, range(4)))

    assert len({id(model) for model in models}) == 1


def test_one_model_shared_by_threads_gives_each_file_its_own_analysis(songs: list[Path]) -> None:
    model = load_model(model_file(FAST_MODEL_NAME))
    alone = [model.analyze_file(path) for path in songs]

    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(model.analyze_file, songs))

    for one, other in zip(alone, together, strict=True):
        assert other.source == one.source and other.code_hex == one.code_hex
        np.testing.assert_array_equal(other.probabilities, one.probabilities)


def test_a_path_that_is_not_a_model_is_refused_as_such(songs: list[Path], tmp_path: Path) -> None:
    """The sidecar given for the model was refused as 'describes a different model than m.json (SHA-256
    mismatch)'; an audio file as 'song0.json: the model's sidecar is missing', a file never named."""
    onnx_path = tmp_path / "m.onnx"
    shutil.copy(model_file(FAST_MODEL_NAME), onnx_path)
    shutil.copy(sidecar_path(model_file(FAST_MODEL_NAME)), sidecar_path(onnx_path))
    assert GenreModel(onnx_path).labels

    for not_a_model in (sidecar_path(onnx_path), songs[0]):
        with pytest.raises(ModelError, match=f"^{re.escape(str(not_a_model))}: not a model: a model is an .onnx file"):
            GenreModel(not_a_model)


def test_a_notebook_completes_musictagger_analyze_without_loading_the_model() -> None:
    """``dir(musictagger)``, which a notebook's completion lists, lacked ``analyze``, the one function it offers."""
    code = "import sys, musictagger; print('analyze' in dir(musictagger), 'onnxruntime' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["True", "False"]


def test_the_model_layer_loads_no_database_module() -> None:
    """``musictagger.model.manifest`` (and ``atomic_write``, which writes its sidecar) imported the library's SQLite
    module, and sqlite3 with it, to say why a sidecar could not be written: the model layer depended on the
    library's.  What they share is :mod:`musictagger.disk` now."""
    code = (
        "import sys, musictagger.model.manifest, musictagger.atomic_write; "
        "print([m for m in ('musictagger.db', 'sqlite3') if m in sys.modules])"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["[]"]


def edited(sidecar: dict, where: str, value: object) -> dict:
    """``sidecar`` with the value at ``where`` (``key`` or ``section.key``) replaced, as a hand edit leaves it."""
    section, _, key = where.rpartition(".")
    (sidecar[section] if section else sidecar)[key] = value
    return sidecar


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("labels", ["classical", "electronic", "pop"], "the model outputs 4 labels, its sidecar names 3"),
        ("windows_per_track", "3", "windows_per_track must be a whole number of at least 1, got '3'"),
        ("verdict.unknown_novelty", "0.5", "unknown_novelty must be a number, got '0.5'"),
        ("front_end.silence_dbfs", None, "front-end parameter silence_dbfs must be a number, got None"),
        ("front_end.log_multiplier", -1, "log_multiplier must be positive, got -1"),
        ("front_end", [], "front_end must be a section of named values, got []"),
        ("model", "int8", "model must be a section of named values, got 'int8'"),
        ("recognition", {"within": "1.0"}, "within must be a positive number, got '1.0'"),
        ("recognition", {"within": 1.0, "figure": {}}, "unexpected keyword argument 'figure'"),
        ("recognition", {"within": 1.0, "margin": -0.5}, "margin must be a positive number, got -0.5"),
    ],
)
def test_a_hand_edited_sidecar_is_refused_as_the_model_loads_saying_what(
    songs: list[Path], tmp_path: Path, where: str, value: object, message: str
) -> None:
    """A label left out (renaming the labels) analysed as IndexError, a number written as text or null as a
    TypeError at the first analysis, a section of another kind as AttributeError; a negative log multiplier
    analysed into NaN."""
    onnx_path = tmp_path / "m.onnx"
    shutil.copy(model_file(FAST_MODEL_NAME), onnx_path)
    sidecar = json.loads(sidecar_path(model_file(FAST_MODEL_NAME)).read_text(encoding="utf-8"))
    sidecar_path(onnx_path).write_text(json.dumps(edited(sidecar, where, value)), encoding="utf-8")

    with pytest.raises(ModelError, match=re.escape(message)):
        GenreModel(onnx_path).analyze_file(songs[0])


def test_no_windows_is_refused_as_any_count_below_one_is(songs: list[Path]) -> None:
    """``n_windows=0`` was taken for None: three windows analysed, where -1 was refused; 2.5 or "3" ended in a
    TypeError from inside numpy, and True analysed one window."""
    model = load_model(model_file(FAST_MODEL_NAME))
    y, sr = sf.read(songs[0], dtype="float32")
    for analyse in (
        lambda n: model.analyze_file(songs[0], n_windows=n),
        lambda n: model.analyze_signal(y, sr=sr, n_windows=n),
    ):
        for count in (0, -1):
            with pytest.raises(ParameterError, match=f"n_windows must be at least 1, got {count}"):
                analyse(count)
        for count in (2.5, "3", True):  # a TypeError from inside numpy, or True taken for one window
            with pytest.raises(ParameterError, match=re.escape(f"n_windows must be a whole number, got {count!r}")):
                analyse(count)


def test_samples_given_for_a_path_are_sent_to_analyze_signal(songs: list[Path]) -> None:
    """An array given to ``analyze`` was 'expected str, bytes or os.PathLike object, not ndarray', a TypeError that
    named no other way; a name as bytes (``os.listdir(b".")``) was refused as pathlib's TypeError."""
    y, _ = sf.read(songs[0], dtype="float32")
    with pytest.raises(ParameterError, match=r"a file's path is analysed, not ndarray: samples go to analyze_signal"):
        musictagger.analyze(y)  # type: ignore[arg-type]
    by_bytes = musictagger.analyze(bytes(songs[0]), model=model_file(FAST_MODEL_NAME))
    assert by_bytes.code_hex == musictagger.analyze(songs[0], model=model_file(FAST_MODEL_NAME)).code_hex

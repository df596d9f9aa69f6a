"""The window's analyses run in one spawned worker process, not in a thread of the window's process.

Why a process: the first analysis imports onnxruntime and the audio decoders, and
an import holds Python's GIL for its whole duration, hundreds of milliseconds in which a
worker *thread* would freeze the window.  In a process nothing the pipeline does can stall
the event loop; the :class:`~musictagger.model.runtime.Analysis` comes back pickled (its
arrays are a few tens of MB, a memory copy).  The process is spawned (not forked: the
window's process has Qt threads), ends with the window's process (see :mod:`musictagger.workers`)
and is warmed up at start, so the first dropped file pays for
neither the imports nor the model's loading.  A worker that dies on a file (a decoder
crash) costs that file, not the window: the file is reported as failed and the next one
gets a new process.  Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

import numpy as np

from musictagger.audio.features import band_centres_hz
from musictagger.audio.overview import Overview, overview_from_file
from musictagger.audio.signal import SignalReport
from musictagger.errors import FileError
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.personal.active import load_active_model
from musictagger.personal.store import PersonalModelError
from musictagger.workers import spawn_pool

T = TypeVar("T")

_model: GenreModel | None = None
"""The worker process's model, loaded by :func:`_start` (again when the active personal model changes)."""
_unusable: PersonalModelError | None = None
"""Why the active personal model cannot be loaded (damaged on disk): every call says it, where a worker whose start
failed died, and the window said only 'BrokenProcessPool'."""
_kept: dict[str, Analysis] = {}
"""The last analysis, whose layer maps the window asks for next (:func:`_details`)."""


def _start(model_path: Path) -> None:
    """Worker initialiser: load the model, with the active personal model read through it (onnxruntime's
    default threads: the window's thread needs little CPU, and a dropped file wants its genre soon)."""
    global _model, _unusable
    try:
        _model, _unusable = load_active_model(model_path), None
    except PersonalModelError as exc:
        _model, _unusable = None, exc


def _loaded() -> GenreModel:
    """The worker's model; the reason it has none, raised."""
    if _unusable is not None:
        raise _unusable
    return _model


def _warm_up() -> np.ndarray:
    return warm_up(_loaded())


def warm_up(model: GenreModel) -> np.ndarray:
    """Run the whole chain once on a short tone; return the mel band centres for the spectrogram's axis.

    The first analysis loads onnxruntime's kernels and NumPy's FFT plans: whoever warms up pays
    that, not the first file or the live panel's display timer.
    """
    params = model.manifest.front_end
    t = np.arange(2 * params.sample_rate, dtype=np.float32) / params.sample_rate
    tone = 0.1 * np.sin(2 * np.pi * 440.0 * t)
    model.analyze_signal(tone, sr=params.sample_rate, n_windows=1, source="<warm-up>")
    if model.reference is not None:  # an int8 twin's float32 model, for the first track it defers
        model.reference.analyze_signal(tone, sr=params.sample_rate, n_windows=1, source="<warm-up>")
    return band_centres_hz(params)


def _analyse(path: str, n_windows: int | None) -> Analysis:
    """Worker: one file's analysis without its layer maps (kept here for :func:`_details`), so the
    verdict crosses to the window at once; a :class:`FileError` travels back pickled and is re-raised."""
    analysis = _loaded().analyze_file(path, n_windows=n_windows)
    _kept.clear()
    _kept[path] = analysis
    return analysis.without_details()


def _details(path: str, report: SignalReport) -> tuple[tuple[np.ndarray, ...], Overview]:
    """Worker: the layer maps of the file last analysed, and its whole-track log-mel at display resolution."""
    kept = _kept.pop(path, None)
    model = _loaded()
    layers = kept.layers if kept is not None else model.analyze_file(path).layers
    return layers, overview_from_file(path, params=model.manifest.front_end, report=report)


class AnalysisProcess:
    """A single worker process holding the model; calls block the calling (worker) thread only."""

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return spawn_pool(1, _start, (self.model_path,))

    def reload(self, model_path: Path) -> None:
        """Load the model at ``model_path`` in the worker (the same one, or the shipped model chosen
        instead), with the personal model active now, and warm it up; the process and its imports stay."""
        self.model_path = model_path
        self._pool.submit(_start, model_path).result()
        self.warm_up()

    def warm_up(self) -> np.ndarray:
        """Start the worker and run the chain once; returns the mel band centres (Hz)."""
        return self._pool.submit(_warm_up).result()

    def analyse(self, path: Path, n_windows: int | None = None) -> Analysis:
        """Analyse ``path`` in the worker, without its layer maps (:meth:`details` brings them); errors
        are the core's (:class:`FileError` naming the file …)."""
        return self._on_file(path, _analyse, str(path), n_windows)

    def details(self, path: Path, report: SignalReport) -> tuple[tuple[np.ndarray, ...], Overview]:
        """The layer maps of ``path``'s analysis and its display spectrogram (:mod:`musictagger.audio.overview`)."""
        return self._on_file(path, _details, str(path), report)

    def _on_file(self, path: Path, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` in the worker; a worker that dies on ``path`` is replaced and the file reported failed."""
        try:
            return self._pool.submit(work, *args).result()
        except BrokenProcessPool as exc:
            self._pool = self._new_pool()
            raise FileError(path, "the analysis process crashed on this file") from exc

    def shutdown(self) -> None:
        """Stop the worker (queued analyses are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

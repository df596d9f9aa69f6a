"""Where the shipped model files are, in a source checkout and in an installed wheel alike.

Only the location lives here; which model is the default, and ``$MUSICTAGGER_MODEL``, are
:func:`musictagger.model.runtime.default_model_path`'s business.
"""

from __future__ import annotations

from pathlib import Path

from musictagger.shipped import shipped_folder


def models_dir() -> Path:
    """The folder of the shipped models: the wheel's packaged copy, else the repository's ``models/``."""
    return shipped_folder("models")


def model_file(name: str) -> Path:
    """The ONNX file of the shipped model ``name`` (its sidecar is the ``.json`` beside it)."""
    return models_dir() / f"{name}.onnx"

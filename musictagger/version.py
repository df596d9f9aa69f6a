"""What ``--version`` prints: the app's version (``musictagger.__version__``, its one home) and the model in use."""

from __future__ import annotations

from musictagger import __version__
from musictagger.model.runtime import default_model_path


def version_text() -> str:
    """``musictagger 0.5.0 (model: hash-cnn-lstm-emotify-v3)``: the model named by its file, as ``$MUSICTAGGER_MODEL`` or the default gives it."""
    return f"musictagger {__version__} (model: {default_model_path().stem})"

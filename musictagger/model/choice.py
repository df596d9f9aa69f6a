"""Which shipped model the user chose: the accurate default or the fast one.

One setting for the command line and the window alike, stored as ``<config dir>/base-model.json``;
``$MUSICTAGGER_MODEL`` still overrides it (:func:`musictagger.model.runtime.default_model_path`).
The two models' codes are not comparable: after a change, ``musictagger index`` analyses the
library again, and until it has, the search leaves the other model's tracks out
(:func:`musictagger.library.search.model_family`).
"""

from __future__ import annotations

import json
from pathlib import Path

from musictagger.errors import ParameterError
from musictagger.userdirs import config_dir, write_json

CHOICES = ("accurate", "fast")
DEFAULT_CHOICE = "accurate"


def setting_path() -> Path:
    return config_dir() / "base-model.json"


def chosen() -> str:
    """The choice stored, or :data:`DEFAULT_CHOICE` when there is none (or it cannot be read)."""
    try:
        choice = json.loads(setting_path().read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_CHOICE
    return choice if choice in CHOICES else DEFAULT_CHOICE


def choose(choice: str) -> None:
    """Store ``choice`` (one of :data:`CHOICES`), atomically."""
    if choice not in CHOICES:
        raise ParameterError(f"no shipped model is called {choice!r}; choose one of: {', '.join(CHOICES)}")
    write_json(setting_path(), {"model": choice})

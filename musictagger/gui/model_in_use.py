"""Which labels the window's verdicts are over: the personal model's in use
(:func:`musictagger.personal.active.personal_in_use`), else the base model's.  Qt-free.
"""

from __future__ import annotations

from musictagger.model.manifest import ModelManifest
from musictagger.personal.store import PersonalModelInfo


def labels_in_use(manifest: ModelManifest, personal: PersonalModelInfo | None) -> tuple[str, ...]:
    """The labels the verdicts are over: the personal model's (as the user spells them), else the base model's."""
    return personal.labels if personal is not None else manifest.labels

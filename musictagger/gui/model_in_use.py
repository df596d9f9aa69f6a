"""Which personal model the window's verdicts come from, if any.

The active personal model (:func:`musictagger.personal.store.active_model`) reads the analyses
of the base model it was trained on; over another base model (say ``$MUSICTAGGER_MODEL``
points elsewhere) the base model's own verdicts stand (:func:`musictagger.personal.active.head_for`),
and so the window shows the base model's labels.  Qt-free; small files only.
"""

from __future__ import annotations

from musictagger.model.manifest import ModelManifest
from musictagger.personal import store
from musictagger.personal.active import head_for
from musictagger.personal.store import PersonalModelInfo


def personal_in_use(manifest: ModelManifest) -> PersonalModelInfo | None:
    """The active personal model if analyses by ``manifest``'s model are read through it, else None."""
    if head_for(manifest) is None:
        return None
    return store.active_model()


def labels_in_use(manifest: ModelManifest, personal: PersonalModelInfo | None) -> tuple[str, ...]:
    """The labels the verdicts are over: the personal model's (as the user spells them), else the base model's."""
    return personal.labels if personal is not None else manifest.labels

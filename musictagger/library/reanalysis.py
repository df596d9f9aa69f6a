"""Why a file unchanged on disk is analysed again: what differs between its stored analysis and the run's.

An analysis is stored under its :class:`~musictagger.library.store.AnalysisKey`: the model's name and weights
(``name@sha256``), its verdict policy and the front end's version (``+verdict-…``, ``+frontend-2``), and the windows
per track.  A run whose key differs analyses the file again; after an upgrade or a change of model that is the
whole library, and the summary says why rather than leaving a user to wonder at hours of analysis.
"""

from __future__ import annotations

from collections import Counter

from musictagger.library.store import AnalysisKey

STORED_INCOMPLETE = "they were stored before the index kept what learning and the search by parts need"
"""The reason for analyses stored under today's key but without an embedding or window codes."""


def _parts(model_id: str) -> tuple[str, str, dict[str, str]]:
    """``name@weights+part-value+…`` → name, weights, {part: value} (``verdict``, ``frontend``)."""
    head, *tail = model_id.split("+")
    name, _, weights = head.partition("@")
    return name, weights, dict(part.partition("-")[::2] for part in tail)


def why_again(stored: AnalysisKey, key: AnalysisKey) -> str:
    """Why an analysis stored under ``stored`` is done again under ``key`` (they differ), in words about the files."""
    old_name, old_weights, old_parts = _parts(stored.model_id)
    name, weights, parts = _parts(key.model_id)
    if old_name != name:
        return f"another model had analysed them ({old_name}; the model in use is {name})"
    if old_weights != weights:
        return f"another version of {name} had analysed them"
    if old_parts.get("frontend") != parts.get("frontend"):
        return "an earlier front end had computed their spectrograms"
    if old_parts != parts:
        return f"{name}'s verdict policy has changed since they were analysed"
    return (
        f"they had been analysed with {stored.windows} window{'s' * (stored.windows != 1)} a track (now {key.windows})"
    )


def again_lines(again: Counter[str]) -> list[str]:
    """A run's lines for the files it analysed again though unchanged on disk (``IndexSummary.again``), the most
    common reason first: ``14 files unchanged since indexed, analysed again because …``."""
    return [
        f"{'1 file' if count == 1 else f'{count} files'} unchanged since indexed, analysed again because {reason}"
        for reason, count in again.most_common()
    ]

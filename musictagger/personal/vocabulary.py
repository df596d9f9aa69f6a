"""The user's vocabulary: which labels their tags use, spelt how, and which are enough to learn.

Tag values are messy: ``Hip-Hop``, ``hip hop`` and ``Hip Hop`` are one genre; ``Rock/Pop`` is two;
an ID3 genre may be the number ``17`` or ``(17)`` for ``Rock``.  :func:`normalise` maps a raw value
to canonical keys; :func:`survey` counts every indexed track's values under their keys, keeps the
labels with enough examples, and names each kept label as the user spells it most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from musictagger.errors import TagReadError
from musictagger.library.store import AnalysisKey, Library, TagRow
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import default_model_path
from musictagger.tags.formats import read_values
from musictagger.tags.labels import label_key, spellings_in


def normalise(raw: str) -> tuple[str, ...]:
    """One raw tag value → the canonical keys it stands for ("Hip-Hop"/"hip hop"/"HipHop" → ("hiphop",);
    "Rock/Pop" → ("rock", "pop"); ID3 "(17)"/"17" → ("rock",))."""
    return tuple(dict.fromkeys(key for part in spellings_in(raw) if (key := label_key(part))))


EXCLUDED_BY_YOU = "excluded by you"
"""Why a label the user excluded (``learn --exclude``, a tick taken out in the dialog) is left out."""


@dataclass(frozen=True)
class LabelSurvey:
    """The labels found in one tag field of the indexed tracks (see :func:`survey`)."""

    field: str
    labels: dict[str, int]
    """Kept label (spelled as the user spells it most often) → tracks, most tracks first."""
    excluded: dict[str, str]
    """Label → why it is left out, e.g. ``"3 tracks (needs 10)"``, ``"excluded by you"``, or for a label
    found mostly beside a commoner one ``"12 tracks, all also tagged Pop (needs 10 of its own)"``."""
    spellings: dict[str, tuple[str, ...]]
    """Every label found, kept or excluded → every raw spelling merged into it."""
    tracks: dict[str, int]
    """Every label found, kept or excluded → the tracks carrying it, most tracks first."""
    tagged_tracks: int
    """Indexed tracks carrying at least one kept label."""
    untagged_tracks: int
    """Indexed tracks without the field (what the model will propose for)."""
    missing_embeddings: int
    """Tracks that need ``musictagger index`` again before learning (no embedding, or tags never read), but those
    counted in :attr:`to_index`: each is said once."""
    track_labels: dict[int, tuple[str, ...]]
    """Track id → its kept labels (most common label first), for the tracks that have one."""
    to_index: int = 0
    """Tracks whose tags name a label but whose analysis learning cannot use (another model's, the other shipped
    one; or one without an embedding, by an earlier release): left out of the counts until ``musictagger index``
    analyses them again."""
    unread_tracks: int = 0
    """Tracks whose ``genre`` tags the index has not read yet (indexed by a release before it kept them): neither
    tagged nor untagged as far as it knows, until ``musictagger index`` reads them."""
    min_per_label: int = 10
    """The tracks a label needs to be learnt: the excluded labels with fewer are :meth:`too_few`."""

    def too_few(self) -> list[str]:
        """The excluded labels left out only for having fewer than :attr:`min_per_label` tracks, most tracks first:
        a collector's tags hold hundreds of one-off genres."""
        return [
            label
            for label, reason in self.excluded.items()
            if reason != EXCLUDED_BY_YOU and self.tracks[label] < self.min_per_label
        ]

    def to_index_words(self) -> str:
        """The :attr:`to_index` tracks in words, as ``learn``, its errors and the Learn dialog say them."""
        tracks = "1 tagged track was" if self.to_index == 1 else f"{self.to_index:,} tagged tracks were"
        return f"{tracks} analysed by another model than the one in use, or by an earlier release"


def current_model_id(*, verify_digest: bool = False) -> str:
    """The id of the model whose analyses a personal model learnt now reads: the one files are analysed by.  With
    ``verify_digest`` (before a personal model is bound to it), its ONNX file must be the one its sidecar describes."""
    return AnalysisKey.model_id_of(load_manifest(default_model_path(), verify_digest=verify_digest))


def survey(
    library: Library,
    *,
    field: str = "genre",
    min_per_label: int = 10,
    exclude: Sequence[str] = (),
    base_model_id: str | None = None,
) -> LabelSurvey:
    """Count the labels of ``field`` over the indexed tracks learning can use and decide which can be learnt.

    ``genre`` is read from the index (stored when the file was indexed); any other field from
    the files' tags.  A multi-value field counts each value.  ``exclude`` names labels in any spelling.
    A label is kept only with ``min_per_label`` tracks of its own: learning gives each track its most common
    kept label, so ``Rock`` found only in ``Rock/Pop`` beside a commoner ``Pop`` would have nothing to learn from.
    Only tracks whose embedding ``base_model_id`` (default: :func:`current_model_id`) computed are counted: a
    label's tracks analysed by the other shipped model would be counted, then not learnt from.
    """
    base_model_id = current_model_id() if base_model_id is None else base_model_id
    rows = library.tag_rows()
    values = {row.id: _values(row, field) for row in rows}
    usable = {row.id for row in rows if row.has_embedding and row.model_id == base_model_id}
    spelt: dict[str, Counter[str]] = defaultdict(Counter)
    keys_of: dict[int, tuple[str, ...]] = {}
    for track_id, raw_values in values.items():
        if track_id not in usable:
            continue
        keys: list[str] = []
        for raw in raw_values or ():
            for spelling in spellings_in(raw):
                if key := label_key(spelling):
                    spelt[key][spelling] += 1
                    keys.append(key)
        keys_of[track_id] = tuple(dict.fromkeys(keys))
    tracks_per_key = Counter(key for keys in keys_of.values() for key in keys)
    name = {key: preferred_spelling(spellings) for key, spellings in spelt.items()}
    excluded_keys = {label_key(label) for label in exclude}
    excluded: dict[str, str] = {}
    kept: list[str] = []
    for key, count in tracks_per_key.most_common():
        if key in excluded_keys:
            excluded[name[key]] = EXCLUDED_BY_YOU
        elif count < min_per_label:
            excluded[name[key]] = f"{count} track{'s' * (count != 1)} (needs {min_per_label})"
        else:
            kept.append(key)
    for key, reason in _shared_only(kept, keys_of, tracks_per_key, name, min_per_label).items():
        kept.remove(key)
        excluded[name[key]] = reason
    excluded = {  # most tracks first, then by name (not in whichever order the index lists the tracks)
        label: excluded[label]
        for label in sorted(excluded, key=lambda label: (-tracks_per_key[label_key(label)], label.casefold(), label))
    }
    to_index = {row.id for row in rows if row.id not in usable and any(map(normalise, values[row.id] or ()))}
    order = {key: i for i, key in enumerate(kept)}
    track_labels = {
        track_id: tuple(name[key] for key in sorted((k for k in keys if k in order), key=order.__getitem__))
        for track_id, keys in keys_of.items()
        if any(k in order for k in keys)
    }
    return LabelSurvey(
        field=field,
        labels={name[key]: tracks_per_key[key] for key in kept},
        excluded=excluded,
        spellings={name[key]: tuple(sorted(spellings)) for key, spellings in spelt.items()},
        tracks={name[key]: count for key, count in tracks_per_key.most_common()},
        tagged_tracks=len(track_labels),
        untagged_tracks=sum(1 for raw in values.values() if raw == ()),
        missing_embeddings=sum(
            1 for row in rows if (not row.has_embedding or row.tag_genres is None) and row.id not in to_index
        ),
        to_index=len(to_index),
        track_labels=track_labels,
        unread_tracks=sum(1 for raw in values.values() if raw is None) if field == "genre" else 0,
        min_per_label=min_per_label,
    )


def preferred_spelling(spellings: Counter[str]) -> str:
    """The spelling a label is named by: the one used on most tracks; among as many, a capitalised one over
    one in capitals or in lower case (``Rock`` of ``Rock``, ``rock``, ``ROCK`` four tracks each), then the
    first in alphabetical order: never whichever the index happens to list first."""
    return max(
        sorted(spellings),
        key=lambda text: (spellings[text], text[:1].isupper(), not text.isupper()),
    )


def _shared_only(
    kept: list[str],
    keys_of: dict[int, tuple[str, ...]],
    tracks_per_key: Counter[str],
    name: dict[str, str],
    min_per_label: int,
) -> dict[str, str]:
    """The kept labels (keys) that would have fewer than ``min_per_label`` tracks of their own to learn from,
    with why: learning gives a track only its most common kept label (``Rock/Pop`` is learnt as ``Pop``
    when Pop is more common), so a label found mostly beside a commoner one has few rows.  Removed one at a
    time, the one with fewest own tracks first (its tracks then go to their next label)."""
    kept = list(kept)
    dropped: dict[str, str] = {}
    while kept:
        order = {key: i for i, key in enumerate(kept)}
        primary: dict[str, list[str]] = {key: [] for key in kept}  # key → the primary label of each of its tracks
        for keys in keys_of.values():
            ours = sorted((k for k in keys if k in order), key=order.__getitem__)
            for key in ours:
                primary[key].append(ours[0])
        own = {key: primary[key].count(key) for key in kept}
        key = min(kept, key=lambda k: (own[k], -order[k]))
        if own[key] >= min_per_label:
            return dropped
        others = Counter(k for k in primary[key] if k != key)
        names = ", ".join(name[k] for k, _count in others.most_common(2)) + (", …" if len(others) > 2 else "")
        total = tracks_per_key[key]
        shared = "all" if own[key] == 0 else f"{total - own[key]} of them"
        dropped[key] = (
            f"{total} track{'s' * (total != 1)}, {shared} also tagged {names} (needs {min_per_label} of its own)"
        )
        kept.remove(key)
    return dropped


def _values(row: TagRow, field: str) -> tuple[str, ...] | None:
    """The raw values of ``field`` for one track; None when not known (tags not read, or unreadable)."""
    if field == "genre":
        return row.tag_genres
    try:
        return read_values(row.path, field)
    except TagReadError:
        return None

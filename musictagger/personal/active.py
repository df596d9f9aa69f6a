"""How the active personal model reaches every verdict: files analysed now, and tracks already indexed.

A file analysed now goes through the base model, then the head (:func:`load_active_model`).  An
indexed track is read through the head from its stored embedding (:func:`through_active`,
:func:`judge_active`), so choosing another model never needs the index rebuilt.  A head only
applies to analyses by the base model it was trained on; otherwise the base model's verdict stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from musictagger.library.search import Match
from musictagger.library.store import AnalysisKey, Library, TrackAnalysis
from musictagger.model.head import PersonalHead
from musictagger.model.manifest import ModelManifest, load_manifest
from musictagger.model.runtime import GenreModel, default_model_path
from musictagger.personal import store
from musictagger.personal.store import PersonalModelError, PersonalModelInfo, active_head

Other = TypeVar("Other")


def head_for(manifest: ModelManifest) -> PersonalHead | None:
    """The active personal head if it reads analyses by ``manifest``'s model, else None."""
    return active_head(AnalysisKey.model_id_of(manifest))


def personal_in_use(manifest: ModelManifest) -> PersonalModelInfo | None:
    """The active personal model if analyses by ``manifest``'s model are read through it, else None
    (over another base model, say ``$MUSICTAGGER_MODEL`` pointing elsewhere, the base model's verdicts stand)."""
    if head_for(manifest) is None:
        return None
    return store.active_model()


def not_in_use_note(manifest: ModelManifest) -> str | None:
    """Why the active personal model is not read through, when analyses by ``manifest``'s model skip it
    (it was learnt on another base model's analyses, or it is damaged); None when it is in use, or none is active.

    A damaged one is said here rather than raised, so that the lists of models (``musictagger models``, the window's
    Models dialog) still show, where a user goes to delete it or choose another; what would analyse with it refuses."""
    try:
        active = store.active_model()
        if active is None or head_for(manifest) is not None:
            return None
    except PersonalModelError as exc:
        return f"the active personal model cannot be used: {exc}"
    made_for = active.base_model_id.split("@")[0]
    return (
        f"personal model {active.name!r} is not in use: it was learnt from analyses by {made_for}, and files "
        f"are now analysed by {manifest.model_id.split('@')[0]}, so the shipped model's verdicts stand "
        f"(choose that model again with `musictagger models --base`, or learn {active.name!r} again after "
        "`musictagger index`)"
    )


def not_in_use_note_for(model_path: Path | None) -> str | None:
    """:func:`not_in_use_note` for the model at ``model_path`` (default: :func:`default_model_path`): what ``analyze``
    and ``tag`` say before the verdicts, so that nobody takes the shipped model's genres for their own labels.  Its
    sidecar alone is read: the model that analyses checks the ONNX file against it, where hashing it here again cost
    every command that says this a pass over the model's megabytes."""
    return not_in_use_note(load_manifest(model_path or default_model_path(), verify_digest=False))


def field_in_use(personal: PersonalModelInfo | None) -> str:
    """The tag field the verdicts are values of: the personal model's (``mood`` …), else ``genre``."""
    return personal.field if personal is not None else "genre"


def load_active_model(path: Path | None = None, *, threads: int | None = None) -> GenreModel:
    """The base model at ``path`` (default: :func:`default_model_path`) with the active personal head, if any."""
    path = path or default_model_path()
    return GenreModel(path, threads=threads, head=head_for(load_manifest(path)))


def through_active(
    analyses: Mapping[str, TrackAnalysis | Other], manifest: ModelManifest
) -> dict[str, TrackAnalysis | Other]:
    """``analyses`` (by the base model of ``manifest``) read through the active personal head; other values kept."""
    head = head_for(manifest)
    if head is None:
        return dict(analyses)
    return {
        path: result.through(head) if isinstance(result, TrackAnalysis) else result for path, result in analyses.items()
    }


def matches_through(matches: list[Match], head: PersonalHead | None) -> list[Match]:
    """``matches`` with their verdicts as personal head ``head`` (the active one: :func:`head_for`) gives them,
    as the Library tab shows them; unchanged for None."""
    if head is None:
        return matches
    return [
        replace(match, record=replace(match.record, analysis=match.record.analysis.through(head)))
        if match.record.analysis is not None
        else match
        for match in matches
    ]


def head_for_search(manifest: ModelManifest, models: frozenset[str], family: frozenset[str]) -> PersonalHead | None:
    """The active personal head to read a search's matches (and an indexed query) through: :func:`head_for`
    ``manifest``'s model when the search compares its ``family``'s codes (its own and its twin's), else None.  A
    search from a track another model analysed (before ``models --base`` switched) compares that model's codes
    alone (``models``), whose embeddings the head never learnt from: they read as labels all the same."""
    return head_for(manifest) if models == family else None


def judge_active(library: Library, manifest: ModelManifest) -> PersonalHead | None:
    """The active personal head, its verdicts on ``library``'s tracks stored (:meth:`Library.judge`: only
    tracks analysed since are judged again), when analyses by ``manifest``'s model are read through one;
    None: the stored verdicts stand."""
    head = head_for(manifest)
    if head is not None:
        library.judge(head)
    return head

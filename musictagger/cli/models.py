"""``musictagger models``: list the models, choose the shipped one and the active personal one, delete one.

``--base fast`` (or ``accurate``, the default) chooses which shipped model analyses files, for every
command and the window (:mod:`musictagger.model.choice`).  ``--use NAME`` makes a personal model
active for ``analyze``, ``index``, ``tag`` and the window; ``--use shipped`` goes back to the shipped
model; ``--delete NAME`` removes one (the shipped model becomes active again if it was the active one).
``--json`` gives the list as one JSON document, for a script.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from musictagger.cli.json_fields import document, file_name
from musictagger.cli.lines import LINE_WIDTH, wrap
from musictagger.cli.table import format_table
from musictagger.errors import MusictaggerError
from musictagger.library import Library
from musictagger.library.search import codes_in_reach
from musictagger.model import choice
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import (
    MODEL_ENV_VAR,
    SHIPPED_MODELS,
    chosen_model_file,
    installed_choices,
)
from musictagger.personal import store
from musictagger.personal.active import not_in_use_note_for


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="choose the shipped model (--base) and list, choose or delete your personal models"
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--use", metavar="NAME", help=f"make NAME the active model ({store.SHIPPED!r}: the shipped one)"
    )
    action.add_argument("--delete", metavar="NAME", help="delete personal model NAME")
    action.add_argument(
        "--base",
        choices=choice.CHOICES,
        help="the shipped model that analyses files: 'accurate' (the default) or 'fast' (about twice as fast "
        "to analyse a track and to index, a little less sure; README, 'How fast it is'); the library is "
        "analysed again by the next `musictagger index`",
    )
    action.add_argument(
        "--json", action="store_true", help="list the models as one JSON document (its keys: README, 'Command line')"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.base:
        return _choose_base(args.base)
    if args.use:
        store.use(args.use)
        print(f"active model: {args.use}")
        if note := not_in_use_note_for(None):  # chosen, yet its verdicts are not the ones given
            print(wrap(f"note: {note}"), file=sys.stderr)
        return 0
    if args.delete:
        was_active = store.delete(args.delete)
        print(f"deleted personal model {args.delete!r}" + (": the shipped model is active again" * was_active))
    listing = store.read_models()
    if args.json:
        print(document(models_document(listing)))
        return 0
    note = not_in_use_note_for(None)
    print(format_models(listing.models, note))
    for name, why in listing.damaged.items():
        if why not in (note or ""):  # the note says it already of the active one
            print(wrap(f"note: personal model {name!r} is left out: {why}"), file=sys.stderr)
    if note:
        print(wrap(f"note: {note}"), file=sys.stderr)
    return 0


def _choose_base(base: str) -> int:
    if base not in installed_choices():
        raise MusictaggerError(f"the {base} model ({SHIPPED_MODELS[base]}) is not installed here")
    choice.choose(base)
    print(f"shipped model: {base} ({SHIPPED_MODELS[base]})")
    if os.environ.get(MODEL_ENV_VAR):
        print(f"note: ${MODEL_ENV_VAR} is set and overrides this choice", file=sys.stderr)
    with Library(create=False) as library:
        searched, others = codes_in_reach(library.code_counts(), model_file(SHIPPED_MODELS[base]))
    if others:
        print(
            wrap(
                f"tracks of your library analysed by the other model, whose codes are not comparable with this "
                f"one's: {others} of {searched + others}; run `musictagger index` to analyse them again (until "
                "then, similar tracks leave them out)"
            )
        )
    elif searched:
        print(wrap(f"every track of your library ({searched}) was analysed by this model already"))
    print(wrap("a personal model applies only to analyses by the shipped model it was learned from"))
    return 0


def _personal_in_use(models: list[store.PersonalModelInfo], note: str | None) -> bool:
    """Whether the active personal model's verdicts are given: there is one, and no ``note``
    (:func:`not_in_use_note`) says it reads another model's analyses."""
    return any(m.active for m in models) and note is None


def models_document(listing: store.ModelListing) -> dict[str, Any]:
    """``models --json`` (README, the JSON paragraph): the shipped model chosen (``--base``) and every personal
    one, what each knows, which is active and whose verdicts are given (``in_use``: the list's ``*``), why an
    active personal model is not in use (``note``, null otherwise), and the personal models whose sidecar cannot be
    read (``damaged``, each ``name`` and ``error``); the same keys always."""
    models = listing.models
    shipped = chosen_model_file()
    manifest = load_manifest(shipped, verify_digest=False)
    note = not_in_use_note_for(None)
    personal_in_use = _personal_in_use(models, note)
    return {
        "shipped": {
            "name": store.SHIPPED,
            "base": next(base for base, name in SHIPPED_MODELS.items() if model_file(name) == shipped),
            "model": shipped.stem,
            "file": file_name(shipped),
            "field": "genre",
            "labels": list(manifest.labels),
            "created": manifest.created,
            "active": not any(m.active for m in models),
            "in_use": not personal_in_use,
        },
        "personal": [
            {
                "name": m.name,
                "field": m.field,
                "labels": list(m.labels),
                "tracks_per_label": m.counts,
                "accuracy": m.accuracy,
                "macro_f1": m.macro_f1,
                "reads": m.base_model_id,
                "created": m.created,
                "active": m.active,
                "in_use": m.active and personal_in_use,
            }
            for m in models
        ],
        "in_use": next((m.name for m in models if m.active), store.SHIPPED) if personal_in_use else store.SHIPPED,
        "note": note,
        "damaged": [{"name": name, "error": why} for name, why in listing.damaged.items()],
    }


def format_models(models: list[store.PersonalModelInfo], note: str | None) -> str:
    """The shipped model in use and every personal one; ``*`` marks the model whose verdicts are given: the
    active personal one when it reads the shipped model's analyses, else the shipped one (the personal one
    then marked ``(not in use)``, which ``note``, :func:`not_in_use_note_for`, says why).  The labels come last, cut to fit 80 columns (:data:`LINE_WIDTH`; the shipped
    model's cell names it first); a model's day stands for the time it was made."""
    shipped = chosen_model_file()
    manifest = load_manifest(shipped, verify_digest=False)
    in_use = _personal_in_use(models, note)
    rows = [
        (
            "" if in_use else "*",
            store.SHIPPED,
            "genre",
            "",
            manifest.created,
            f"{shipped.stem}: {len(manifest.labels)} labels",
        )
    ]
    rows += [
        (
            ("*" if in_use else "(not in use)") if m.active else "",
            m.name,
            m.field,
            "none" if m.accuracy is None else f"{m.accuracy:.2f}",
            m.created[:10],
            f"{len(m.labels)} labels: " + ", ".join(m.labels),
        )
        for m in models
    ]
    return format_table(("", "model", "field", "accuracy", "created", "labels"), rows, fit=LINE_WIDTH)

"""``musictagger models``: list the models, choose the shipped one and the active personal one, delete one.

``--base fast`` (or ``accurate``, the default) chooses which shipped model analyses files, for every
command and the window (:mod:`musictagger.model.choice`).  ``--use NAME`` makes a personal model
active for ``analyze``, ``index``, ``tag`` and the window; ``--use shipped`` goes back to the shipped
model; ``--delete NAME`` removes one (the shipped model becomes active again if it was the active one).
"""

from __future__ import annotations

import argparse
import os

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
    default_model_path,
    installed_choices,
)
from musictagger.personal import store
from musictagger.personal.active import not_in_use_note


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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.base:
        return _choose_base(args.base)
    if args.use:
        store.use(args.use)
        print(f"active model: {args.use}")
        return 0
    if args.delete:
        store.delete(args.delete)
        print(f"deleted personal model {args.delete!r}")
    print(format_models(store.list_models()))
    if note := not_in_use_note(load_manifest(default_model_path())):
        print(wrap(f"note: {note}"))
    return 0


def _choose_base(base: str) -> int:
    if base not in installed_choices():
        raise MusictaggerError(f"the {base} model ({SHIPPED_MODELS[base]}) is not installed here")
    choice.choose(base)
    print(f"shipped model: {base} ({SHIPPED_MODELS[base]})")
    if os.environ.get(MODEL_ENV_VAR):
        print(f"note: ${MODEL_ENV_VAR} is set and overrides this choice")
    with Library() as library:
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


def format_models(models: list[store.PersonalModelInfo]) -> str:
    """The shipped model in use and every personal one; ``*`` marks the model whose verdicts are given: the
    active personal one when it reads the shipped model's analyses, else the shipped one (the personal one
    then marked ``(not in use)``).  The labels come last, cut to fit 80 columns (:data:`LINE_WIDTH`; the shipped
    model's cell names it first); a model's day stands for the time it was made."""
    shipped = chosen_model_file()
    manifest = load_manifest(shipped, verify_digest=False)
    idle = not_in_use_note(load_manifest(default_model_path())) is not None
    in_use = any(m.active for m in models) and not idle
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
            f"{m.accuracy:.2f}",
            m.created[:10],
            f"{len(m.labels)} labels: " + ", ".join(m.labels),
        )
        for m in models
    ]
    return format_table(("", "model", "field", "accuracy", "created", "labels"), rows, fit=LINE_WIDTH)

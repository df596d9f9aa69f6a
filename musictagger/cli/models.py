"""``musictagger models``: list the personal models, choose the active one, delete one.

``--use NAME`` makes a personal model active for ``analyze``, ``index``, ``tag`` and the window;
``--use shipped`` goes back to the shipped model; ``--delete NAME`` removes one (the shipped
model becomes active again if it was the active one).
"""

from __future__ import annotations

import argparse

from musictagger.cli.tag import format_table
from musictagger.model.runtime import DEFAULT_MODEL_NAME
from musictagger.personal import store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list, choose or delete your personal models")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--use", metavar="NAME", help=f"make NAME the active model ({store.SHIPPED!r}: the shipped one)"
    )
    action.add_argument("--delete", metavar="NAME", help="delete personal model NAME")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.use:
        store.use(args.use)
        print(f"active model: {args.use}")
        return 0
    if args.delete:
        store.delete(args.delete)
        print(f"deleted personal model {args.delete!r}")
    print(format_models(store.list_models()))
    return 0


def format_models(models: list[store.PersonalModelInfo]) -> str:
    """The shipped model and every personal one; ``*`` marks the active one."""
    rows = [("*" if not any(m.active for m in models) else "", store.SHIPPED, "genre", DEFAULT_MODEL_NAME, "", "")]
    rows += [
        (
            "*" if m.active else "",
            m.name,
            m.field,
            f"{len(m.labels)} labels: " + ", ".join(m.labels),
            f"{m.accuracy:.2f}",
            m.created,
        )
        for m in models
    ]
    return format_table(("", "model", "field", "labels", "accuracy", "created"), rows)

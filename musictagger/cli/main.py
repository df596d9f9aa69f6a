"""The ``musictagger`` command: one entry point, one module per sub-command.

Errors the user can fix (a bad file, a missing model) are printed as ``error: …`` and
give exit status 1; a batch command reports each bad file and goes on, exiting 1 at the
end if any failed.  Unexpected exceptions keep their traceback: those are bugs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from musictagger.cli import analyze, evaluate, experiments, export, index, listen, similar, tag, train, undo
from musictagger.errors import MusictaggerError
from musictagger.version import version_text

COMMANDS = (analyze, index, similar, tag, undo, listen, train, export, evaluate, experiments)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musictagger", description="Listens to music and tags it.")
    parser.add_argument("--version", action="version", version=version_text())
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except MusictaggerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

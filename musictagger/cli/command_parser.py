"""The parser of each sub-command: its own usage for every mistake, and what to do about a file named ``-…``.

argparse hands the arguments a sub-command does not know back to the top-level parser, which reported them under
its own usage: ``musictagger analyze a.mp3 -weird-name.mp3`` printed ``usage: musictagger [-h] [--version] COMMAND
...`` and ``unrecognized arguments: -weird-name.mp3``, nothing of ``analyze``'s arguments, nor how to name such a
file.  Each sub-command now reports them itself, under its usage, and an argument before ``--`` that starts with
``-`` and names a file or folder that exists gets a hint: after ``--``, as users of Unix tools write it, or as
``./-weird-name.mp3``, which also works as an option's value.

An empty argument where a file or folder is expected is refused too: ``Path("")`` is the working directory, so
``musictagger index "$DIR"`` with ``DIR`` unset in a script indexed the folder it ran in into the library, and
``index --forget ""`` forgot it; ``analyze ""`` analysed every file under it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from musictagger.arguments import READER_GONE_STATUS, Parser
from musictagger.cli.lines import wrap
from musictagger.interrupts import INTERRUPTED_STATUS

EXIT_STATUSES = f"""exit status: 0 all done; 1 not all done, and the output says what was not (files that
failed, the others done; or an error: that stopped the command); 2 a usage error, nothing done; {INTERRUPTED_STATUS}
stopped by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP (its terminal closed), what was done is
kept; {READER_GONE_STATUS} the output's reader went away (| head)"""
"""The exit statuses every command gives, as its help ends with them (README, "Command line")."""


class CommandParser(Parser):
    """A sub-command's parser (``add_subparsers(parser_class=CommandParser)``)."""

    given: tuple[str, ...] = ()
    """The arguments the sub-command was last given, for :meth:`error`'s hint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"epilog": EXIT_STATUSES, **kwargs})
        self.register("type", Path, path_argument)  # every ``type=Path`` argument of the sub-command

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.given = tuple(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        """Print the usage and ``message``, with how to name a file that starts with ``-``, and exit with status 2."""
        hints = [self._file_hint(name, option_value=message.startswith("argument -")) for name in self._dash_files()]
        super().error("\n".join([message, *hints]))

    def _dash_files(self) -> list[str]:
        """The arguments before ``--`` that look like options and name a file or folder that exists."""
        before = self.given[: self.given.index("--")] if "--" in self.given else self.given
        return [name for name in before if name.startswith("-") and name != "-" and os.path.lexists(name)]

    def _file_hint(self, name: str, *, option_value: bool) -> str:
        """How to name the file ``name``: ``./name``; and after ``--`` where it is one of the command's files, not
        the value of an option (``option_value``) and the command takes files at all."""
        takes_files = any(not action.option_strings for action in self._actions)
        after = f", or put it after `--`: `{self.prog} -- {name}`" if takes_files and not option_value else ""
        return wrap(f"{name} is a file: name it `./{name}`{after}", [name])


def path_argument(text: str) -> Path:
    """A file or folder named on the command line (the type ``type=Path`` stands for in a sub-command): not an
    empty argument, which ``Path`` takes for the working directory."""
    if not text:
        raise argparse.ArgumentTypeError("an empty argument names no file or folder (a variable left unset?)")
    return Path(text)

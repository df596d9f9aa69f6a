"""The ``musictagger`` command: one entry point, one module per sub-command.

Errors the user can fix (a bad file, a missing model) are printed as ``error: …`` and
give exit status 1; a batch command reports each bad file and goes on, exiting 1 at the
end if any failed.  Unexpected exceptions keep their traceback: those are bugs.
SIGTERM and SIGHUP (its terminal closed) are handled as Ctrl-C (what was done is kept, status 130),
unless they are ignored (``nohup``), and output cut short by its reader (``musictagger index --status
| head -2``) ends the command quietly, with the status of a program that SIGPIPE ended (141).
:data:`EXIT_STATUSES` says it all in every command's help.  The installed command starts in :mod:`musictagger.cli.entry`, which handles a Ctrl-C while this
module still imports.
"""

from __future__ import annotations

import argparse
import codecs
import importlib.util
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from musictagger.arguments import Parser, output_failed
from musictagger.cli import (
    analyze,
    distil,
    evaluate,
    experiments,
    export,
    index,
    learn,
    listen,
    models,
    quantize,
    recognition,
    similar,
    streamline,
    tag,
    train,
    undo,
    verdict,
)
from musictagger.cli.command_parser import EXIT_STATUSES, CommandParser
from musictagger.cli.lines import error_line, wrap
from musictagger.errors import MusictaggerError
from musictagger.interrupts import OutputError, interrupted, output_errors, stopping_as_ctrl_c
from musictagger.process import prepare_analysing_process
from musictagger.version import version_text

COMMANDS = (
    analyze,
    index,
    similar,
    tag,
    undo,
    learn,
    models,
    listen,
    train,
    distil,
    export,
    quantize,
    verdict,
    recognition,
    streamline,
    evaluate,
    experiments,
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="musictagger", description="Listens to music and tags it.", epilog=EXIT_STATUSES)
    parser.add_argument("--version", action="version", version=version_text())
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=CommandParser)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _print_names_as_their_bytes()
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):  # as git does: the commands, not 'COMMAND is required' alone
        parser.print_help(sys.stderr)
        return 2
    given_output = sys.stdout
    if given_output is not None:  # None: started with no output at all (``>&-``): print drops what it is given
        sys.stdout = _Output(given_output)
    with stopping_as_ctrl_c():  # SIGTERM and SIGHUP stop it as Ctrl-C does, to its last line
        try:
            args = parser.parse_args(argv)  # --help and --version print here: their output's errors below too
            if missing := _missing_extra(args.run):
                print(
                    wrap(
                        f"error: `musictagger {args.command}` needs the 'train' extra, which is not installed "
                        f"({', '.join(missing)} missing): pip install 'musictagger[train]' --extra-index-url "
                        "https://download.pytorch.org/whl/cpu (from a checkout: make .venv/.dev)"
                    ),
                    file=sys.stderr,
                )
                return 2
            prepare_analysing_process()
            status = args.run(args)
            if sys.stdout is not None:
                sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
            return status
        except MusictaggerError as exc:
            print(error_line(exc), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return interrupted()
        except (BrokenPipeError, OutputError) as exc:  # the reader has gone (``| head``), or a full disk
            return output_failed(exc)
        finally:
            sys.stdout = given_output


class _Output:
    """Standard output as the commands write to it: a write that fails but for its reader's going (a full disk, a
    quota: ``musictagger index --status > status.txt`` ended in a traceback) is :class:`OutputError`, which
    :func:`main` tells apart from another file's error.  The rest is the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        with output_errors():
            return self._stream.write(text)

    def flush(self) -> None:
        with output_errors():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _print_names_as_their_bytes() -> None:
    """Print a file name that is not UTF-8 (Latin-1 bytes, which Python holds as lone surrogates) as its own
    bytes, as ``ls`` does: in a UTF-8 locale other than C.UTF-8 (en_US.UTF-8, a desktop's) Python's output
    refuses them, and ``analyze``, ``index`` and ``tag`` ended in UnicodeEncodeError at the first such name.
    In a locale whose encoding lacks a character printed (``…`` or a Japanese name in en_US.ISO-8859-1) it is
    printed as ``?``: every message holding one ended the command in "lost sys.stderr", status 1."""
    codecs.register_error(_AS_BYTES_OR_MARK, _as_bytes_or_mark)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=_AS_BYTES_OR_MARK)


_AS_BYTES_OR_MARK = "musictagger.bytes-or-mark"
"""The name of :func:`_as_bytes_or_mark` as an error handler of the codecs."""


def _as_bytes_or_mark(error: UnicodeError) -> tuple[bytes, int]:
    """The error handler of the command's output: a byte of a name that is not UTF-8 (a lone surrogate,
    ``surrogateescape``'s) is written as that byte, any other character the output's encoding lacks as ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unprintable = error.object[error.start : error.end]
    return bytes(ord(ch) - 0xDC00 if "\udc80" <= ch <= "\udcff" else ord("?") for ch in unprintable), error.end


def _missing_extra(run: Callable[[argparse.Namespace], int]) -> list[str]:
    """The modules of the 'train' extra that the command ``run`` belongs to needs (its module's ``NEEDS``)
    and that are not installed: a plain install has the app's dependencies only, and such a command would
    otherwise end in a traceback, `evaluate` after all its work."""
    needs = getattr(sys.modules[run.__module__], "NEEDS", ())
    return [name for name in needs if importlib.util.find_spec(name) is None]


if __name__ == "__main__":
    sys.exit(main())

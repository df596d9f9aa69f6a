"""What the programs' argument parsers share (``musictagger``'s and ``musictagger-gui``'s): a help and a version that
go out whole or say why not, and the exit status when standard output cannot be written.  Qt-free, so that the
window's entry (:mod:`musictagger.gui.app`) and the command's (:mod:`musictagger.cli.main`) both use it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO

from musictagger.interrupts import OutputError, output_errors

READER_GONE_STATUS = 141
"""Exit status of a program whose output's reader went away (``| head -1``): a program that SIGPIPE ends has
it (128 + 13), as the shell reports ``cat`` or ``grep`` ended so.  It used to be 1, which says files failed."""


class Parser(argparse.ArgumentParser):
    """A program's parser (the command's, each sub-command's, the window's): its help and version go out whole or
    say why not.  argparse passes over a write that fails, so ``musictagger --version > version.txt`` on a full
    disk printed nothing and exited 0, an empty file left as if all was done."""

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        """argparse's, but standard output (``file`` None or it) that cannot be written raises
        :class:`~musictagger.interrupts.OutputError` (BrokenPipeError when its reader went away), which
        :func:`output_failed` reports, and none at all (``>&-``) drops the message, as print does
        (argparse gave it to standard error); standard error as argparse has it."""
        if file is not None and file is not sys.stdout:
            super()._print_message(message, file)
        elif message and sys.stdout is not None:
            with output_errors():
                sys.stdout.write(message)
                sys.stdout.flush()


def output_failed(exc: OutputError | BrokenPipeError) -> int:
    """Say that standard output cannot be written (``exc``: an :class:`~musictagger.interrupts.OutputError`), or
    nothing when its reader went away (a BrokenPipeError), and send what is still buffered for it nowhere, so that
    the exit's flush does not fail again; the program's exit status, 1 or :data:`READER_GONE_STATUS`."""
    if not isinstance(exc, BrokenPipeError):
        print(f"error: the output cannot be written ({exc.strerror})", file=sys.stderr)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return READER_GONE_STATUS if isinstance(exc, BrokenPipeError) else 1

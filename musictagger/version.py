"""What ``--version`` prints: the app's version (``musictagger.__version__``, its one home) and the model in use."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from musictagger import __version__


def version_text() -> str:
    """``musictagger 0.5.0 (model: hash-cnn-lstm-emotify-v3)``: the model named by its file, as ``$MUSICTAGGER_MODEL`` or the default gives it."""
    from musictagger.model.runtime import default_model_path  # NumPy, PyAV …: 0.8 s of imports, only when asked

    return f"musictagger {__version__} (model: {default_model_path().stem})"


class VersionAction(argparse.Action):
    """``--version`` as argparse's ``action="version"`` prints it, but :func:`version_text` made only when asked: a
    ``musictagger-gui FILE`` that hands FILE to the window already open builds the parser and never needs the model's
    runtime, whose imports took it a third of its time."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show program's version number and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        """Print :func:`version_text` as argparse's version action prints its text (through its formatter), and exit."""
        formatter = parser._get_formatter()
        formatter.add_text(version_text())
        parser._print_message(formatter.format_help(), sys.stdout)
        parser.exit()

"""What a command measuring a model says of the inputs it could not analyse (``evaluate``, ``recognition``): each
named, how many, and that figures leaving them out are not recorded in the model's sidecar."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from musictagger.cli.lines import with_path, wrap
from musictagger.evaluation.outcomes import Failure


def say_failures(model_name: str, failures: Sequence[Failure], said: set[str]) -> None:
    """Name on stderr each input left out because it could not be analysed (those whose reason is not in ``said``,
    which gains them: a file failing under each of several models is named once), and how many: the figures are of
    the others, which ``evaluate`` said only in its report's last lines and ``recognition`` not at all."""
    for failure in failures:
        if failure.reason not in said:
            print(wrap(f"error: {failure.reason}", [failure.name]), file=sys.stderr)
            said.add(failure.reason)
    if failures:
        inputs = "1 input" if len(failures) == 1 else f"{len(failures)} inputs"
        print(wrap(f"{model_name}: {inputs} could not be analysed, left out of its figures"), file=sys.stderr)


def kept_from_sidecar(model_name: str, failures: Sequence[Failure], sidecar: Path) -> bool:
    """Whether ``failures`` keep a run's figures out of ``sidecar`` (``evaluate --record``, ``recognition --write``),
    saying so on stderr: the sidecar's figures are the model's to every later reader, so they must be of every input,
    not of those that could be analysed."""
    if failures:
        print(
            with_path(
                f"{model_name}: nothing recorded in ",
                sidecar,
                ": its figures leave out what could not be analysed; record them from a run that analyses every input",
            ),
            file=sys.stderr,
        )
    return bool(failures)

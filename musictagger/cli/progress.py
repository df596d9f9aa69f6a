"""The commands' progress bars: drawn on a terminal, left out of log files and pipes."""

from __future__ import annotations

from typing import Any

from tqdm import tqdm


def progress_bar(**options: Any) -> tqdm:
    """A tqdm bar (``options`` as tqdm's) that draws only where stderr is a terminal, unless ``disable``
    says otherwise: ``command 2>log`` gets the command's messages without the bar's frames."""
    options.setdefault("disable", None)  # tqdm's "only on a terminal"
    return tqdm(**options)

"""Counting the files Python opens, by name, while a test listens: for tests that a piece of work reads a file
once.  One audit hook for the whole session (a hook cannot be removed); the ``opened`` fixture listens."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

_OPENED: list[Counter[str] | None] = [None]


def _count_opens(event: str, args: tuple) -> None:
    if event == "open" and (counts := _OPENED[0]) is not None and isinstance(args[0], str | Path):
        counts[Path(args[0]).name] += 1


sys.addaudithook(_count_opens)


@pytest.fixture
def opened() -> Iterator[Counter[str]]:
    """The files opened during the test, by name, as a ``Counter`` the test may clear."""
    counts: Counter[str] = Counter()
    _OPENED[0] = counts
    yield counts
    _OPENED[0] = None

"""Fixtures of the tagging tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def machinery_on_the_first_model(first_model_as_default: Path) -> None:
    """These tests exercise the machinery on generated audio, which the shipped model calls "not music"."""

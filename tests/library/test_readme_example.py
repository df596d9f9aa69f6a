"""The README's Python example for many searches ("Large archives") runs as printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from musictagger.library import index_folders
from tests.library.conftest import write_track

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block_after(words: str) -> str:
    """The first ```python block of the README after ``words``."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(words) :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_large_archives_example_runs_as_printed_and_finds_each_querys_track(tmp_path: Path) -> None:
    """It searched with ``queries`` and ``model`` that it never defined: copied, it ended in NameError."""
    library = tmp_path / "Music"
    queries = tmp_path / "queries"
    for seed in range(3):
        write_track(library / f"{seed:02}.mp3", "mp3", seed=seed, seconds=4.0)
        write_track(queries / f"{seed:02}.mp3", "mp3", seed=seed, seconds=4.0)
    index_folders([library], workers=1)
    example = readme_block_after("for many queries the Python API does the same:")

    run = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3
    for seed, line in enumerate(lines):  # each query's own track first
        assert line.startswith(f"queries/{seed:02}.mp3 ['{library / f'{seed:02}.mp3'}'")

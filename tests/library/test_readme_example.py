"""The README's Python example for many searches ("Large archives") runs as printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from musictagger.library import Library
from musictagger.library.analyse import analyse_file
from musictagger.library.store import AnalysisKey
from musictagger.model.runtime import load_model
from tests.library.conftest import write_track

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block_after(words: str) -> str:
    """The first ```python block of the README after ``words``."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(words) :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_large_archives_example_runs_as_printed_and_finds_each_querys_track(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It searched with ``queries`` and ``model`` that it never defined: copied, it ended in NameError."""
    library = tmp_path / "Music"
    queries = tmp_path / "queries"
    for seed in range(2):
        write_track(library / f"{seed:02}.mp3", "mp3", seed=seed, seconds=2.0)
        write_track(queries / f"{seed:02}.mp3", "mp3", seed=seed, seconds=2.0)
    model = load_model()
    with Library() as stored:  # as index_folders stores them, without starting its worker processes
        for track in sorted(library.iterdir()):
            outcome = analyse_file(model, str(track), n_windows=model.manifest.windows_per_track)
            assert outcome.analysis is not None and outcome.stamp is not None
            stored.store_analysis(str(track), outcome.stamp, AnalysisKey.of(model.manifest, None), outcome.analysis)
    example = readme_block_after("for many queries the Python API does the same:")

    monkeypatch.chdir(tmp_path)

    exec(compile(example, "README.md", "exec"), {"__name__": "__main__"})  # as a script runs it, in this process

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for seed, line in enumerate(lines):  # each query's own track first
        assert line.startswith(f"queries/{seed:02}.mp3 ['{library / f'{seed:02}.mp3'}'")

"""A researcher's script that indexes at its top level, without ``if __name__ == "__main__":``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import soundfile as sf

from tests.audio.signals import music


def test_a_script_indexing_at_its_top_level_runs_once_and_indexes(tmp_path: Path) -> None:
    """Every worker the run spawned ran the script again (spawn imports the main script in each), indexed again,
    found the index held by the script (IndexingBusyError, a traceback per worker) and the run ended in
    BrokenProcessPool."""
    for seed in range(2):
        sf.write(tmp_path / f"song{seed}.flac", music(sr=22050, seconds=3.0, seed=seed), 22050)
    script = tmp_path / "index_my_music.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from musictagger.library import index_folders

            print("the script runs", flush=True)
            summary = index_folders([Path({str(tmp_path)!r})], workers=2)  # one worker analyses in this process
            print("analysed", summary.analysed, "failed", len(summary.failed))
            """
        )
    )

    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["the script runs", "analysed 2 failed 0"]
    assert "Traceback" not in run.stderr

"""The window's analysis process ends with the window's process, even when that is SIGKILLed (see
``musictagger.workers``; the pool of ``index`` and ``tag`` is tested in tests/library)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.processes import HAS_PROC, assert_workers_die_with, wait_for_workers

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="finds processes through /proc")


def test_the_windows_analysis_process_dies_when_the_window_is_killed() -> None:
    script = textwrap.dedent(
        """
        import time
        from musictagger.gui.analysis_process import AnalysisProcess
        from musictagger.model.runtime import default_model_path

        analyser = AnalysisProcess(default_model_path())
        analyser.warm_up()
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        workers = wait_for_workers(process, 1)
    except BaseException:
        process.kill()
        raise

    assert_workers_die_with(process, workers)

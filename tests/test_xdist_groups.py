"""``make test``'s second part: the tests that play into the virtual microphone run in one process, every other test
with its module (tests/xdist_groups.py), under the Makefile's own pytest-xdist options; and modules of one
``xdist_group`` in one process, in both parts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = '''
import os
from pathlib import Path

import pytest

from tests.xdist_groups import pytest_xdist_make_scheduler


@pytest.fixture
def virtual_microphone():
    """A stand-in: which process runs a module goes by the fixture's name."""


@pytest.fixture(autouse=True)
def ran(request):
    with (Path(__file__).parent / "ran.txt").open("a") as ran:
        ran.write(f"{request.node.path.stem} {request.node.name} {os.environ['PYTEST_XDIST_WORKER']}\\n")
'''
PLAYING = ("test_learning", "test_live_matches", "test_live_panel")
OTHERS = ("test_closing", "test_window", "test_display")
UNNEEDED_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:pytest-qt", "-p", "no:hypothesispytest", "-p", "no:timeout")
"""Left out of the run below, which starts three pytest processes: Qt's and Hypothesis's took most of their start."""


def in_two_processes(folder: Path) -> subprocess.CompletedProcess[str]:
    """pytest's run of the tests in ``folder`` in two processes, a module each (``--dist loadfile``)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", *UNNEEDED_PLUGINS, str(folder)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tests_playing_into_the_microphone_run_in_one_process_and_every_other_test_with_its_module(
    tmp_path: Path,
) -> None:
    """Before, each module went whole to the process free first: the first two modules with a test that plays went
    to the two processes, and one waited idle on the sink while the other played music in real time."""
    makefile = (ROOT / "Makefile").read_text().splitlines()
    part = next(line for line in makefile if "pytest" in line and line.endswith(" tests/gui tests/live"))
    options = re.findall(r"(-n \d+|--dist \w+)", part)
    assert options == ["-n 2", "--dist loadfile"], part
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    tests = "".join(f"def test_{n}():\n    pass\n\n\n" for n in range(2))
    for module in PLAYING:  # the most tests each: handed out first, as the most are
        (tmp_path / f"{module}.py").write_text(f"{tests}def test_plays(virtual_microphone):\n    pass\n")
    for module in OTHERS:
        (tmp_path / f"{module}.py").write_text(tests)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *" ".join(options).split(), *UNNEEDED_PLUGINS, str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workers: dict[str, set[str]] = defaultdict(set)
    for line in (tmp_path / "ran.txt").read_text().splitlines():
        module, test, worker = line.split()
        workers["playing" if test == "test_plays" else module].add(worker)
    assert sorted(workers) == sorted(("playing", *PLAYING, *OTHERS))
    assert all(len(ran) == 1 for ran in workers.values()), dict(workers)
    assert len(set().union(*workers.values())) == 2, "the other process runs the rest"


def test_a_test_that_crashes_its_process_is_reported_once_and_the_rest_run_once(tmp_path: Path) -> None:
    """xdist handed a crashed process's test out again with the rest of its work unit: a playing test that crashed
    its process (PortAudio's) crashed each process started after it, and was reported failed once for each."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    playing = "def test_plays(virtual_microphone):\n    pass\n\n\n"
    crashes = "def test_crashes(virtual_microphone):\n    import os\n\n    os._exit(1)\n"
    (tmp_path / "test_crash.py").write_text(playing + crashes)
    (tmp_path / "test_after.py").write_text(playing)
    (tmp_path / "test_other.py").write_text("def test_other():\n    pass\n")
    done = in_two_processes(tmp_path)
    # one crash: xdist says "node down" once for each process that died (the summary repeats the failure's reason)
    assert done.stdout.count("node down: ") == 1 and "1 failed, 3 passed" in done.stdout, done.stdout
    ran = sorted(line.rsplit(" ", 1)[0] for line in (tmp_path / "ran.txt").read_text().splitlines())
    assert ran == ["test_after test_plays", "test_crash test_crashes", "test_crash test_plays", "test_other test_other"]


def test_the_modules_of_one_xdist_group_run_in_one_process(tmp_path: Path) -> None:
    """Two modules that share a session fixture (tests/training's ``view_cache``) name one ``xdist_group``: they went
    to the two processes, one each, and each process made the fixture, so neither read what the other had computed."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    grouped = 'import pytest\n\npytestmark = pytest.mark.xdist_group("runs")\n\n\ndef test_one():\n    pass\n'
    for module in ("test_identity", "test_similarity_pipeline"):
        (tmp_path / f"{module}.py").write_text(grouped)
    done = in_two_processes(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [line.split() for line in (tmp_path / "ran.txt").read_text().splitlines()]
    assert sorted(module for module, _, _ in ran) == ["test_identity", "test_similarity_pipeline"]
    assert len({worker for _, _, worker in ran}) == 1, ran


def test_a_group_of_modules_is_handed_out_first(tmp_path: Path) -> None:
    """The similarity runs' group, the longest unit of part 1, went out in collection order: its modules' names put
    it last here, after every other module, while each process works through its units in the order handed out."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    grouped = 'import pytest\n\npytestmark = pytest.mark.xdist_group("runs")\n\n\ndef test_one():\n    pass\n'
    for module in ("test_y_identity", "test_z_similarity"):
        (tmp_path / f"{module}.py").write_text(grouped)
    for module in ("test_a", "test_b", "test_c", "test_d", "test_e", "test_f"):
        (tmp_path / f"{module}.py").write_text("def test_one():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", *UNNEEDED_PLUGINS],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first: dict[str, str] = {}
    for line in (tmp_path / "ran.txt").read_text().splitlines():
        module, _, worker = line.split()
        first.setdefault(worker, module)
    assert "test_y_identity" in first.values(), first

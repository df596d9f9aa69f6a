"""`make run` on a fresh Debian or Ubuntu: the Python there has no ensurepip until python3.X-venv is installed.

The system is stood in for by scripts on PATH: a Python that has no ensurepip and stops at ``-m venv`` (the step
that failed), and ``dpkg``, ``apt-get`` and ``sudo`` that record what make asks of them.  What is under test is
the Makefile's own recipe: which packages it installs, and that it does so before it makes the venv.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STAND_INS = {
    # Debian's python3.11 without python3.11-venv: no ensurepip; `-m venv` is where `make run` stopped.
    "python3": """#!/bin/sh
case "$*" in
    *"import ensurepip"*) echo "ModuleNotFoundError: No module named 'ensurepip'" >&2; exit 1 ;;
    *'!= "3.11"'*) exit 0 ;;
    *"-venv"*) echo python3.11-venv ;;
    *"-m venv"*) echo "venv $*" >>"$LOG"; exit 3 ;;
esac
""",
    "dpkg": '#!/bin/sh\n[ "$1" = -s ] && exit 1\n',  # nothing installed
    "dpkg-query": "#!/bin/sh\n",
    "apt-get": '#!/bin/sh\necho "apt-get $*" >>"$LOG"\n',
    "sudo": '#!/bin/sh\nexec "$@"\n',
}


def system_of(tmp_path: Path, stand_ins: dict[str, str]) -> tuple[dict[str, str], Path]:
    """The environment of a system whose ``stand_ins`` (name → script) come first on PATH, and the log they write."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in stand_ins.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "log"
    return {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(log)}, log


def test_make_run_installs_the_venv_package_before_making_the_venv(tmp_path: Path) -> None:
    """Before, `make run` went straight to `python3 -m venv`, which stopped at 'ensurepip is not available'."""
    env, log = system_of(tmp_path, STAND_INS)
    done = subprocess.run(
        ["make", "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", "run"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0  # the stand-in Python stops at -m venv
    steps = log.read_text().splitlines()
    assert steps[0] == "apt-get update -qq", steps
    assert steps[1].startswith("apt-get install ") and steps[1].endswith(" python3.11-venv"), steps
    assert steps[2].startswith("venv -m venv "), steps


def test_make_run_with_another_python_says_which_it_needs_and_makes_no_venv(tmp_path: Path) -> None:
    """Before, a python3 of 3.12 (Ubuntu 24.04's, Fedora's) made .venv, failed at `pip install -e .` ('requires a
    different Python'), and that venv's bin/python stayed 3.12 after `make run PYTHON=python3.11` (README: 'after
    `make clean`')."""
    stand_in = tmp_path / "python3.12"
    stand_in.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "sys.version_info = (3, 12, 1, 'final', 0)\n"
        "if sys.argv[1:2] == ['-c']:\n"
        "    exec(sys.argv[2])\n"
        "elif sys.argv[1:] == ['--version']:\n"
        "    print('Python 3.12.1')\n"
        "else:  # -m venv DIR, which makes DIR\n"
        "    import os\n"
        "    os.makedirs(sys.argv[-1])\n"
    )
    stand_in.chmod(0o755)
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "-C", str(ROOT), f"VENV={venv}", f"PYTHON={stand_in}", "run"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"error: musictagger needs Python 3.11, and {stand_in} is Python 3.12.1: make run PYTHON=python3.11\n" in (
        done.stdout
    )
    assert not venv.exists()


def test_make_run_counts_a_package_provided_by_another_as_there(tmp_path: Path) -> None:
    """Ubuntu 24.04 has no libglib2.0-0, only libglib2.0-0t64 providing it. Before, `dpkg -s` of every name at once
    failed there at every `make run`, which ran sudo apt-get update and an install of all 21 packages each time."""
    stand_ins = {
        # Everything installed under its own name but libglib2.0-0 (provided by libglib2.0-0t64) and libportaudio2.
        "dpkg": '#!/bin/sh\n[ "$1" = -s ] || exit 2\ncase "$2" in libglib2.0-0|libportaudio2) exit 1 ;; esac\n',
        "dpkg-query": "#!/bin/sh\nprintf 'ii |, libglib2.0-0 (= 2.80.0-6ubuntu3.1),\\nrc |, libportaudio2,\\n'\n",
        "apt-get": '#!/bin/sh\necho "apt-get $*" >>"$LOG"\n',
        "sudo": '#!/bin/sh\nexec "$@"\n',
    }
    env, log = system_of(tmp_path, stand_ins)
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "gui-libs"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "installing system packages: libportaudio2\n"
    assert log.read_text().splitlines()[1] == "apt-get install -y -qq --no-install-recommends libportaudio2"


def test_make_test_installs_the_pinned_torch_from_the_cpu_only_index_before_the_extras(tmp_path: Path) -> None:
    """Before, `make test` asked PyPI for the train extra's `torch==2.13.0`, whose Linux wheel requires CUDA's
    libraries: 19 CUDA packages, gigabytes, on a machine with no GPU (the pin does not keep them out)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    pip = venv / "bin" / "pip"
    pip.write_text('#!/bin/sh\necho "pip $*" >>"$LOG"\n')
    pip.chmod(0o755)
    (venv / ".app").touch()  # the app's venv made, newer than pyproject.toml
    log = tmp_path / "log"
    done = subprocess.run(
        ["make", "-C", str(ROOT), f"VENV={venv}", str(venv / ".dev")],
        env={**os.environ, "LOG": str(log)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    pin = re.search(r'"(torch==[^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin is not None
    steps = log.read_text().splitlines()
    assert steps == [
        f"pip install --quiet --no-deps --index-url https://download.pytorch.org/whl/cpu {pin[1]}",
        "pip install --quiet -e .[train,dev]",
    ]

"""Finding a process's multiprocessing workers through /proc (Linux), and checking they die with it; a child process
whose files cannot grow, standing for a full disk."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()

GONE_WITHIN_S = 10.0
"""How long orphaned workers may take to notice (they notice within milliseconds)."""


def process_state(pid: int) -> str | None:
    """The state letter of process ``pid`` (``R``, ``S``, ``Z`` …), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]  # after the command name, which may hold spaces


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def worker_children(pid: int) -> list[int]:
    """Live multiprocessing workers (``spawn_main`` on their command line) whose parent is ``pid``."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or parent_of(int(entry.name)) != pid:
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and process_state(int(entry.name)) not in (None, "Z"):
            workers.append(int(entry.name))
    return workers


def alive(pid: int) -> bool:
    """Running, not merely a zombie (a container's init may never reap an orphan)."""
    return process_state(pid) not in (None, "Z")


def wait_for_workers(process: subprocess.Popen, count: int) -> list[int]:
    deadline = time.monotonic() + 120
    while len(workers := worker_children(process.pid)) < count:
        assert process.poll() is None and time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    return workers


def assert_workers_die_with(process: subprocess.Popen, workers: list[int]) -> None:
    """SIGKILL ``process``; its ``workers`` must be gone soon after (any left are killed, so a failure leaves none)."""
    process.kill()
    process.wait()
    deadline = time.monotonic() + GONE_WITHIN_S
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"workers alive {GONE_WITHIN_S} s after their parent was killed"


def limited_to(size: int) -> None:
    """In a child process (``preexec_fn``): files may not grow past ``size`` bytes, and a write past it fails (EFBIG)
    rather than killing the process (SIGXFSZ): a full disk, without root or a mount."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def musictagger_process(*arguments: str) -> subprocess.Popen[str]:
    """``musictagger ARGUMENTS`` in a process of its own (this test's user dirs, from the project root), its output
    piped as text.

    SIGINT is reset to its default in the child: a test run started in the background (``make test &``, nohup)
    inherits SIGINT *ignored*, and Python then never raises KeyboardInterrupt, unlike a user's terminal, which is what
    a Ctrl-C test stands for.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "musictagger", *arguments],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

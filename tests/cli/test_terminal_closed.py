"""The terminal a command runs in closing under it (its window closed, an SSH connection lost, the session ending):
the kernel sends SIGHUP, and the terminal takes no more output.  A real process on a pseudo-terminal of its own, its
controlling terminal, which the test closes as a terminal emulator does."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile as sf

from musictagger.interrupts import INTERRUPTED_STATUS, stop_as_ctrl_c, stopped_status, stopping_as_ctrl_c
from musictagger.userdirs import cache_dir
from tests.audio.signals import piece, write
from tests.library.test_interrupt_and_concurrency import rows_stored

COMMAND = [sys.executable, "-m", "musictagger"]
pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals (POSIX)")


def closed_under_it(argv: list[str], until: Callable[[bytes], bool], timeout_s: float = 60.0) -> tuple[bytes, int]:
    """Run ``musictagger ARGV`` on a terminal of its own, close the terminal once ``until(what it printed)`` holds,
    and wait for it to end: what it printed, and its exit status."""
    master, slave = os.openpty()
    terminal = os.ttyname(slave)

    def on_its_terminal() -> None:
        os.setsid()
        os.close(os.open(terminal, os.O_RDWR))  # a session leader's first terminal opened becomes its controlling one
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in a user's terminal, even if the tests run under nohup
        signal.signal(signal.SIGHUP, signal.SIG_DFL)

    process = subprocess.Popen(COMMAND + argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=on_its_terminal)
    os.close(slave)
    printed, deadline = b"", time.monotonic() + timeout_s
    try:
        while not until(printed) and process.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.05)[0]:
                printed += os.read(master, 65536)
    finally:
        os.close(master)  # the terminal closes: SIGHUP to the command, and no more output
    try:
        return printed, process.wait(timeout=timeout_s)
    finally:
        process.kill()


def test_closing_the_terminal_of_listen_save_saves_what_was_heard(tmp_path: Path) -> None:
    """``listen --save heard.wav`` is ended with Ctrl-C, or by closing its terminal window; SIGHUP ended it on the
    spot, so heard.wav was never written and the recording stayed in the cache, its header unfinished.  It stops as
    Ctrl-C stops it: heard.wav saved (exit status 0), nothing left in the cache, and no traceback for the closed
    terminal's sake (a later write to it fails)."""
    track = write(tmp_path / "one.wav", piece(0, sr=16000, seconds=30.0), 16000, "wav-pcm16")
    heard = tmp_path / "heard.wav"
    argv = ["listen", "--file", str(track), "--start-after", "0.5", "--interval", "0.5", "--save", str(heard)]

    printed, status = closed_under_it(argv, lambda printed: b"listening" in printed)

    assert b"listening" in printed
    assert status == 0
    assert sf.info(heard).frames > 0  # a whole WAV file, its header finished
    assert list((cache_dir() / "recordings").iterdir()) == []


def test_index_whose_terminal_closes_stops_keeping_what_it_analysed(tmp_path: Path) -> None:
    """SIGHUP ended ``index`` on the spot, its workers too (a terminal hangs up all the processes of the command it
    runs).  It stops as Ctrl-C stops it, its workers stopped by it, keeping what it analysed, with the status a shell
    gives a program SIGHUP ends, 129 (it said 130, Ctrl-C's)."""
    (tmp_path / "Music").mkdir()
    for i in range(8):
        write(tmp_path / "Music" / f"{i:02d}.wav", piece(i, sr=16000, seconds=20.0), 16000, "wav-pcm16")

    _printed, status = closed_under_it(
        ["index", "--workers", "1", str(tmp_path / "Music")], lambda _: rows_stored() > 0
    )

    assert status == 129
    assert 0 < rows_stored() < 8


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
def test_a_second_hang_up_while_the_command_stops_stops_nothing_more() -> None:
    """A closing terminal hangs up the command, and its shell passes the hang-up on to its jobs: two SIGHUPs.  Taken
    as a second Ctrl-C, the second cut ``index``'s shutdown of its workers short (its hold on Ctrl-C and SIGTERM
    meanwhile does not cover SIGHUP), and the command hung after its last line, for good.  Once the command stops,
    a hang-up stops nothing more."""
    previous = signal.signal(signal.SIGHUP, stop_as_ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGHUP)
        try:
            signal.raise_signal(signal.SIGHUP)  # while the command stops
        except KeyboardInterrupt:
            pytest.fail("the second hang-up stopped the command again")
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_hang_up_after_ctrl_c_keeps_ctrl_cs_exit_status() -> None:
    """Ctrl-C, then the terminal closing while the command stops (or a SIGTERM meanwhile): the status said the
    terminal had closed (129), since Python's own Ctrl-C handler noted nothing and the hang-up was the first stop
    noted."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGHUP)}
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a user's terminal, even under nohup or in '&'
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        with stopping_as_ctrl_c():
            with pytest.raises(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
            with contextlib.suppress(KeyboardInterrupt):
                signal.raise_signal(signal.SIGHUP)  # while the command stops
            assert stopped_status() == INTERRUPTED_STATUS
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

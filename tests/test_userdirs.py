"""User state written atomically (:func:`musictagger.userdirs.write_atomically`): a write stopped mid-way by Ctrl-C or
SIGTERM leaves the file as it was and nothing beside it."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

from musictagger.atomic_write import temporary_path
from musictagger.interrupts import stop_as_ctrl_c
from musictagger.userdirs import write_atomically

Handler = Callable[[int, FrameType | None], None]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
@pytest.mark.parametrize(
    ("signum", "handler"),
    [(signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, stop_as_ctrl_c)],
    ids=["ctrl-c", "sigterm"],
)
def test_a_write_stopped_mid_way_leaves_the_file_as_it_was_and_no_temporary_file(
    tmp_path: Path, signum: int, handler: Handler
) -> None:
    """Stopped while it wrote (a personal model saved by ``learn``, a setting), the write left its temporary file, cut
    short, beside the file: it cleaned up after a failed write (a full disk) alone.  The temporary file here is a
    named pipe that a reader drains a byte of and then holds, so that the write is stopped surely mid-way, as the
    command is (the signal sent to the main thread, where Python raises KeyboardInterrupt)."""
    setting = tmp_path / "settings.json"
    setting.write_bytes(b"old")
    temporary = temporary_path(setting)
    os.mkfifo(temporary)
    main_thread, stopped = threading.get_ident(), threading.Event()

    def read_a_byte_then_stop_the_writer() -> None:
        with open(temporary, "rb") as pipe:
            pipe.read(1)
            signal.pthread_kill(main_thread, signum)
            stopped.wait(30)

    reader = threading.Thread(target=read_a_byte_then_stop_the_writer)
    previous = signal.signal(signum, handler)
    try:
        reader.start()
        with pytest.raises(KeyboardInterrupt):
            write_atomically((setting, b"x" * (4 << 20)))  # more than a pipe holds: the write waits for the reader
    finally:
        stopped.set()
        reader.join(30)
        signal.signal(signum, previous)

    assert setting.read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["settings.json"]

"""Files written whole (:mod:`musictagger.atomic_write`): replaced only once written, and, stopped mid-way, left as
they were with nothing beside them."""

from __future__ import annotations

import dataclasses
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger import csv_file
from musictagger.atomic_write import replacing
from musictagger.model.manifest import load_manifest
from tests.model.variants import first_model
from tests.stops import names_in, stopped_before_renaming_into


def test_a_file_replaced_keeps_its_permissions_and_a_link_to_it_stays_a_link(tmp_path: Path) -> None:
    """The new content replaces the file the path names, with the permissions the user gave it, as writing into it
    did (``tag --csv`` wrote into the user's file)."""
    table = tmp_path / "table.csv"
    table.write_bytes(b"old")
    table.chmod(0o600)
    (tmp_path / "link.csv").symlink_to("table.csv")
    with replacing(tmp_path / "link.csv") as temporary:
        temporary.write_bytes(b"new")
    assert table.read_bytes() == b"new" and stat.S_IMODE(table.stat().st_mode) == 0o600
    assert os.readlink(tmp_path / "link.csv") == "table.csv"
    assert names_in(tmp_path) == ["link.csv", "table.csv"]


def test_a_write_stopped_in_its_block_leaves_the_file_as_it_was_and_nothing_beside_it(tmp_path: Path) -> None:
    """A CSV file (``tag --csv``, the experiments' tables) whose rows are stopped after the first was written straight
    into the user's file, which was left cut short: the header and one row."""
    table = tmp_path / "table.csv"
    table.write_bytes(b"the user's own table\r\n")

    def rows_stopped_after_the_first() -> Iterator[list[str]]:
        yield ["a", "1"]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        csv_file.write_csv(table, ["name", "value"], rows_stopped_after_the_first())
    assert table.read_bytes() == b"the user's own table\r\n"
    assert names_in(tmp_path) == ["table.csv"]


def test_a_model_sidecar_whose_save_is_stopped_is_as_it_was(tmp_path: Path) -> None:
    """``ModelManifest.save`` (``export``, ``streamline``, ``evaluate --record``, ``quantize``) stopped once the new
    sidecar was written beside the old left its ``.json.partial`` file there."""
    manifest = load_manifest(first_model(), verify_digest=False)
    sidecar = tmp_path / "m.json"
    manifest.save(sidecar)
    before = sidecar.read_bytes()
    with stopped_before_renaming_into(sidecar), pytest.raises(KeyboardInterrupt):
        dataclasses.replace(manifest, name="renamed").save(sidecar)
    assert sidecar.read_bytes() == before
    assert names_in(tmp_path) == ["m.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_a_pipe_is_written_into_and_stays_a_pipe(tmp_path: Path) -> None:
    """``tag --csv /dev/stdout | column -t``, ``--csv >(…)`` or a named pipe: there is no file to replace, and the
    temporary file beside the pipe's real path (/proc/PID/fd/pipe:[N] for /dev/stdout) could not even be made, so the
    preview was refused; a named pipe was replaced by a file."""
    pipe = tmp_path / "preview.csv"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    csv_file.write_csv(pipe, ["file", "genre"], [["a.flac", "Électro"]])
    reader.join(timeout=10)
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and names_in(tmp_path) == ["preview.csv"]
    assert received == ["\ufefffile,genre\r\na.flac,Électro\r\n".encode()]


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="needs /dev/fd")
def test_a_descriptor_redirected_into_a_file_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``tag --csv /dev/stdout > plan.txt``: the shell's file holds the command's other output too (the preview
    before the CSV, the summary after); replaced by a new file, whatever came after went to the unlinked old one."""
    plan = tmp_path / "plan.txt"
    with plan.open("wb") as shells_file:
        inode = plan.stat().st_ino
        csv_file.write_csv(Path(f"/dev/fd/{shells_file.fileno()}"), ["file"], [["a.flac"]])
        os.write(shells_file.fileno(), b"summary\n")  # the command's last line, after the CSV
    assert plan.stat().st_ino == inode and names_in(tmp_path) == ["plan.txt"]
    assert plan.read_bytes().endswith(b"summary\n")

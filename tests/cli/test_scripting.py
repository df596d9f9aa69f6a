"""The command line driven as a script drives it: an argument left empty by an unset variable, output whose reader
goes away (``| head -1``), and the exit statuses every command's help states.  Real processes where the behaviour is the process's (pipes, signals)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.library import Library
from tests.audio.signals import piece, write

COMMAND = [sys.executable, "-m", "musictagger"]


def song(path: Path, seconds: float = 1.5) -> Path:
    """A short generated piece, written as a WAV file."""
    return write(path, piece(0, sr=16000, seconds=seconds), 16000, "wav-pcm16")


@pytest.mark.parametrize("argv", [["analyze", ""], ["index", ""], ["index", "--forget", ""], ["tag", "--dry-run", ""]])
def test_an_empty_argument_is_no_file_and_not_the_working_folder(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``musictagger index "$DIR"`` with DIR unset indexed the folder the script ran in into the library (Path("")
    is "."), ``index --forget ""`` forgot that folder with its tracks, and ``analyze ""`` analysed every file in
    it.  An empty argument is a usage error now, and nothing is done."""
    song(tmp_path / "a.wav")
    monkeypatch.chdir(tmp_path)
    with Library() as library:
        library.add_roots([tmp_path])

    with pytest.raises(SystemExit) as exit:
        main(argv)

    captured = capsys.readouterr()
    assert exit.value.code == 2
    assert "an empty argument names no file or folder" in captured.err
    assert "a.wav" not in captured.out
    with Library() as library:
        assert library.roots() == [tmp_path]
        assert library.counts().total == 0


def test_a_reader_gone_ends_the_command_with_sigpipes_status_and_no_message(tmp_path: Path) -> None:
    """``musictagger analyze --json … | head -1`` ended with status 1, which says that files failed; a program
    that the closed pipe stops has 141 (128 + SIGPIPE), as ``cat`` or ``grep`` so stopped have under ``pipefail``."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        process = subprocess.run(
            [*COMMAND, "analyze", "--json", str(song(tmp_path / "a.wav"))], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)

    assert (process.returncode, process.stderr) == (141, b"")


@pytest.mark.parametrize("command", [[], ["analyze"], ["index"], ["similar"], ["models"], ["learn"]])
def test_every_commands_help_ends_with_the_exit_statuses(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing said what a script may read from the exit status: the rule was spread over the README's prose, and
    ``--help`` said nothing of it.  Every command's help now ends with it."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])

    statuses = " ".join(capsys.readouterr().out.split("exit status:")[1].split())
    for status in ("0 all done", "1 not all done", "2 a usage error", "130 stopped by Ctrl-C or SIGTERM", "141"):
        assert status in statuses

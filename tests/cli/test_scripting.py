"""The command line driven as a script drives it: an argument left empty by an unset variable, output whose reader
goes away (``| head -1``), SIGTERM in the middle of a batch whose JSON Lines a slow reader takes, and the exit
statuses every command's help states.  Real processes where the behaviour is the process's (pipes, signals)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.library import Library
from tests.audio.signals import piece, write
from tests.processes import HAS_PROC

COMMAND = [sys.executable, "-m", "musictagger"]
F_SETPIPE_SZ = 1031
"""fcntl's command that sets a pipe's capacity (Linux)."""


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


def sigterm_while_waiting_for_a_slow_reader(arguments: list[str]) -> tuple[bytes, str, int]:
    """Run the command, its standard output a one-page pipe read by nobody until the command waits in its write
    (Python unbuffered, as containers often set it), then SIGTERM it and read everything: its output, standard error
    and exit status."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([*COMMAND, *arguments], stdout=write_end, stderr=subprocess.PIPE, env=environment)
    os.close(write_end)
    try:
        while not Path(f"/proc/{process.pid}/wchan").read_text().endswith("pipe_write"):
            assert process.poll() is None, "the command ended before its output filled the pipe"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        with os.fdopen(read_end, "rb") as reader:
            output = reader.read()
        error = process.stderr.read().decode() if process.stderr else ""
    finally:
        process.kill()
        process.wait()
    return output, error, process.returncode


@pytest.mark.skipif(not HAS_PROC, reason="needs /proc to see the command wait in its write")
def test_sigterm_while_a_slow_reader_holds_the_json_lines_up_cuts_no_line_and_says_how_far_it_went(
    tmp_path: Path,
) -> None:
    """A batch stopped by SIGTERM while its output waited for a slow reader (a pipe full) left its last JSON line
    without its end, a damaged record for a script reading JSON Lines (PYTHONUNBUFFERED, which containers often
    set, has Python write a line and its break apart), and said only 'interrupted'.  The line is finished, and the
    command says how many files it did, how many failed and how many it did not reach."""
    first = song(tmp_path / "00.wav")
    files = [first] + [tmp_path / f"{i:02d}.wav" for i in range(1, 12)]
    for path in files[1:]:
        os.link(first, path)
    output, error, status = sigterm_while_waiting_for_a_slow_reader(
        ["analyze", "--json", "--windows", "1", *map(str, files)]
    )

    lines = output.decode().split("\n")
    assert lines[-1] == ""  # the last line ends
    done = len(lines) - 1
    assert [json.loads(line)["file"] for line in lines[:-1]] == [str(path) for path in files[:done]]
    assert status == 143  # 128 + SIGTERM, as a shell gives a program SIGTERM ends (it said 130, Ctrl-C's)
    assert error == f"interrupted: {done} of {len(files)} files done (0 failed), {len(files) - done} not analysed\n"


@pytest.mark.skipif(not HAS_PROC, reason="needs /proc to see the command wait in its write")
def test_index_json_stopped_while_a_slow_reader_takes_its_summary_gives_the_whole_document(tmp_path: Path) -> None:
    """SIGTERM while ``index --json``'s summary (here long: 60 files that are not audio) waited for a slow reader cut
    the document short, JSON a script cannot read.  It goes out whole, then the command stops as interrupted."""
    music = tmp_path / "Music"
    music.mkdir()
    for i in range(60):
        (music / f"not audio, a text file of a long name, number {i:02d}.wav").write_text("notes")
    output, _error, status = sigterm_while_waiting_for_a_slow_reader(["index", "--json", "--workers", "1", str(music)])

    assert len(json.loads(output)["failed"]) == 60
    assert status == 143


@pytest.mark.parametrize("command", [[], ["analyze"], ["index"], ["similar"], ["models"], ["learn"]])
def test_every_commands_help_ends_with_the_exit_statuses(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing said what a script may read from the exit status: the rule was spread over the README's prose, and
    ``--help`` said nothing of it.  Every command's help now ends with it."""
    with pytest.raises(SystemExit):
        main([*command, "--help"])

    statuses = " ".join(capsys.readouterr().out.split("exit status:")[1].split())
    for status in (
        "0 all done",
        "1 not all done",
        "2 a usage error",
        "130 stopped by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP (its terminal closed)",
        "141",
    ):
        assert status in statuses


def test_the_command_alone_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """``musictagger`` with no command printed 'the following arguments are required: COMMAND' and the one-line
    usage, which names no command: a new user learnt nothing of what to type (found by the fresh-install walk)."""
    assert main([]) == 2

    listing = capsys.readouterr().err
    for command in ("analyze", "index", "similar", "tag", "undo", "learn", "models", "listen"):
        assert f"\n    {command}" in listing


def test_a_locale_without_a_character_printed_gets_a_question_mark_and_a_name_its_own_bytes(tmp_path: Path) -> None:
    """In a locale whose encoding lacks a character a message holds (en_US.ISO-8859-1 and the ``…`` or ``–`` of the
    command's prose, or a name in Japanese), the message ended the command in "lost sys.stderr" (status 1) instead
    of being printed.  The character is printed as ``?``; a name that is not UTF-8 is still written as its bytes."""
    latin = os.fsdecode(b"caf\xe9.wav")
    environment = {**os.environ, "PYTHONIOENCODING": "latin-1"}  # what such a locale gives Python's output

    process = subprocess.run(
        [*COMMAND, "analyze", "a…b.wav", latin], cwd=tmp_path, capture_output=True, env=environment
    )

    assert process.returncode == 1
    assert process.stderr.splitlines() == [
        b"error: a?b.wav: no such file",
        b"error: caf\xe9.wav: no such file",
        b"2 of 2 files could not be analysed",
    ]


def test_analyze_takes_its_files_from_a_list_on_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A script handing analyze the output of ``find … -print0`` (or a list file) had only ``xargs``, which starts
    the command again for each 128 KiB of names and loses its summary and exit status in its own 123.  Files and
    folders now come from ``--files-from`` too (``-``: standard input), one a line or NUL-separated, a name that
    is not UTF-8 as its bytes; an empty list is nothing to do, not a mistake."""
    named = song(tmp_path / "named.wav")
    listed = song(tmp_path / "cafe.wav").rename(tmp_path / os.fsdecode(b"caf\xe9.wav"))  # soundfile takes UTF-8
    folder = tmp_path / "Album"
    folder.mkdir()
    in_folder = song(folder / "01.wav")
    listing = b"\0".join(os.fsencode(path) for path in (listed, folder)) + b"\0"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(listing)))

    assert main(["analyze", "--json", "--windows", "1", str(named), "--files-from", "-"]) == 0

    assert [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()] == [
        str(named),
        str(listed),
        str(in_folder),
    ]
    (tmp_path / "nothing new.txt").write_bytes(b"")
    assert main(["analyze", "--files-from", str(tmp_path / "nothing new.txt")]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a disk always full")
@pytest.mark.parametrize(
    "command", [["analyze", "--json"], ["index", "--status"], ["models"], ["--version"], ["analyze", "--help"]]
)
def test_output_to_a_full_disk_is_an_error_saying_so(command: list[str], tmp_path: Path) -> None:
    """``musictagger analyze --json … > results.jsonl`` on a full disk ended in a traceback (OSError: No space left
    on device), as did ``index --status`` or ``models`` so redirected; with no output at all (``>&-``) every command
    ended in an AttributeError.  The first says what went wrong, status 1; the second drops the output, as Python's
    print does.  ``--version`` and ``--help`` so redirected printed nothing and exited 0 (argparse passes over a
    write that fails), so ``musictagger --version > version.txt`` left an empty file as if all was done."""
    argv = [*COMMAND, *command, *([str(song(tmp_path / "a.wav"))] if command[0] == "analyze" else [])]
    with open("/dev/full", "wb") as full:
        process = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE)
    closed = subprocess.run(argv, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))

    assert (process.returncode, process.stderr) == (
        1,
        b"error: the output cannot be written (No space left on device)\n",
    )
    assert (closed.returncode, closed.stderr) == (0, b"")

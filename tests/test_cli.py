"""The ``musictagger`` entry point: output cut short by ``| head``, folders given to ``analyze``; and the
decoder's notes about damaged MP3 frames, in real processes where the behaviour is the process's."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from musictagger.audio import frontend
from musictagger.cli.lines import path_line, wrap
from musictagger.cli.main import build_parser, main
from musictagger.cli.models import format_models
from musictagger.cli.table import clip, columns, format_table
from musictagger.library import Library
from musictagger.model.runtime import chosen_model_file
from musictagger.personal.store import PersonalModelInfo
from musictagger.userdirs import library_db_path
from tests.audio.signals import music, tone, write
from tests.conftest import PROJECT_ROOT
from tests.library.conftest import write_track
from tests.tagging.media import pretag

MPG123_NOTE = "Illegal Audio-MPEG-Header"
DECODE = ["-c", "import sys; from musictagger.audio.decode import decode; decode(sys.argv[1])"]
"""The app's whole-file decoder (training, the fallback of the readers), in a process of its own."""
ANALYSE_WINDOWS = [
    "-c",
    "import sys; from musictagger.audio.frontend import features_from_file; from musictagger.audio.params import "
    "FeatureParams; features_from_file(sys.argv[1], params=FeatureParams(), n_windows=3)",
]
"""The analysis's reader of windows, in a process of its own."""
CTRL_C_AT_IMPORT = """
import atexit, os, signal, sys
LAUNCHER = {"musictagger", "musictagger.__main__", "musictagger.cli", "musictagger.cli.entry"}
class CtrlC:
    def __init__(self, at):
        self.at = at
    def find_spec(self, name, path=None, target=None):
        if isinstance(self.at, int):
            if "musictagger" not in sys.modules or name in LAUNCHER:
                return None
            self.at -= 1
            if self.at:
                return None
        elif name != self.at:
            return None
        sys.meta_path.remove(self)
        os.kill(os.getpid(), signal.SIGINT)
sys.meta_path.insert(0, CtrlC(AT))
atexit.register(lambda: print(*(m for m in ("musictagger.cli.main", "musictagger.gui.app") if m in sys.modules)))
"""
"""Python code that presses Ctrl-C (a real SIGINT) when the process first imports the module named ``AT``, or,
``AT`` a number, at the AT-th import of a module that the program's own code makes (the launcher's lookup of the
package and of its entry module aside), and at exit prints which of the command's and the window's main modules
it imported.  ``AT`` is given before it."""


def ctrl_c_at_import(at: str | int, start: str) -> subprocess.CompletedProcess[str]:
    """A program started by ``start`` with ``--version``, Ctrl-C pressed at ``at`` (:data:`CTRL_C_AT_IMPORT`)."""
    return subprocess.run(
        [sys.executable, "-c", f"AT = {at!r}\n" + CTRL_C_AT_IMPORT + start, "--version"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's, even under nohup
    )


def entry_points() -> list[tuple[str, str]]:
    """Python code that starts each program as the installed scripts and ``python -m musictagger`` do, and the
    main module of the program it starts."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    scripts = [(target, "musictagger.cli.main") for target in project["scripts"].values()]
    scripts += [(target, "musictagger.gui.app") for target in project["gui-scripts"].values()]
    starts = []
    for target, main_module in scripts:
        module, name = target.split(":")
        starts.append((f"from {module} import {name}; sys.exit({name}())", main_module))
    return [*starts, ("import runpy; runpy.run_module('musictagger', run_name='__main__')", "musictagger.cli.main")]


@pytest.mark.parametrize(("start", "main_module"), entry_points())
def test_ctrl_c_while_a_program_still_imports_its_modules_ends_it_quietly(start: str, main_module: str) -> None:
    """A Ctrl-C in the first ~0.3 s (``timeout -s INT 0.25 musictagger index``) printed a traceback of the
    imports it cut short, before the command's own handler was there; a C extension's initialiser cut short
    even turns it into an ImportError (onnxruntime) or the process's abort (shiboken). The imports now end
    (the main module is loaded), and then the Ctrl-C ends the program."""
    process = ctrl_c_at_import("numpy", start)

    assert (process.returncode, process.stderr, process.stdout) == (130, "interrupted\n", main_module + "\n")


@pytest.mark.parametrize("at", [1, 2, 3, 4])
def test_ctrl_c_at_the_first_imports_of_the_programs_own_code_ends_it_quietly(at: int) -> None:
    """A Ctrl-C in a command's first ~25 ms (``timeout -s INT 0.015 musictagger index --status``) printed a
    traceback of the imports the package and its entry module made before they held Ctrl-C back: typing (and
    its own) in ``musictagger/__init__.py``, then musictagger.interrupts.  The package imports nothing now, and
    the entry module holds Ctrl-C back from its first statement, before its first import.  Pressed at imports,
    not at instants: a Ctrl-C in Python's own start (its site import) still prints a traceback, out of reach."""
    command_start = entry_points()[0][0]

    process = ctrl_c_at_import(at, command_start)

    assert (process.returncode, process.stderr, process.stdout) == (130, "interrupted\n", "musictagger.cli.main\n")


CTRL_C_MASHED = """
import sys, time
from musictagger.cli.entry import _started
def main():
    print("ready", flush=True)
    time.sleep(60)
    return 0
sys.exit(_started(lambda: main))
"""
"""A program started as the entry points start theirs, whose ``main`` says it runs and then waits for Ctrl-C."""


def test_ctrl_c_pressed_again_and_again_as_a_program_ends_leaves_its_status_130() -> None:
    """Ctrl-C pressed twice as ``index`` ended (its second 0.2 s after the first, on a loaded machine) killed it by
    SIGINT, status -2 to its parent, where it had said ``interrupted`` and was leaving with 130: Python puts back
    SIGINT's default action as it shuts down.  Once the program's status is decided, Ctrl-C is ignored.  Pressed
    every millisecond from the time ``main`` runs until the process is gone."""
    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_MASHED],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's, even under nohup
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    while process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        time.sleep(0.001)
    _, stderr = process.communicate()

    assert (process.returncode, stderr) == (130, "interrupted\n")


def test_analyze_walks_a_folder_as_index_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "Music"
    for sub in ("a", "b"):
        (folder / sub).mkdir(parents=True)
    songs = [
        write(folder / "a" / "one.flac", music(sr=22050, seconds=4.0), 22050, "flac"),
        write(folder / "b" / "two.wav", tone(440.0, sr=22050, seconds=4.0), 22050, "wav-pcm16"),
    ]
    (folder / "cover.jpg").write_bytes(b"\xff\xd8 not audio")
    (folder / ".hidden.wav").write_bytes(b"not even a hidden song")

    assert main(["analyze", "--json", str(folder)]) == 0

    out = capsys.readouterr().out
    assert [json.loads(line)["file"] for line in out.splitlines()] == [str(song) for song in songs]


def test_analyze_analyses_each_file_once_however_many_folders_reach_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each folder was walked on its own: a file that a link in one folder and another folder given both reach
    (a link back to the music's top, a folder given inside another) was analysed once for each, three times
    here. Index lists each physical file once, and analyze walks as index does."""
    folder = tmp_path / "Music"
    (folder / "Rock").mkdir(parents=True)
    (folder / "Downloads").mkdir()
    song = write(folder / "Rock" / "song.flac", music(sr=22050, seconds=4.0), 22050, "flac")
    (folder / "Downloads" / "all music").symlink_to(folder)

    assert main(["analyze", "--json", str(folder / "Downloads"), str(folder / "Rock"), str(folder)]) == 0

    out = capsys.readouterr().out
    assert [json.loads(line)["file"] for line in out.splitlines()] == [
        str(folder / "Downloads" / "all music" / "Rock" / song.name)
    ]


def damaged_mp3(path: Path) -> Path:
    """An 8 s MP3 with three runs of 400 random bytes in the middle of its frames."""
    write(path, music(sr=44100, seconds=8.0, seed=1), 44100, "mp3")
    data = bytearray(path.read_bytes())
    noise = np.random.default_rng(0).integers(0, 256, 400, dtype=np.uint8).tobytes()
    for fraction in (0.3, 0.5, 0.7):
        start = int(len(data) * fraction)
        data[start : start + 400] = noise
    path.write_bytes(bytes(data))
    return path


def stderr_of(arguments: list[str], *more: str) -> str:
    """What a Python process writes to file descriptor 2 (where C libraries print)."""
    return subprocess.run([sys.executable, *arguments, *more], cwd=PROJECT_ROOT, capture_output=True, text=True).stderr


def test_damaged_mp3_frames_are_decoded_without_libmpg123_notes(tmp_path: Path) -> None:
    mp3 = damaged_mp3(tmp_path / "damaged.mp3")
    # The damage is of the kind libmpg123 (libsndfile's MP3 decoder) prints a note for …
    assert MPG123_NOTE in stderr_of(["-c", "import sys, soundfile; soundfile.read(sys.argv[1])"], str(mp3))

    # … and the app's decoder and window reader read it with FFmpeg, quietly.
    assert MPG123_NOTE not in stderr_of(DECODE, str(mp3))
    assert MPG123_NOTE not in stderr_of(ANALYSE_WINDOWS, str(mp3))


def test_an_mp3_named_wav_is_decoded_without_libmpg123_notes(tmp_path: Path) -> None:
    misnamed = tmp_path / "really-an-mp3.wav"
    misnamed.write_bytes(damaged_mp3(tmp_path / "damaged.mp3").read_bytes())

    assert MPG123_NOTE not in stderr_of(DECODE, str(misnamed))
    assert MPG123_NOTE not in stderr_of(ANALYSE_WINDOWS, str(misnamed))


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["analyze", "-k", "0", "song.wav"], "argument -k/--top: must be at least 1, got 0"),
        (["analyze", "--windows", "-1", "song.wav"], "argument --windows: must be at least 1, got -1"),
        (["index", "--workers", "two"], "argument --workers: 'two' is not a whole number"),
        (["similar", "-k", "0", "song.wav"], "argument -k: must be at least 1, got 0"),
        (["tag", "--min-confidence", "1.5", "."], "argument --min-confidence: must be between 0 and 1, got 1.5"),
        # evaluate analysed every track first, then said 'n_resamples must be at least 1' (…), exit status 1
        (["evaluate", "--bootstrap", "0", "data"], "argument --bootstrap: must be at least 1, got 0"),
        (
            ["evaluate", "--non-music-per-kind", "-1", "data"],
            "argument --non-music-per-kind: must be at least 0, got -1",
        ),
        (["evaluate", "--tag-threshold", "nan", "data"], "argument --tag-threshold: must be between 0 and 1, got nan"),
    ],
)
def test_counts_and_thresholds_out_of_range_are_refused_as_they_are_read(
    arguments: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(arguments)

    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_quantize_refuses_a_reports_folder_that_is_a_file_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """quantize wrote the twin and recorded its agreement in the sidecar, then met --reports naming a file: a
    traceback (FileExistsError), the report never written."""
    (tmp_path / "reports.md").write_text("a file")
    model = tmp_path / "model.onnx"  # none: the refusal comes first
    assert main(["quantize", str(model), str(tmp_path), "--remeasure", "--reports", str(tmp_path / "reports.md")]) == 1
    said = " ".join(capsys.readouterr().err.split())
    # a path too long for a line has one of its own, without the ':' after it
    assert re.search(f"error: {re.escape(str(tmp_path))}/reports.md:? is a file, not a folder for the reports", said)


def test_analyze_reports_a_folder_without_audio_and_gives_failures_their_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("no music here")
    song = write(tmp_path / "song.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16")
    fake = tmp_path / "fake.mp3"
    fake.write_text("not audio")

    assert main(["analyze", "--json", str(empty), str(song), str(fake)]) == 1

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [(line["file"], line["verdict"]) for line in lines] == [
        (str(empty), "error"),  # the folder has its line too: a script reading the lines sees every path
        (str(song), lines[1]["verdict"]),
        (str(fake), "error"),
    ]
    assert lines[0]["error"] == f"{empty}: no audio files in this folder"  # as a file's: "<file>: <reason>"
    assert lines[1]["verdict"] in {"genre", "unknown"}
    assert lines[2]["error"].startswith(str(fake))
    assert path_line("error", empty, "no audio files in this folder") in captured.err
    assert "1 of 2 files could not be analysed" in captured.err
    assert "1 other path was not analysed (listed above)" in captured.err


def test_a_bug_met_on_one_file_is_that_files_error_and_the_others_are_analysed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception no check raises on purpose (a bug; planted here in the reader, for one file) is that file's
    error line, its traceback logged for the bug report, and the files after it are analysed."""
    songs = [write(tmp_path / f"{name}.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16") for name in "ab"]
    real_open_reader = frontend.open_reader

    def open_reader_with_a_bug(path: str | Path) -> contextlib.AbstractContextManager:
        if Path(path) == songs[0]:
            raise AttributeError("'NoneType' object has no attribute 'rate'")
        return real_open_reader(path)

    monkeypatch.setattr(frontend, "open_reader", open_reader_with_a_bug)
    assert main(["analyze", "--json", *map(str, songs)]) == 1

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    reason = "an error inside musictagger (AttributeError: 'NoneType' object has no attribute 'rate'), a bug: please report it"
    assert lines[0] == {"file": str(songs[0]), "verdict": "error", "error": f"{songs[0]}: {reason}"}
    assert lines[1]["file"] == str(songs[1]) and lines[1]["verdict"] in {"genre", "unknown"}
    assert "1 of 2 files could not be analysed" in captured.err
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [AttributeError]


def test_a_broken_link_is_called_so_once_however_it_is_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken link in a folder that a link in another folder given reaches too was reported by both paths,
    and named on the command line it was "no such file", where a folder's and index's say "broken link"."""
    music = tmp_path / "Music"
    (music / "Downloads").mkdir(parents=True)
    (music / "dead.mp3").symlink_to(tmp_path / "gone" / "x.mp3")
    (music / "Downloads" / "all music").symlink_to(music)

    assert main(["analyze", "--json", str(music / "Downloads"), str(music), str(music / "dead.mp3")]) == 1

    captured = capsys.readouterr()
    reached = music / "Downloads" / "all music" / "dead.mp3"  # the first path to it
    assert [json.loads(line)["error"] for line in captured.out.splitlines()] == [f"{reached}: broken link"]
    assert (
        captured.err == path_line("error", reached, "broken link") + "\n1 other path was not analysed (listed above)\n"
    )

    assert main(["index", str(music / "dead.mp3")]) == 1
    assert capsys.readouterr().err == path_line("error", music / "dead.mp3", "broken link") + "\n"


def test_a_line_break_in_a_file_name_keeps_each_message_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write(tmp_path / "new\nline.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16")
    missing = tmp_path / "no\nsuch.mp3"

    assert main(["analyze", str(song), str(missing)]) == 1

    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == str(song).replace("\n", "\\n")
    assert path_line("error", f"{tmp_path}/no\\nsuch.mp3", "no such file") + "\n" in captured.err


def test_progress_bars_stay_out_of_a_log(tmp_path: Path) -> None:
    """``tag … 2>log``: the log gets the command's messages, not a progress bar's frames."""
    (tmp_path / "music").mkdir()
    write(tmp_path / "music" / "song.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16")
    result = subprocess.run(
        [sys.executable, "-m", "musictagger", "tag", str(tmp_path / "music"), "--dry-run"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was written" in result.stdout
    assert "analysing" not in result.stderr and "\r" not in result.stderr, result.stderr


def unprivileged(command: list[str]) -> list[str]:
    """``command`` without root's power to read any folder (the tests may run as root), as a user runs it."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv, which drops root's power to read any folder")
    drop = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", "--", *command]


@pytest.mark.parametrize("command", [["analyze"], ["index"], ["tag", "--dry-run"]])
def test_a_file_in_a_folder_that_cannot_be_read_is_an_error_naming_it_and_the_batch_goes_on(
    tmp_path: Path, command: list[str]
) -> None:
    for folder in ("open", "locked"):
        (tmp_path / folder).mkdir()
    readable = write(tmp_path / "open" / "ok.wav", music(sr=16000, seconds=3.0), 16000, "wav-pcm16")
    locked = write(tmp_path / "locked" / "inside.wav", music(sr=16000, seconds=3.0), 16000, "wav-pcm16")
    locked.parent.chmod(0)
    try:
        process = subprocess.run(
            unprivileged([sys.executable, "-m", "musictagger", *command, str(readable), str(locked)]),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        locked.parent.chmod(0o755)
    assert path_line("error", locked, "cannot be read (Permission denied)") in process.stderr
    assert "Traceback" not in process.stderr
    assert process.returncode == 1
    assert "ok.wav" in process.stdout or "1 analysed" in process.stdout  # the readable file was not given up


def test_a_command_of_the_train_extra_says_so_when_it_is_not_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain install has the app's dependencies only: evaluate did all its work, then ended in a
    ModuleNotFoundError traceback from its plots (the README audit)."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else find_spec(name, *a)
    )

    assert main(["evaluate", str(tmp_path)]) == 2

    assert capsys.readouterr().err == wrap(
        "error: `musictagger evaluate` needs the 'train' extra, which is not installed (matplotlib missing): "
        "pip install 'musictagger[train]' --extra-index-url https://download.pytorch.org/whl/cpu (from a checkout: "
        "make .venv/.dev)\n"
    )


def test_analyse_spelt_the_british_way_is_analyze(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every help text says "analyse"; the command was refused as an invalid choice (the README audit)."""
    song = write(tmp_path / "song.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16")
    assert main(["analyse", "--json", str(song)]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == str(song)


def test_tables_align_their_columns_under_names_in_wide_characters() -> None:
    """A terminal gives a Japanese or Chinese character two columns and a combining accent none: columns
    sized by characters were 4 columns short after `トラック.wma` and 1 too wide after a decomposed `é`."""
    rows = [("トラック.wma", "/a"), ("Homoge\u0301nic", "/b"), ("abc", "/c")]  # 12, 9 and 3 columns wide

    assert format_table(("track", "path"), rows).splitlines() == [
        "track" + " " * 9 + "path",
        "トラック.wma  /a",
        "Homoge\u0301nic" + " " * 5 + "/b",
        "abc" + " " * 11 + "/c",
    ]


def test_cells_are_cut_by_the_terminal_columns_they_take() -> None:
    """Cut at 40 characters, a Japanese name took 80 columns; a decomposed accent lost its letter's accent."""
    assert clip("日本語のアルバム" * 6, 40) == "日本語のアルバム" * 2 + "日本語…"  # 38 columns and the ellipsis
    assert clip("e\u0301" * 12, 10) == "e\u0301" * 9 + "…"
    assert clip("トラック.wma", 12) == "トラック.wma"


def test_the_model_list_fits_80_columns_and_names_the_shipped_model_outside_its_labels() -> None:
    """It was 91 columns with the shipped model alone: its labels cell held the model's name and a hint,
    padded, and the accuracy and day came after it."""
    mine = PersonalModelInfo(
        name="my-genres-2025",
        field="genre",
        labels=("Ambient", "Hip-Hop", "Drum & Bass", "Jazz " + "x" * 300),
        counts={},
        accuracy=0.875,
        macro_f1=0.8,
        base_model_id="",
        created="2025-12-05T21:33:00+00:00",
        active=True,
    )

    lines = format_models([mine], None).splitlines()

    assert max(columns(line) for line in lines) == 80
    assert [line.split()[:5] for line in lines] == [
        ["model", "field", "accuracy", "created", "labels"],
        ["shipped", "genre", manifest_created(), f"{chosen_model_file().stem}:", "4"],
        ["*", "my-genres-2025", "genre", "0.88", "2025-12-05"],
    ]
    assert lines[2].endswith("  4 labels: Ambient, Hip-Hop, Dru…")  # cut to the 32 columns left


def manifest_created() -> str:
    return json.loads(chosen_model_file().with_suffix(".json").read_text())["created"]


def test_every_argument_has_a_help_text_that_states_its_default() -> None:
    """`evaluate --help` listed --split, DATA_DIR, --split-dir, --non-music-per-kind and --bootstrap without a
    word, or without the value taken when they are not given; so did a dozen options of train and distil."""
    (commands,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    silent = []
    for name, parser in commands.choices.items():
        for action in parser._actions:
            text = parser._get_formatter()._expand_help(action) if action.help else ""  # %(default)s filled in
            stated = "default" in text or action.default is False or action.default in (None, [], argparse.SUPPRESS)
            if not (text.strip() and stated):
                silent.append(f"{name} {'/'.join(action.option_strings) or action.metavar or action.dest}: {text!r}")

    assert silent == []


def test_prose_is_wrapped_at_80_columns_between_words_and_never_inside_a_path() -> None:
    """A message ran as wide as the paths it named (300 columns in a deep music folder), which a terminal folds
    anywhere.  It is broken between words now, its lines after the first indented two columns more; a path,
    spaces and all, is one word, and one no line can hold has a line of its own, for a user to copy whole."""
    short = "/Music/Some Band/An Album/01 Song.flac"
    long = "/home/someone/Music/The Very Long Name Of A Band/An Album Title That Goes On (Deluxe Edition)/01.flac"
    reason = "not an audio file, or damaged beyond use (Invalid data found when processing input)"

    assert path_line("  failed", short, reason).splitlines() == [
        "  failed: /Music/Some Band/An Album/01 Song.flac: not an audio file, or damaged",
        "    beyond use (Invalid data found when processing input)",
    ]
    assert path_line("error", long, reason).splitlines() == [
        "error:",
        long,  # without the ':' that joined it to the reason
        "  not an audio file, or damaged beyond use (Invalid data found when processing",
        "  input)",
    ]
    assert path_line("error", short, "no such file") == f"error: {short}: no such file"  # fits: as it is
    # The spaces within a line stay as they were (analyze's columns); a line break in a name is written as \n.
    ranked = [f"label {i} 0.0{i}" for i in range(8)]
    assert wrap("  top:    " + "  ".join(ranked), ranked, hang=10).splitlines() == [
        "  top:    label 0 0.00  label 1 0.01  label 2 0.02  label 3 0.03  label 4 0.04",
        "          label 5 0.05  label 6 0.06  label 7 0.07",
    ]
    assert path_line("error", "/a\nb.mp3", "no such file") == "error: /a\\nb.mp3: no such file"
    # Wide characters take two columns: 40 of them fill a line.
    assert wrap("日本語" * 20 + " 終わり").splitlines() == ["日本語" * 20, "  終わり"]


def test_a_number_keeps_its_unit_on_its_line_wherever_the_line_breaks() -> None:
    """A file too short to analyse read "… at least 1" at a line's end and "s is needed" on the next: a number and
    the unit or short word after it are one word now, on any message the wrapper breaks."""
    reason = "only 0.500 s of audio; at least 1 s is needed"
    prose = "at least 1 s, 12 MiB, 200 % and 3 tracks of 4 were read, by run 7: then 0:31 or so"
    for length in range(50):  # each place the break can fall
        path = "/Music/" + "a" * length + ".flac"
        said, wrapped = path_line("error", path, reason), wrap("x" * length + " " + prose)
        assert " ".join(said.split()) == f"error: {path}: {reason}"
        assert " ".join(wrapped.split()) == "x" * length + " " + prose if length else prose
        for line in (*said.splitlines(), *wrapped.splitlines()):
            assert line.split()[-1] not in ("0.500", "1", "12", "200", "3", "4", "0:31"), (line, said, wrapped)


def test_no_line_the_commands_print_is_wider_than_80_columns_but_a_path_alone(
    tmp_path: Path,
    first_model_as_default: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """index's failures and "failed earlier" line, its status, similar's heading, note and listings, analyze's
    and tag's errors and undo's lines ran past 80 columns, some to 300, in a library of long names.  Each line
    is 80 columns at most now, but a path alone on its line.  Tables keep a row a line, their path column last and
    starting within 80 columns: similar's, and tag's preview (whose file column came first)."""
    monkeypatch.chdir(tmp_path)
    album = Path("Music") / "The Very Long Name Of A Band With Many Members" / "An Album Title (Deluxe Edition)"
    songs = [
        write_track(
            tmp_path / album / f"{i:02d} - A Song Whose Title Is Quite Long Indeed, Part {i}.flac", "flac", seed=i
        )
        for i in range(3)
    ]
    broken = tmp_path / album / "99 - This File Is Not Audio At All Though Its Name Says It Is.mp3"
    broken.write_bytes(b"not audio" * 50)
    bad = Path("Music/b.mp3")  # named relatively, as a user in the folder above does: a path of 11 columns
    (tmp_path / bad).write_bytes(b"not audio" * 50)
    empty = tmp_path / "Music" / "An Empty Folder With A Rather Long Name, Kept For Later"
    empty.mkdir()
    paths = {str(p) for p in [*songs, broken, tmp_path / bad, empty, tmp_path / "Music", tmp_path / album]}
    paths.add(str(library_db_path()))  # index --status names it
    printed: list[str] = []

    def run(*arguments: object) -> int:
        """Run a command; its output's lines join ``printed``."""
        status = main([str(argument) for argument in arguments])
        captured = capsys.readouterr()
        printed.extend([*captured.out.splitlines(), *captured.err.splitlines()])
        return status

    assert run("index", tmp_path / "Music", "--workers", "1") == 1
    assert run("index", "--workers", "1") == 0  # "2 failed earlier"
    with sqlite3.connect(library_db_path()) as db:  # one track as an older model indexed it: "left out"
        db.execute("UPDATE tracks SET model_id = 'an-older-model+frontend-2' WHERE path = ?", (str(songs[2]),))
    assert run("index", "--status") == 0
    with Library() as library:
        query, failed = library.record(songs[0]).id, library.record(broken).id
    assert run("similar", query, "-k", "3") == 0
    assert run("similar", "A Song Whose") == 1  # several tracks: their ids and paths
    assert run("similar", failed) == 1  # a failed track: its path and why
    assert run("analyze", tmp_path / album, empty, bad) == 1
    assert run("tag", tmp_path / album, "--min-confidence", "0") == 1
    pretag(songs[1], genres=["Chanson"])
    assert run("undo") == 1  # "not restored: …: changed since run 1"

    wide = [line for line in printed if columns(line) > 80 and line not in paths]
    table = [line for line in wide if any(line.endswith(p) and columns(line[: -len(p)]) < 80 for p in paths)]
    # similar's match and tag's rows (the songs and the broken file), each path starting within 80
    assert set(wide) == set(table) and len(table) == 1 + len(songs) + 1
    assert str(broken) in printed and str(songs[0]) in printed  # paths that no line can hold, alone
    assert any(line.startswith(f"error: {bad}: not an audio file") for line in printed)  # a short path in its line


def test_a_header_saying_a_sample_rate_no_recording_has_is_an_error_saying_so_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A WAV whose header said 1 Hz was analysed as its music slowed down 22,050 times and given a verdict, in
    analyze as in index (and so in tag and the window, which analyse as they do)."""
    song = write(tmp_path / "song.wav", music(sr=22050, seconds=4.0), 22050, "wav-pcm16")
    data = bytearray(song.read_bytes())
    data[24:28] = (1).to_bytes(4, "little")  # the fmt chunk's sample rate
    lying = tmp_path / "lying.wav"
    lying.write_bytes(bytes(data))
    reason = "its header says a sample rate of 1 Hz (recordings have 4000 Hz or more): not audio, or a damaged header"

    assert main(["analyze", "--json", str(lying), str(song)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert lines[0] == {"file": str(lying), "verdict": "error", "error": f"{lying}: {reason}"}
    assert lines[1]["file"] == str(song) and lines[1]["verdict"] in {"genre", "unknown"}
    assert "1 of 2 files could not be analysed" in captured.err

    assert main(["index", str(tmp_path), "--workers", "1"]) == 1
    assert "1 analysed, 0 unchanged, 1 failed" in capsys.readouterr().out
    with Library() as library:
        assert library.record(lying).error == reason
        assert library.record(song).error is None


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["similar", "A title"], "error: the library index is empty"),
        (["index", "--status"], "none yet (`musictagger index DIR` makes it)"),
        (["index"], "error: no folders indexed yet"),
        (["index", "--forget", "FOLDER"], "is not a folder of the library (its folders: none yet)"),
        (["learn"], "error: the library index holds no track"),
        (["models", "--base", "accurate"], "shipped model: accurate"),
        (["tag", "--dry-run", "FOLDER"], "no audio files in this folder"),
        (["undo", "--list"], "no runs in the journal yet"),
        (["undo"], "error: nothing to undo"),
    ],
)
def test_a_command_that_only_reads_says_there_is_nothing_and_makes_no_file(
    arguments: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before anything was indexed or tagged, `similar`, `index --status`, `learn`, `undo --list` and the others that
    only read each made an empty library.sqlite3 or journal.sqlite3 in the user's data folder.  Each now says there is
    nothing to read and leaves no file there."""
    arguments = [str(tmp_path) if argument == "FOLDER" else argument for argument in arguments]

    main(arguments)

    output = capsys.readouterr()
    assert said in " ".join((output.out + output.err).split())
    assert not library_db_path().parent.exists()

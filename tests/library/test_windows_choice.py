"""Windows per track chosen in the window's Settings are the command line's too: the library keeps each analysis
under its window count, and a count the window alone kept analysed the whole library again each time the user
indexed from the other one.  Real files, the real index, the CLI's ``main``; the window's settings without a window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from musictagger.cli.main import main
from musictagger.gui.settings import Settings, settings_path
from musictagger.library import index_folders
from musictagger.model.windows_choice import chosen_windows
from tests.library.conftest import write_track


def test_a_count_chosen_in_the_window_is_the_command_lines_so_neither_analyses_the_library_again(
    music_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Settings().windows_per_track = 2
    index_folders([music_folder], n_windows=Settings().windows_per_track, workers=1)  # the window's Index does so

    assert main(["index", str(music_folder), "--workers", "1"]) == 0
    assert "0 analysed, 5 unchanged" in capsys.readouterr().out

    Settings().windows_per_track = None  # back to the model's own: the next index analyses again, at its count
    assert main(["index", str(music_folder), "--workers", "1"]) == 1  # broken.mp3 tried again at it, and failed
    assert "5 analysed, 0 unchanged, 1 failed" in capsys.readouterr().out


def test_analyze_gives_a_long_track_the_windows_chosen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    song = write_track(tmp_path / "long.flac", "flac", seconds=90.0)
    assert main(["analyze", "--json", str(song)]) == 0
    assert len(json.loads(capsys.readouterr().out)["windows_start_s"]) == 3  # the model's own, for 87 s and more

    Settings().windows_per_track = 1
    assert main(["analyze", "--json", str(song)]) == 0
    assert len(json.loads(capsys.readouterr().out)["windows_start_s"]) == 1
    assert main(["analyze", "--json", "--windows", "2", str(song)]) == 0  # one command's own choice still wins
    assert len(json.loads(capsys.readouterr().out)["windows_start_s"]) == 2


def test_a_count_the_window_kept_in_its_own_settings_becomes_the_shared_one() -> None:
    old = QSettings(str(settings_path()), QSettings.Format.IniFormat)  # as releases up to 0.5.0 kept it
    old.setValue("analysis/windows", 5)
    old.sync()

    assert Settings().windows_per_track == 5 == chosen_windows()
    assert not QSettings(str(settings_path()), QSettings.Format.IniFormat).contains("analysis/windows")


def test_a_count_the_shared_setting_cannot_take_stays_in_use_and_the_window_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config disk that takes nothing (here a file where its folder should be; read-only or full alike): moving the
    count raised FileError out of Settings(), so the window did not start at all."""
    ini = tmp_path / "gui.ini"
    old = QSettings(str(ini), QSettings.Format.IniFormat)
    old.setValue("analysis/windows", 5)
    old.sync()
    blocked = tmp_path / "config"
    blocked.write_text("a file where the config folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocked))

    assert Settings(ini).windows_per_track == 5
    assert chosen_windows() is None
    assert QSettings(str(ini), QSettings.Format.IniFormat).contains("analysis/windows")  # moved at a later start

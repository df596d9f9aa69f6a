"""One version number, from musictagger.__version__, shown with the model's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import musictagger
from musictagger.cli.main import main
from musictagger.model.runtime import DEFAULT_MODEL_NAME


def test_version_names_the_release_and_the_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"musictagger {musictagger.__version__} (model: {DEFAULT_MODEL_NAME})\n"


def test_version_names_the_model_musictagger_model_points_at(capsys, first_model_as_default) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.endswith("(model: hash-cnn-lstm-emotify)\n")


def test_the_window_command_answers_version_and_help_without_a_display() -> None:
    """An installation checked over ssh: Qt aborted (exit 134, "xcb-cursor0 … is needed") before the
    options were read (the README audit)."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    for option, expected in (
        ("--version", f"musictagger {musictagger.__version__} ("),
        ("--help", "usage: musictagger-gui"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "musictagger.gui", option], env=env, capture_output=True, text=True, timeout=120
        )
        assert (done.returncode, done.stdout.startswith(expected)) == (0, True), done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a disk always full")
@pytest.mark.parametrize("option", ["--version", "--help"])
def test_the_window_command_says_its_version_or_help_cannot_be_written(
    option: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``musictagger-gui --version > version.txt`` on a full disk printed nothing and exited 0, as ``musictagger``
    did before it (tests/cli/test_scripting.py): now both say so, status 1."""
    from musictagger.gui.app import main as window_main  # Qt: imported for this test alone

    with open("/dev/full", "w") as full:
        monkeypatch.setattr(sys, "stdout", full)
        status = window_main([option])
    assert (status, capsys.readouterr().err) == (1, "error: the output cannot be written (No space left on device)\n")

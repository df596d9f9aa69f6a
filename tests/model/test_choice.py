"""Choosing the fast shipped model: one setting that every command follows, overridden by $MUSICTAGGER_MODEL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.errors import ParameterError
from musictagger.model import choice
from musictagger.model.location import model_file
from musictagger.model.runtime import (
    DEFAULT_MODEL_NAME,
    FAST_MODEL_NAME,
    MODEL_ENV_VAR,
    chosen_model_file,
    default_model_path,
)
from tests.audio.signals import music, write


def test_the_accurate_model_is_the_default_and_a_garbled_setting_keeps_it() -> None:
    assert choice.chosen() == "accurate" and chosen_model_file() == model_file(DEFAULT_MODEL_NAME)
    choice.setting_path().parent.mkdir(parents=True, exist_ok=True)
    choice.setting_path().write_text("{not json", encoding="utf-8")
    assert choice.chosen() == "accurate"
    choice.setting_path().write_text('{"model": "turbo"}', encoding="utf-8")
    assert chosen_model_file() == model_file(DEFAULT_MODEL_NAME)


def test_an_unknown_choice_is_refused_naming_the_choices() -> None:
    with pytest.raises(ParameterError, match="accurate, fast"):
        choice.choose("turbo")
    assert not choice.setting_path().exists()


def test_the_choice_made_on_the_command_line_analyses_files_and_the_environment_overrides_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    song = write(tmp_path / "song.flac", music(sr=22050, seconds=8.0), 22050, "flac")
    assert main(["index", str(tmp_path)]) == 0  # by the default model
    capsys.readouterr()
    assert main(["models", "--base", "fast"]) == 0
    assert (
        "analysed by the other model, whose codes are not comparable with this one's: 1 of 1; run "
        "`musictagger index`" in " ".join(capsys.readouterr().out.split())  # as wrapped at 80 columns, joined
    )
    assert default_model_path().stem.startswith(FAST_MODEL_NAME)

    assert main(["analyze", "--json", str(song)]) == 0
    assert json.loads(capsys.readouterr().out)["model"].startswith(f"{FAST_MODEL_NAME}")
    assert main(["models"]) == 0
    assert FAST_MODEL_NAME in capsys.readouterr().out

    monkeypatch.setenv(MODEL_ENV_VAR, str(model_file(DEFAULT_MODEL_NAME)))
    assert default_model_path() == model_file(DEFAULT_MODEL_NAME)
    monkeypatch.delenv(MODEL_ENV_VAR)
    assert main(["models", "--base", "accurate"]) == 0
    assert "every track of your library (1) was analysed by this model already" in capsys.readouterr().out
    assert default_model_path().stem.startswith(DEFAULT_MODEL_NAME)

"""One version number, from musictagger.__version__, shown with the model's name."""

from __future__ import annotations

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

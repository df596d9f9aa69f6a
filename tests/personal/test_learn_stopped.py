"""``musictagger learn`` stopped by Ctrl-C (a real SIGINT to this process, as learning reports a given stage): it says
how far it went and what was kept, as ``index``, ``tag`` and ``undo`` do, where it said 'interrupted' alone."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from musictagger.cli import learn as learn_command
from musictagger.cli.main import main
from musictagger.personal import store
from musictagger.personal.learn import LearnedModel, learn
from tests.personal.library import StyleLibrary


def learn_stopped_at(stage: str, monkeypatch: pytest.MonkeyPatch, *arguments: str) -> int:
    """``learn ARGUMENTS``'s status, Ctrl-C pressed as learning reports the stage that starts with ``stage``."""

    def pressed_at_stage(*args: Any, **options: Any) -> LearnedModel:
        reported = options.pop("on_progress")

        def progressed(fraction: float, text: str) -> None:
            reported(fraction, text)
            if text.startswith(stage):
                os.kill(os.getpid(), signal.SIGINT)

        return learn(*args, on_progress=progressed, **options)

    monkeypatch.setattr(learn_command, "learn", pressed_at_stage)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under nohup
    try:
        return main(["learn", "--min-per-label", "3", *arguments])
    finally:
        signal.signal(signal.SIGINT, previous)


def test_learn_stopped_while_learning_says_how_far_and_that_no_model_was_saved(
    indexed_styles: StyleLibrary, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert learn_stopped_at("cross-validating: fold 2", monkeypatch, "--name", "mine") == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted while learning (cross-validating: fold 2 of ")
    assert err.endswith("): no model was saved\n")
    assert store.list_models() == []


def test_learn_stopped_before_replacing_a_model_says_the_old_one_is_as_it_was(
    indexed_styles: StyleLibrary, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", "--min-per-label", "3", "--name", "mine"]) == 0
    sidecar = store.models_dir() / "mine.json"
    before = sidecar.read_bytes()
    capsys.readouterr()

    status = learn_stopped_at("training on every", monkeypatch, "--name", "mine", "--exclude", "Drum & Bass")

    assert status == 130
    assert " ".join(capsys.readouterr().err.split()) == (  # the line as wrapped at 80 columns, joined
        "interrupted while learning (training on every tagged track): no model was saved; the personal model 'mine' "
        "is as it was"
    )
    assert sidecar.read_bytes() == before


def test_learn_stopped_once_it_has_saved_says_the_model_is_saved(
    indexed_styles: StyleLibrary, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert learn_stopped_at("saved", monkeypatch) == 130
    assert (
        capsys.readouterr().err == "interrupted once the personal model 'genre' was saved (see `musictagger models`)\n"
    )
    assert [model.name for model in store.list_models()] == ["genre"]

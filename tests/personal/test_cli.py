"""``musictagger learn``, ``models`` and ``tag`` with a personal model, as a user runs them."""

from __future__ import annotations

import pytest

from musictagger.cli.main import main
from musictagger.personal import store
from tests.personal.library import LABEL_OF, StyleLibrary
from tests.tagging.media import native_genres


def test_learn_prints_the_survey_the_report_and_how_to_activate(
    indexed_styles: StyleLibrary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", "--min-per-label", "3", "--exclude", "drum and bass", "--name", "two"]) == 0
    out = capsys.readouterr().out
    assert "genre: 8 tagged tracks to learn from, 6 without a genre" in out
    assert "Hip-Hop  4       HipHop, hip hop" in out
    assert "excluded: Drum & Bass: excluded by you" in out and "excluded: Jazz: 1 track (needs 3)" in out
    assert "cross-validated over" in out and "accuracy 1.00, macro-F1 1.00" in out
    assert "make it active with `musictagger models --use two`" in out
    assert store.list_models()[0].labels == ("Ambient", "Hip-Hop")


def test_models_lists_uses_and_deletes(indexed_styles: StyleLibrary, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["learn", "--min-per-label", "3", "--name", "mine"]) == 0
    capsys.readouterr()
    assert main(["models", "--use", "mine"]) == 0
    assert capsys.readouterr().out == "active model: mine\n"
    assert main(["models"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in listing[1:]] == [["shipped", "genre"], ["*", "mine"]]
    assert "3 labels: Ambient, Hip-Hop, Drum & Bass" in listing[2]

    assert main(["models", "--delete", "mine"]) == 0
    assert store.active_model() is None and store.list_models() == []
    assert main(["models", "--use", "nope"]) == 1
    assert "error: no personal model named 'nope' (see `musictagger models`)" in capsys.readouterr().err


def test_tag_with_a_personal_model_writes_the_users_spelling_and_undo_restores(
    indexed_styles: StyleLibrary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", "--min-per-label", "3"]) == 0
    assert main(["models", "--use", "genre"]) == 0
    tagged = indexed_styles.root / "beats" / "0.flac"
    before = native_genres(tagged)
    try:
        assert main(["tag", str(indexed_styles.root / "to tag"), str(tagged), "--min-confidence", "0"]) == 0
        assert {style: native_genres(path) for style, path in indexed_styles.to_tag.items()} == {
            style: [label] for style, label in LABEL_OF.items()
        }
        assert native_genres(tagged) == before  # fill-empty: a genre the user gave stays
        assert main(["undo"]) == 0
        assert all(native_genres(path) == [] for path in indexed_styles.to_tag.values())
    finally:  # the folder is shared by the session's tests
        main(["undo"])


def test_tag_refuses_a_personal_model_of_another_field_and_writes_nothing(
    indexed_styles: StyleLibrary, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", "--min-per-label", "3", "--name", "moods"]) == 0
    sidecar = store.read_sidecar("moods")
    store.save_model(store.load_head("moods"), {**sidecar, "field": "mood"})  # as `learn --field mood` saves it
    assert main(["models", "--use", "moods"]) == 0
    capsys.readouterr()
    untagged = list(indexed_styles.to_tag.values())
    before = [path.read_bytes() for path in untagged]
    assert main(["tag", str(indexed_styles.root / "to tag"), "--min-confidence", "0"]) == 1
    assert "error: the active personal model 'moods' proposes mood values, and tagging writes genres only" in (
        capsys.readouterr().err
    )
    assert [path.read_bytes() for path in untagged] == before

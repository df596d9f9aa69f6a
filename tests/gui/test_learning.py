"""Library ▸ Learn from my tags… and Personal models…, on a real indexed library of generated styles.

The library: two styles tagged in several spellings by two artists each, a third style with too
few tracks, and one untagged track per style.  The dialogs run the core (survey, learn, store)
on their runners; the tests wait for them as a user would, and compare with what the core says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from musictagger.gui.about import about_text
from musictagger.gui.learn_dialog import LABEL, STATUS, TRACKS
from musictagger.gui.models_dialog import ACTIVE, ACTIVE_MARK, NAME
from musictagger.gui.tag_dialog import TagScope
from musictagger.library import Library, index_folders
from musictagger.personal import store
from musictagger.tagging.plan import Action
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS
from tests.gui.test_library_and_tagging import tag_dialog_settled
from tests.personal.styles import make_track

# file, style, genre tags as another tagger wrote them, artist
TRACKS_TAGGED = [
    ("a1", "ambient", ["Ambient"], "Drone Unit"),
    ("a2", "ambient", ["ambient"], "Drone Unit"),
    ("a3", "ambient", ["Ambient"], "Low Hum"),
    ("a4", "ambient", ["AMBIENT"], "Low Hum"),
    ("b1", "beats", ["Hip-Hop"], "Breakers"),
    ("b2", "beats", ["hip hop"], "Breakers"),
    ("b3", "beats", ["Hip-Hop"], "Kick Club"),
    ("b4", "beats", ["HipHop"], "Kick Club"),
    ("c1", "chimes", ["Chimes"], "Bell Tower"),
    ("c2", "chimes", ["Chimes"], "Bell Tower"),
]
UNTAGGED = [("u-ambient", "ambient", 101), ("u-beats", "beats", 102)]
MIN_PER_LABEL = 3


@pytest.fixture
def styled_library(tmp_path: Path) -> Path:
    """The library above, indexed (with the window tests' first model) into the test's user dirs."""
    music = tmp_path / "Music"
    for seed, (name, style, genres, artist) in enumerate(TRACKS_TAGGED):
        make_track(music / f"{name}.flac", style, seed=seed, genres=genres, artist=artist)
    for name, style, seed in UNTAGGED:
        make_track(music / f"{name}.flac", style, seed=seed, artist="Nobody Yet")
    with Library() as library:
        library.add_roots([music])
    summary = index_folders([music], workers=1)
    assert summary.analysed == len(TRACKS_TAGGED) + len(UNTAGGED) and not summary.failed
    return music


def survey_rows(dialog) -> dict[str, tuple[str, str, bool | None]]:
    """The survey table: label → (tracks, status, ticked; None where it cannot be ticked)."""
    rows = {}
    for i in range(dialog.table.topLevelItemCount()):
        row = dialog.table.topLevelItem(i)
        tickable = row.data(LABEL, Qt.ItemDataRole.CheckStateRole) is not None and not row.isDisabled()
        ticked = row.checkState(LABEL) == Qt.CheckState.Checked if tickable else None
        rows[row.text(LABEL)] = (row.text(TRACKS), row.text(STATUS), ticked)
    return rows


def surveyed(qtbot, dialog, check) -> None:
    """Wait until the dialog's latest survey is shown and ``check(rows)`` holds."""
    qtbot.waitUntil(lambda: dialog.found is not None and check(survey_rows(dialog)), timeout=ANALYSIS_TIMEOUT_MS)


def test_learning_from_the_tags_then_the_window_and_the_tag_dialog_use_the_users_labels(
    qtbot, window, styled_library: Path
) -> None:
    dialog = window.open_learn_dialog()
    qtbot.addWidget(dialog)
    # The default minimum (10) keeps nothing: every label is listed as excluded, with its count.
    surveyed(qtbot, dialog, lambda rows: len(rows) == 3)
    assert not dialog.learn_button.isEnabled()
    assert survey_rows(dialog)["Hip-Hop"][1] == "4 tracks (needs 10)"

    dialog.min_per_label.setValue(MIN_PER_LABEL)  # the table follows the spin box
    surveyed(qtbot, dialog, lambda rows: rows["Ambient"][1] == "learned")
    assert survey_rows(dialog) == {
        "Ambient": ("4", "learned", True),
        "Hip-Hop": ("4", "learned", True),
        "Chimes": ("", "2 tracks (needs 3)", None),
    }
    spellings = {dialog.table.topLevelItem(i).text(LABEL): dialog.table.topLevelItem(i).text(2) for i in range(3)}
    assert spellings["Hip-Hop"] == "Hip-Hop, HipHop, hip hop"  # three spellings merged into the commonest
    assert "8 tagged tracks" in dialog.summary.text() and "2 tracks without a genre" in dialog.summary.text()
    assert dialog.index_button.isHidden()  # every track has what learning needs

    # Ticking a label out excludes it ("excluded by you"), keeps its figures, and can be undone.
    hip_hop = dialog.table.findItems("Hip-Hop", Qt.MatchFlag.MatchExactly, LABEL)[0]
    hip_hop.setCheckState(LABEL, Qt.CheckState.Unchecked)
    surveyed(qtbot, dialog, lambda rows: rows["Hip-Hop"] == ("4", "excluded by you", False))
    assert not dialog.learn_button.isEnabled()  # one label left: nothing to tell apart
    dialog.table.findItems("Hip-Hop", Qt.MatchFlag.MatchExactly, LABEL)[0].setCheckState(LABEL, Qt.CheckState.Checked)
    surveyed(qtbot, dialog, lambda rows: rows["Hip-Hop"][1] == "learned")

    dialog.name.setText("my-genres")
    dialog.learn_button.click()
    assert dialog.task is not None and not dialog.learn_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)
    assert dialog.learned is not None, dialog.status.text()
    report = dialog.learned.report
    assert dialog.report.isVisibleTo(dialog)
    assert f"accuracy {report.accuracy:.2f}" in dialog.report.figures.text()
    assert f"macro-F1 {report.macro_f1:.2f}" in dialog.report.figures.text()
    scores = {
        dialog.report.table.topLevelItem(i).text(0): dialog.report.table.topLevelItem(i).text(1)
        for i in range(dialog.report.table.topLevelItemCount())
    }
    assert scores == {"Ambient": "4", "Hip-Hop": "4"}
    # Saved, not yet used: the dialog asks first.
    assert [info.name for info in store.list_models()] == ["my-genres"]
    assert store.active_model() is None
    assert dialog.asking.isVisibleTo(dialog) and "my-genres" in dialog.question.text()

    dialog.use_button.click()
    qtbot.waitUntil(lambda: store.active_model() is not None and dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)
    assert store.active_model().name == "my-genres"
    qtbot.waitUntil(lambda: window.personal is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert tuple(window.genre.bars) == ("Ambient", "Hip-Hop")
    assert "Ambient, Hip-Hop" in window.genre.verdict.text()  # the empty state names the user's labels
    assert "my-genres" in about_text(window.manifest, window.personal)
    dialog.close()

    # Tag genres… proposes the user's labels, for the untagged tracks only (fill-empty).
    tag = window.open_tag_dialog(TagScope.folder(styled_library))
    qtbot.addWidget(tag)
    tag.threshold.setValue(0)
    qtbot.waitUntil(lambda: tag_dialog_settled(tag) and tag.plan.min_confidence == 0.0, timeout=ANALYSIS_TIMEOUT_MS)
    assert tag.proposer_label.text() == "Proposals from your personal model \u201cmy-genres\u201d"
    writes = {item.path.stem: item.proposed for item in tag.plan.items if item.action is Action.WRITE}
    assert writes == {"u-ambient": ("Ambient",), "u-beats": ("Hip-Hop",)}
    tag.close()


def test_the_models_dialog_uses_and_deletes_personal_models(qtbot, window, styled_library: Path) -> None:
    from musictagger.personal.learn import learn

    with Library() as library:
        for name in ("first", "second"):
            learn(library, min_per_label=MIN_PER_LABEL, name=name)
    dialog = window.open_models_dialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.models is not None, timeout=ANALYSIS_TIMEOUT_MS)

    def shown() -> dict[str, str]:
        return {
            dialog.table.topLevelItem(i).text(NAME): dialog.table.topLevelItem(i).text(ACTIVE)
            for i in range(dialog.table.topLevelItemCount())
        }

    shipped = f"shipped: {window.manifest.name}"
    assert shown() == {shipped: ACTIVE_MARK, "first": "", "second": ""}
    assert not dialog.shipped_button.isEnabled()

    dialog.table.setCurrentItem(dialog.table.findItems("second", Qt.MatchFlag.MatchExactly, NAME)[0])
    dialog.use_button.click()
    qtbot.waitUntil(lambda: shown()["second"] == ACTIVE_MARK, timeout=ANALYSIS_TIMEOUT_MS)
    assert store.active_model().name == "second"
    qtbot.waitUntil(lambda: window.personal is not None and window.personal.name == "second")

    dialog.delete_button.click()  # asks first; Cancel keeps it
    dialog.confirmation.button(dialog.confirmation.StandardButton.Cancel).click()
    assert [info.name for info in store.list_models()] == ["first", "second"]
    dialog.delete_button.click()
    assert (
        "second" in dialog.confirmation.text() and "shipped model becomes the active one" in dialog.confirmation.text()
    )
    dialog.confirmation.button(dialog.confirmation.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "second" not in shown(), timeout=ANALYSIS_TIMEOUT_MS)
    assert [info.name for info in store.list_models()] == ["first"]
    assert store.active_model() is None and shown()[shipped] == ACTIVE_MARK
    qtbot.waitUntil(lambda: window.personal is None)
    assert tuple(window.genre.bars) == window.manifest.labels

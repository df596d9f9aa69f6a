"""The window with a model that can say it has no genre for a track: the result panel, the file list,
the empty state, the About box, the tag dialog's preview and the live panel say so plainly.

Offscreen, on real generated files; the window's model is a copy of the first one whose
verdict policy calls every track "not one of: classical, electronic, pop, rock".
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from musictagger.audio.capture import FileSource
from musictagger.gui.about import about_text, known_genres_text
from musictagger.gui.file_list import FileEntry, State
from musictagger.gui.genre_view import GenreView
from musictagger.gui.tag_dialog import TagScope
from musictagger.gui.theme import apply_theme
from musictagger.live import LiveResult, LiveState
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import Analysis, GenreModel
from musictagger.tagging.formats import detect, read_genres
from tests.audio.signals import music, write
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, drop, wait_until_settled, write_song
from tests.gui.tag_rows import rows as tag_rows
from tests.model.variants import first_model

NOT_ONE_OF = "not one of: classical, electronic, pop, rock"
KNOWS = "This model knows 4 genres: classical, electronic, pop, rock."


@pytest.fixture
def window_model(unknown_model: Path) -> Path:
    return unknown_model


def sentence(analysis: Analysis) -> str:
    """The summary as the result panel shows an unknown verdict: capitalised."""
    summary = analysis.summary()
    return summary[:1].upper() + summary[1:]


def assert_shows_unknown(view: GenreView, analysis: Analysis) -> None:
    """The verdict and reason in words, and every bar greyed but still showing its probability."""
    assert view.verdict.text() == sentence(analysis)
    why = {  # why, without repeating the verdict above it
        "not music": "It does not sound like music to the model (speech, noise, tones and hum come out so).",
        "not one of: classical, electronic, pop, rock": (
            "The model knows only classical, electronic, pop, rock; this sounds like none of them."
        ),
    }
    assert not view.reason.isHidden() and view.reason.text() == why[analysis.verdict.reason]
    for label, probability in zip(view.labels, analysis.probabilities, strict=True):
        assert not view.bars[label].isEnabled()
        assert view.bars[label].format() == f"{probability:.2f}"


def test_the_about_box_and_the_empty_result_panel_say_which_genres_the_model_knows(window, unknown_model: Path) -> None:
    placeholder = window.genre.verdict.text()
    assert KNOWS in placeholder and "reported as not one of its genres" in placeholder
    assert KNOWS in about_text(load_manifest(unknown_model))
    assert "reported as not one of its genres" in about_text(load_manifest(unknown_model))
    first = about_text(load_manifest(first_model()))  # no verdict policy: it cannot say "none of these"
    assert KNOWS in first and "not one of its genres" not in first and "cannot tell" in first


def test_the_known_genres_text_says_how_much_other_music_the_detector_caught(unknown_model: Path) -> None:
    manifest = load_manifest(unknown_model)
    unmeasured = dataclasses.replace(manifest, metrics={})
    assert "tested on" not in known_genres_text(unmeasured)
    measured = dataclasses.replace(
        manifest, metrics={"dev-set": {"out_of_vocabulary_refused": {"count": 3, "total": 30}}}
    )
    assert known_genres_text(measured).endswith("of 30 clips of other genres it was tested on, it said so of 3.")


def test_a_track_without_a_genre_shows_the_reason_and_greyed_bars(
    qtbot, window, tmp_path: Path, unknown_model: Path
) -> None:
    song = write_song(tmp_path / "in" / "band.flac", seed=0)
    short = write_song(tmp_path / "in" / "blip.flac", seconds=0.5)  # fails: a view shown after one
    drop(window, [song, short])
    wait_until_settled(qtbot, window, 2)
    expected = GenreModel(unknown_model).analyze_file(song)

    window.files.select(song.absolute())
    item = window.files.currentItem()
    assert item.text(1) == "not one of my genres"
    assert item.toolTip(1) == f"{expected.summary()}\n{window.genre.reason.text()}"  # as the panel says it, and why
    assert window.genre.verdict.text().startswith("Not one of my genres (nearest: ")
    assert_shows_unknown(window.genre, expected)

    window.files.select(short.absolute())  # failed: no reason, and the bars greyed and empty
    assert window.files.currentItem().text(1) == "failed"  # short, so that the names keep the room; why, on hover
    assert window.files.currentItem().toolTip(1) == "failed: only 0.500 s of audio; at least 1 s is needed"
    assert window.genre.reason.isHidden() and not any(bar.isEnabled() for bar in window.genre.bars.values())
    assert all(bar.value() == 0 for bar in window.genre.bars.values())


def test_a_track_without_a_genre_shows_grey_bars_in_the_dark_theme_too(qtbot, window, tmp_path: Path) -> None:
    """The dark palette greyed nothing: its disabled bars kept the highlight's blue, so "not one of my genres" stood
    over a full blue bar, as a verdict that won reads."""
    song = write_song(tmp_path / "in" / "band.flac", seed=0)
    drop(window, [song])
    wait_until_settled(qtbot, window, 1)
    apply_theme("dark")
    try:
        bars = window.genre.bars.values()
        bar = max(bars, key=lambda bar: bar.value())  # the nearest genre's: the longest chunk
        assert not bar.isEnabled()
        dark = QApplication.palette().color(QPalette.ColorRole.Window)
        qtbot.waitUntil(lambda: bar.palette().color(QPalette.ColorRole.Window) == dark, timeout=2000)  # repolished
        image = bar.grab().toImage()
        chunk = image.pixelColor(round(image.width() * bar.value() / bar.maximum() / 4), image.height() // 4)
        assert chunk.hslSaturation() < 40, chunk.name()  # grey, not the highlight's blue
    finally:
        apply_theme("system")


def test_not_music_reads_as_such_in_the_list_and_the_view(qtbot, tmp_path: Path, not_music_model: Path) -> None:
    song = write_song(tmp_path / "hum.flac", seed=1)
    analysis = GenreModel(not_music_model).analyze_file(song)
    entry = FileEntry(song, State.DONE, analysis)
    assert entry.status == "not music"
    assert (
        entry.details
        == "not music\nIt does not sound like music to the model (speech, noise, tones and hum come out so)."
    )
    view = GenreView(load_manifest(not_music_model).labels)
    qtbot.addWidget(view)
    view.show_analysis(analysis)
    assert view.verdict.text() == "Not music"
    assert_shows_unknown(view, analysis)


def test_the_tag_dialog_previews_an_unknown_file_as_skipped_and_writes_nothing(qtbot, window, tmp_path: Path) -> None:
    song = write_song(tmp_path / "to-tag" / "tagged.flac", seed=0)
    detect(song).write_labels(song, "genre", ["Jazz"])
    dialog = window.open_tag_dialog(TagScope.folder(song.parent))
    qtbot.addWidget(dialog)
    dialog.threshold.setValue(0)
    qtbot.waitUntil(
        lambda: dialog.task is None and dialog.plan is not None and dialog.plan.min_confidence == 0.0,
        timeout=ANALYSIS_TIMEOUT_MS,
    )
    (row,) = tag_rows(dialog)
    assert (row.text(0), row.text(1), row.text(2)) == (song.name, "Jazz", "")
    assert row.text(4) == f"skip: unknown: {NOT_ONE_OF}"
    assert not dialog.apply_button.isEnabled()
    assert read_genres(song) == ("Jazz",)


def test_the_live_panel_shows_an_unknown_verdict_like_the_file_view(qtbot, window, tmp_path: Path) -> None:
    path = write(tmp_path / "live.flac", np.stack([music(sr=44100, seconds=5.0, seed=3)] * 2), 44100, "flac")
    panel = window.live
    panel.start_after_s = 2.0
    shown = []  # each recognised step with what the panel showed for it (it is shown, then announced)

    def record(result: LiveResult) -> None:
        if result.state is LiveState.RECOGNISED:
            bars = [bar.isEnabled() for bar in panel.genre.bars.values()]
            shown.append((result, panel.genre.verdict.text(), panel.genre.reason.text(), bars))

    panel.stepped.connect(record)
    window.show_live()
    panel.start(FileSource(path))
    qtbot.waitUntil(lambda: bool(shown), timeout=ANALYSIS_TIMEOUT_MS)
    panel.record_button.click()  # Stop
    qtbot.waitUntil(lambda: not panel._stepping, timeout=10_000)

    result, verdict, reason, bars = shown[0]
    assert result.genre is None and result.verdict.reason == NOT_ONE_OF
    assert verdict == "N" + result.summary()[1:] and verdict.startswith("Not one of my genres (nearest: ")
    assert reason == "The model knows only classical, electronic, pop, rock; this sounds like none of them."
    assert not any(bars)


def test_a_label_with_an_ampersand_reads_as_written(qtbot) -> None:
    """Qt takes & in a form's row label for a shortcut mark: "Drum & Bass" read "Drum _Bass" (the user audit)."""
    view = GenreView(("Drum & Bass", "Ambient"))
    qtbot.addWidget(view)
    shown = [view.chart.form.labelForField(view.bars[label]).text() for label in ("Drum & Bass", "Ambient")]
    assert [text.replace("&&", "&") for text in shown] == ["Drum & Bass", "Ambient"]
    assert "&" not in shown[0].replace("&&", "")  # no lone & left to mark a shortcut

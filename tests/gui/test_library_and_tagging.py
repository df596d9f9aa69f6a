"""The library panel, the matches it feeds, and the tag dialog, on real files, SQLite and tags."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyle, QTabBar

from musictagger import userdirs
from musictagger.errors import DatabaseError
from musictagger.gui import library_panel, matches_view
from musictagger.gui.live_panel import LIVE_QUERY
from musictagger.gui.matches_view import BITS, DISTANCE, GENRE, NO_TRACK_TEXT, PART, PATH, MatchesView
from musictagger.gui.plan_table import ACTION, FILE, shown_names, text_order
from musictagger.gui.tag_dialog import TagScope
from musictagger.gui.tasks import TaskRunner
from musictagger.gui.theme import apply_theme
from musictagger.library import Library, index_folders
from musictagger.library.search import codes_in_reach
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import FAST_MODEL_NAME, MODEL_ENV_VAR, default_model_path, load_model
from musictagger.tagging.formats import detect, read_genres
from musictagger.tagging.plan import Action, Mode, genre_tag
from tests.audio.signals import chirp, music, tone, write
from tests.gui.conftest import ANALYSIS_TIMEOUT_MS, SR, drop, wait_until_settled, write_song
from tests.gui.tag_rows import rows as tag_rows


def test_indexing_a_folder_fills_the_library_and_the_matches(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    music = tmp_path / "Music"
    tracks = [write_song(music / f"{seed:02}.flac", seed=seed) for seed in range(3)]
    (music / "broken.mp3").write_bytes(b"not an mp3" * 100)
    panel = window.library
    panel.add_folders([music])
    qtbot.waitUntil(lambda: panel.indexing is None and "4 tracks" in panel.counts.text(), timeout=ANALYSIS_TIMEOUT_MS)
    assert panel.counts.text() == "In the library: 4 tracks, 3 analysed, 1 failed"
    assert panel.folder_paths() == [music]
    assert panel.failures.topLevelItem(0).text(0) == "broken.mp3"
    assert not panel.remove_button.isEnabled()  # no folder selected: nothing to remove
    panel.folders.setCurrentRow(0)
    assert panel.remove_button.isEnabled()
    with Library() as library:  # what the panel shows is what the index holds
        assert library.counts().analysed == 3

    drop(window, [tracks[0]])
    wait_until_settled(qtbot, window, 1)
    qtbot.waitUntil(lambda: window.matches.table.topLevelItemCount() == 2, timeout=ANALYSIS_TIMEOUT_MS)
    shown = {window.matches.table.topLevelItem(i).text(PATH) for i in range(2)}
    assert shown == {str(tracks[1]), str(tracks[2])}  # the file itself is not its own match
    assert "by the 64-bit codes" in window.matches.message.text()  # the first model has no identity bits
    query = load_model().analyze_file(tracks[0])
    for i in range(2):
        row = window.matches.table.topLevelItem(i)
        with Library() as library:
            record = library.record(row.text(PATH))
        compared = slice(-window.manifest.match_bits, None)  # the search's bits: the model's identity bits
        distance = int((record.analysis.bits[compared] != query.bits[compared]).sum())
        assert row.text(BITS) == str(distance)
        assert row.text(GENRE) == record.genre
        assert row.text(PART) == "whole track"  # 3-s tracks: one window, whose code is the track's
    distances = [float(window.matches.table.topLevelItem(i).text(DISTANCE).split()[0]) for i in range(2)]
    assert distances == sorted(distances)  # the column that orders them: nearest first

    monkeypatch.setenv(MODEL_ENV_VAR, str(model_file(FAST_MODEL_NAME)))  # as after choosing another model
    panel.refresh()
    qtbot.waitUntil(lambda: "another model" in panel.counts.text(), timeout=ANALYSIS_TIMEOUT_MS)
    assert (
        panel.counts.text()
        == "In the library: 4 tracks, 3 analysed, 1 failed; 3 analysed by another model wait for Index now"
    )


WATCH_INTERVAL_MS = 300
"""The panel's look at the index in the test that follows an index run: a tenth of the app's
(``library_panel.WATCH_INTERVAL_MS``), whose ticks that test waits through six times."""


@pytest.fixture
def quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's library panel looks at the index every :data:`WATCH_INTERVAL_MS` (its timer is made with the window)."""
    monkeypatch.setattr(library_panel, "WATCH_INTERVAL_MS", WATCH_INTERVAL_MS)


@pytest.mark.usefixtures("quick_watch")  # before the window, which makes the timer
def test_the_library_panel_and_tab_follow_an_index_run_outside_the_window(qtbot, window, tmp_path: Path) -> None:
    """`musictagger index` in a terminal while the window is open: the panel kept its old counts until
    something else refreshed it (the user audit)."""
    music = tmp_path / "Music"
    for seed in range(2):
        write_song(music / f"{seed:02}.flac", seed=seed)
    panel = window.library
    assert panel._watch.interval() == WATCH_INTERVAL_MS
    qtbot.wait(2 * WATCH_INTERVAL_MS)  # the panel has looked at the index once: from now on it follows it

    followed: list[None] = []  # counted from before the run: under load the quiet tick may come before the counts
    panel.libraryChanged.connect(lambda: followed.append(None))
    index_folders([music], workers=1)  # another connection, as another process's

    qtbot.waitUntil(lambda: "2 tracks" in panel.counts.text(), timeout=ANALYSIS_TIMEOUT_MS)
    # The tab and the matches follow once the writes have stopped for a tick (not at every tick of a long run).
    qtbot.waitUntil(lambda: len(followed) == 1, timeout=ANALYSIS_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.library_view.model.rowCount() == 2, timeout=ANALYSIS_TIMEOUT_MS)
    with qtbot.assertNotEmitted(panel.libraryChanged, wait=2 * WATCH_INTERVAL_MS):
        pass  # nothing more written: nothing more to follow (the panel's own reading writes nothing)


def test_playing_a_match_starts_at_its_nearest_part(qtbot, window, tmp_path: Path, sound_output: None) -> None:
    """A minute of a sweep then chords in the library; its chords alone dropped in find it by its second
    window, and playing that match starts there, where the dropped music is, and a second press pauses."""
    sweep, chords = chirp(100.0, 4000.0, sr=SR, seconds=30.0), music(sr=SR, seconds=30.0, seed=3)
    (tmp_path / "Music").mkdir()
    whole = write(tmp_path / "Music" / "whole.flac", np.concatenate([sweep, chords]), SR, "flac")
    write(tmp_path / "Music" / "tone.flac", tone(440.0, sr=SR, seconds=60.0), SR, "flac")
    panel = window.library
    panel.add_folders([tmp_path / "Music"])
    qtbot.waitUntil(lambda: panel.indexing is None and "2 analysed" in panel.counts.text(), timeout=ANALYSIS_TIMEOUT_MS)
    drop(window, [write(tmp_path / "part.flac", chords, SR, "flac")])
    wait_until_settled(qtbot, window, 1)
    matches = window.matches
    qtbot.waitUntil(lambda: matches.table.topLevelItemCount() == 2, timeout=ANALYSIS_TIMEOUT_MS)
    first = matches.table.topLevelItem(0)
    assert (first.text(PATH), first.text(PART)) == (str(whole), "0:31–1:00")
    with Library() as library:
        duration = library.record(whole).analysis.duration_s
    start = duration - window.manifest.front_end.window_seconds  # the last of two windows: the track's end
    matches.table.setCurrentItem(first)
    matches.play_match_button.click()
    qtbot.waitUntil(lambda: matches.player.position_s() >= start, timeout=10_000)
    assert matches.player.position_s() < start + 5.0  # from the part, not played through from 0:00
    matches.play_match_button.click()  # pauses where it is, once the event loop has run
    qtbot.waitUntil(lambda: not matches.player.is_playing(), timeout=5_000)
    paused_at = matches.player.position_s()
    qtbot.wait(300)
    assert matches.player.position_s() == paused_at
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    matches.table.setFocus()  # Space in the table plays the selected match, from where it was paused
    qtbot.waitUntil(matches.table.hasFocus, timeout=2000)
    qtbot.keyClick(matches.table, Qt.Key.Key_Space)
    qtbot.waitUntil(matches.player.is_playing, timeout=5_000)
    assert matches.player.position_s() >= paused_at
    matches.player.stop()


def library_panel_in_front(window) -> bool:
    """Whether the Music folders panel is shown and is the current tab of the docks it shares with the file list."""
    (docks,) = [
        bar for bar in window.findChildren(QTabBar) if {"Files", "Music folders"} == {bar.tabText(i) for i in (0, 1)}
    ]
    return window.library_dock.isVisible() and docks.tabText(docks.currentIndex()) == "Music folders"


def test_choosing_another_model_offers_to_analyse_the_library_again(
    qtbot, window, message_boxes: list[str], tmp_path: Path, monkeypatch
) -> None:
    music = tmp_path / "Music"
    for seed in range(2):
        write_song(music / f"{seed:02}.flac", seed=seed, seconds=20.0)
    panel = window.library
    fast = model_file(FAST_MODEL_NAME)
    indexed_by = window.manifest.name
    offer = (
        "Analyse the library again?: 2 tracks of your library were analysed by another model. Similar tracks are "
        "found only among tracks the model in use analysed, so these are left out until they are analysed again."
    )

    def choose_fast() -> None:
        message_boxes.clear()
        monkeypatch.setenv(MODEL_ENV_VAR, str(fast))  # as File ▸ Settings choosing the fast model does
        window.use_base_model(fast)

    def answer(text: str) -> None:
        qtbot.waitUntil(lambda: message_boxes == [offer], timeout=ANALYSIS_TIMEOUT_MS)
        next(b for b in panel.reanalysis_prompt.buttons() if b.text() == text).click()

    with qtbot.waitSignal(panel.indexingStarted, timeout=10_000):  # once the folder is checked and added
        panel.add_folders([music])  # indexed by the default model, which is chosen against while it runs
    choose_fast()
    qtbot.waitUntil(lambda: panel.offer_when_indexed or panel.indexing is None)
    assert panel.indexing is not None and message_boxes == []  # asked when the run ends, not during it
    answer("Later")
    assert panel.indexing is None and not panel.offer_when_indexed
    assert (
        panel.counts.text()
        == "In the library: 2 tracks, 2 analysed, 0 failed; 2 analysed by another model wait for Index now"
    )

    window.library_dock.close()  # the panel, where indexing shows its progress, closed
    choose_fast()  # chosen again, with nothing indexing: asked at once
    answer("Analyse now")
    assert panel.indexing is not None
    assert library_panel_in_front(window)  # shown again, in front of the file list
    qtbot.waitUntil(
        lambda: panel.counts.text() == "In the library: 2 tracks, 2 analysed, 0 failed", timeout=ANALYSIS_TIMEOUT_MS
    )
    with Library() as library:
        assert codes_in_reach(library.code_counts(), fast) == (2, 0)
    assert panel.progress_text.text().endswith(  # why the whole library took its time again
        f". 2 files unchanged since indexed, analysed again because another model had analysed them "
        f"({indexed_by}; the model in use is {load_model(fast).manifest.name})"
    )


def tag_dialog_settled(dialog) -> bool:
    return dialog.task is None and dialog.proposals is not None


def test_the_tag_dialogs_file_names_sort_with_their_numbers_as_numbers() -> None:
    names = ["10 ten.flac", "2 two.flac", "1 one.flac", "CD2/1 a.flac", "cd1/3 c.flac"]
    assert sorted(names, key=text_order) == ["1 one.flac", "2 two.flac", "10 ten.flac", "cd1/3 c.flac", "CD2/1 a.flac"]


def test_the_tag_dialog_names_files_from_the_folder_they_share() -> None:
    album, single = Path("/music/Artist/Album/01 a.flac"), Path("/music/Artist/Album/CD2/02 b.flac")
    assert shown_names([album, single]) == ["01 a.flac", "CD2/02 b.flac"]
    assert shown_names([album]) == ["01 a.flac"]
    elsewhere = Path("/mnt/usb/c.mp3")  # nothing shared but the root: full paths say where each is
    assert shown_names([album, elsewhere]) == [str(album), str(elsewhere)]


def test_the_tag_dialog_writes_real_files_and_undo_restores_them(qtbot, window, tmp_path: Path) -> None:
    folder = tmp_path / "to-tag"
    tagged = write_song(folder / "tagged.flac", seed=0)
    untagged = write_song(folder / "untagged.flac", seed=1)
    detect(tagged).write_labels(tagged, "genre", ["Jazz"])
    dialog = window.open_tag_dialog(TagScope.folder(folder))
    qtbot.addWidget(dialog)
    dialog.threshold.setValue(0)  # write whatever the model says, however unsure
    qtbot.waitUntil(
        lambda: tag_dialog_settled(dialog) and dialog.plan.min_confidence == 0.0, timeout=ANALYSIS_TIMEOUT_MS
    )
    # The safe default, fill-empty, keeps "Jazz"; replacing it is something the user asks for.
    assert dialog.plan.mode is Mode.FILL_EMPTY
    assert {item.path: item.action for item in dialog.plan.items} == {tagged: Action.UNCHANGED, untagged: Action.WRITE}
    row = next(row for row in tag_rows(dialog) if row.text(0) == tagged.name)
    assert row.tool_tip(0) == str(tagged)  # the name fits the column; the full path is in the tooltip
    row.set_check_state(Qt.CheckState.Checked)  # the user ticks the row fill-empty leaves alone: it will be written
    assert row.text(4) == "write: your choice, replaces Jazz" and dialog.status.text().endswith("2 ticked")
    row.set_check_state(Qt.CheckState.Unchecked)
    assert row.text(4) == "unchanged: has a genre already"
    dialog.mode.setCurrentIndex(dialog.mode.findData(Mode.REPLACE))
    qtbot.waitUntil(
        lambda: tag_dialog_settled(dialog) and dialog.plan.mode is Mode.REPLACE, timeout=ANALYSIS_TIMEOUT_MS
    )
    model = load_model()
    expected = {path: genre_tag(model.analyze_file(path).genre) for path in (tagged, untagged)}
    rows = {row.text(0): row for row in tag_rows(dialog)}
    assert rows[tagged.name].text(1) == "Jazz"
    assert rows[tagged.name].text(2) == expected[tagged]
    assert rows[untagged.name].text(1) == ""
    assert all(item.action is Action.WRITE for item in dialog.plan.items)
    assert dialog.scope_label.text() == f"Works on all 2 audio files in {folder}"  # counted once found

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert dialog.last_report.counts()["written"] == 2
    for path in (tagged, untagged):
        assert read_genres(path) == (expected[path],)

    dialog.last_report = None
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert read_genres(tagged) == ("Jazz",)
    assert read_genres(untagged) == ()
    assert window.settings.threshold == 0.0  # Apply remembered the threshold


def test_a_files_whole_reason_is_in_its_action_tooltip_before_apply(qtbot, window, tmp_path: Path) -> None:
    """The preview cut a file's reason at the dialog's edge ("error: its header says it has 0 channels: not …") and
    gave the cell no tooltip until Apply had run: why a file would be skipped or had failed could not be read."""
    folder = tmp_path / "to-tag"
    write_song(folder / "01 song.flac", seconds=3.0)
    (folder / "02 notes.flac").write_text("not audio")  # named as audio: listed, with the reason it cannot be read
    dialog = window.open_tag_dialog(TagScope.folder(folder))
    qtbot.addWidget(dialog)
    dialog.resize(600, 400)  # a narrow dialog, on a small screen or made so
    dialog.show()
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog) and dialog.plan is not None, timeout=ANALYSIS_TIMEOUT_MS)
    row = next(row for row in tag_rows(dialog) if row.text(FILE) == "02 notes.flac")
    reason = row.text(ACTION)
    assert reason.startswith("error: ") and len(reason) > 40
    assert dialog.table.columnWidth(ACTION) < dialog.table.fontMetrics().horizontalAdvance(reason)  # cut in the view
    assert row.tool_tip(ACTION) == reason


def test_short_file_names_leave_the_tag_dialogs_room_to_the_reasons(qtbot, window, tmp_path: Path) -> None:
    """The File column was 300 pixels whatever the names: at the dialog's first size on a 1024-pixel screen (960
    pixels) "01 song.flac" had 200 pixels it did not need and the last column cut why a file could not be read.
    The names now take their width (at most those 300 pixels), the reasons the rest."""
    folder = tmp_path / "to-tag"
    write_song(folder / "01 song.flac", seconds=3.0)
    (folder / "02 notes.flac").write_text("not audio")
    dialog = window.open_tag_dialog(TagScope.folder(folder))
    qtbot.addWidget(dialog)
    dialog.resize(960, 560)  # its first size on a 1024-pixel screen
    dialog.show()
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog) and dialog.plan is not None, timeout=ANALYSIS_TIMEOUT_MS)
    table = dialog.table
    assert table.columnWidth(FILE) == table.sizeHintForColumn(FILE) < 300
    reason = next(row for row in tag_rows(dialog) if row.text(FILE) == "02 notes.flac").text(ACTION)
    assert table.columnWidth(ACTION) >= table.sizeHintForColumn(ACTION) >= table.fontMetrics().horizontalAdvance(reason)
    assert not table.horizontalScrollBar().isVisible()


def test_closing_the_tag_dialog_while_it_writes_says_what_it_wrote(
    qtbot, window, tmp_path: Path, message_boxes: list[str]
) -> None:
    """Esc (or Close) while Apply writes stops the run after the file being written and closes the dialog, as it
    did; the files written by then were never said (the results went to the closed dialog): a box says them now."""
    songs = [write_song(tmp_path / "to-tag" / f"{seed}.flac", seconds=3.0, seed=seed) for seed in range(3)]
    dialog = window.open_tag_dialog(TagScope.selection(songs))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog), timeout=ANALYSIS_TIMEOUT_MS)

    dialog.apply_button.click()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: bool(message_boxes), timeout=20_000)

    written = sum(bool(read_genres(song)) for song in songs)
    assert message_boxes[0].startswith(f"Tag genres: {written} written, ")
    assert len(message_boxes) == 1


def test_an_unticked_row_shows_its_box_in_the_dark_theme(qtbot, window, tmp_path: Path) -> None:
    """Fusion drew the tick box's frame a shade darker than the window, invisible on the dark base: an unticked file
    showed no box at all, as if it could not be ticked."""
    songs = [write_song(tmp_path / "to-tag" / f"{seed}.flac", seconds=3.0, seed=seed) for seed in range(2)]
    apply_theme("dark")
    try:
        dialog = window.open_tag_dialog(TagScope.selection(songs))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: tag_dialog_settled(dialog), timeout=ANALYSIS_TIMEOUT_MS)
        table = dialog.table
        table.setCurrentIndex(dialog.rows.index(0, 0))
        unticked = tag_rows(dialog)[1]
        unticked.set_check_state(Qt.CheckState.Unchecked)
        image = table.viewport().grab().toImage()
        row = table.visualRect(dialog.rows.index(1, 0))
        base = table.palette().color(QPalette.ColorRole.Base).lightness()
        box = table.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 4  # the box, left in the row
        frame = [
            (x, y)
            for x in range(row.left(), row.left() + box)
            for y in range(row.top(), row.bottom())
            if image.pixelColor(x, y).lightness() > base + 40
        ]
        assert len(frame) >= 20  # its four sides, seen
    finally:
        apply_theme("system")


def test_return_in_the_tag_dialog_applies_its_plan_and_never_undoes_the_last_run(qtbot, window, tmp_path: Path) -> None:
    """Return on the mode (as after choosing one with Alt+M and the arrows) presses Apply, the default button; it
    pressed Undo last tagging run, Qt's default for want of one, which undid the run made before."""
    song = write_song(tmp_path / "to-tag" / "song.flac", seconds=3.0)
    dialog = window.open_tag_dialog(TagScope.selection([song]))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog), timeout=ANALYSIS_TIMEOUT_MS)
    dialog.mode.setFocus()
    qtbot.waitUntil(dialog.mode.hasFocus, timeout=2000)
    proposed = dialog.plan.items[0].proposed
    qtbot.keyClick(dialog.mode, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)

    assert dialog.last_report.counts()["written"] == 1
    assert proposed and read_genres(song) == proposed
    assert dialog.apply_button.isDefault() and not dialog.undo_button.isDefault()


def test_the_id3_version_chosen_in_settings_is_what_the_tag_dialog_writes_into_an_mp3_without_a_tag(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window wrote ID3v2.4 into every MP3 without a tag, which Windows Explorer before Windows 10 1607, iTunes and
    many car stereos do not read, and offered no other (`tag --id3 v2.3` did).  Settings now offer `tag --id3`'s
    choices, kept for the next start, and the tag dialog writes the one chosen, read on the window's thread (the
    planning worker read the window's QSettings); undo gives back the file's bytes."""
    from musictagger.gui.settings import Settings
    from musictagger.gui.settings_dialog import SettingsDialog

    read_on: list[threading.Thread] = []
    id3_setting = Settings.id3

    def recorded(settings: Settings) -> str:
        read_on.append(threading.current_thread())
        return id3_setting.fget(settings)

    monkeypatch.setattr(Settings, "id3", property(recorded, id3_setting.fset))

    song = write_song(tmp_path / "to-tag" / "song.mp3", kind="mp3", seconds=1.5)
    original = song.read_bytes()
    settings = SettingsDialog(window.settings, window)
    qtbot.addWidget(settings)
    assert settings.id3.currentData() == "keep"  # as `tag --id3` by default
    settings.id3.setCurrentIndex(settings.id3.findData("v2.3"))
    settings.accept()
    assert Settings().id3 == "v2.3"
    dialog = window.open_tag_dialog(TagScope.selection([song]))
    qtbot.addWidget(dialog)
    dialog.threshold.setValue(0)  # write whatever the model says, however unsure
    qtbot.waitUntil(
        lambda: tag_dialog_settled(dialog) and dialog.plan.min_confidence == 0.0, timeout=ANALYSIS_TIMEOUT_MS
    )
    proposed = dialog.plan.items[0].proposed
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)

    assert dialog.last_report.counts()["written"] == 1
    assert ID3(song).version == (2, 3, 0) and proposed and read_genres(song) == proposed
    assert read_on and set(read_on) == {threading.main_thread()}
    dialog.last_report = None
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=ANALYSIS_TIMEOUT_MS)
    assert song.read_bytes() == original


def test_a_library_index_that_cannot_take_the_new_tags_is_a_note_under_the_dialogs_results(
    qtbot, window, tmp_path: Path, message_boxes: list[str]
) -> None:
    """The index written after the files (its disk full, say; here a folder where its file was) failed the worker:
    an error box in place of the results, though the file was written and journalled."""
    song = write_song(tmp_path / "to-tag" / "song.flac", seconds=3.0)
    dialog = window.open_tag_dialog(TagScope.selection([song]))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog), timeout=ANALYSIS_TIMEOUT_MS)
    proposed = dialog.plan.items[0].proposed
    index = userdirs.library_db_path()
    index.rename(index.with_name("aside.sqlite3"))
    index.mkdir()

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=ANALYSIS_TIMEOUT_MS)

    assert proposed and read_genres(song) == proposed
    assert dialog.last_report is not None and dialog.last_report.counts()["written"] == 1
    assert "The library index could not take the new tags" in dialog.status.text()
    assert dialog.status.text().endswith("the next `musictagger index` reads them.")
    assert message_boxes == []


def test_cancelling_the_tag_dialogs_analysis_says_the_preview_holds_only_what_was_analysed(
    qtbot, window, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    for seed in range(4):
        write_song(folder / f"{seed}.flac", seed=seed)
    dialog = window.open_tag_dialog(TagScope.folder(folder))
    qtbot.addWidget(dialog)
    dialog.cancel()  # at once, while the files are being analysed
    assert dialog.status.text() == "Stopping once the files already started are done…"
    qtbot.waitUntil(lambda: tag_dialog_settled(dialog), timeout=ANALYSIS_TIMEOUT_MS)
    analysed = len(dialog.plan.items)
    assert dialog.status.text().endswith(f"(analysis cancelled: the {analysed} files analysed by then)")


def test_the_live_matches_update_in_place_and_keep_the_selected_track(qtbot, window, tmp_path: Path) -> None:
    """A new live code searches again without blanking the list, and the match the user picked stays picked, with the
    others selected beside it (searched again at every step, the list kept only the current one selected)."""
    folder = tmp_path / "Music"
    tracks = [write_song(folder / f"{seed:02}.flac", seconds=3.0, seed=seed) for seed in range(4)]
    assert index_folders([folder], workers=1).analysed == len(tracks)
    model = load_model()
    first, second = (model.analyze_file(path) for path in tracks[:2])
    matches = window.live.matches
    table = matches.table

    def paths() -> list[str]:
        return [table.topLevelItem(row).text(PATH) for row in range(table.topLevelItemCount())]

    matches.show_matches_for(LIVE_QUERY, first.bits, first.relaxed_code)
    qtbot.waitUntil(lambda: len(paths()) == len(tracks), timeout=ANALYSIS_TIMEOUT_MS)
    assert paths()[0] == str(tracks[0])
    picked_path = next(path for path in reversed(paths()) if path != str(tracks[1]))  # not the next first match
    table.setCurrentItem(table.topLevelItem(paths().index(picked_path)))
    also = next(path for path in paths() if path not in (picked_path, str(tracks[1])))
    table.topLevelItem(paths().index(also)).setSelected(True)  # Ctrl+click: two selected, to drag out
    before = paths()

    matches.show_matches_for(LIVE_QUERY, second.bits, second.relaxed_code)  # the live code changed
    assert paths() == before and table.currentItem().text(PATH) == picked_path  # while the search runs
    qtbot.waitUntil(lambda: paths()[0] == str(tracks[1]), timeout=ANALYSIS_TIMEOUT_MS)
    assert table.currentItem().text(PATH) == picked_path  # still the track the user picked, wherever it is now
    assert set(matches.selected_paths()) == {Path(picked_path), Path(also)}
    assert matches.play_match_button.isEnabled()

    window.live.matches.clear()  # another query (here none) starts from an empty list
    assert not paths()


def test_live_steps_asked_during_a_search_are_searched_once_after_it_though_nothing_matched(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Steps that come while the live query's search is under way are searched once it answers, with the code asked
    last, also while its list is empty (no track in the library, none of the model's, a search that failed): each
    then started a search of its own on the window's one I/O thread, piling up behind a slow one, and set "Searching
    the library…" over the last answer at every step."""
    asked: list[float] = []
    search = matches_view.search

    def searching(bits: np.ndarray, relaxed: np.ndarray, *rest):  # the real search, its codes noted
        asked.append(float(relaxed[0]))
        return search(bits, relaxed, *rest)

    monkeypatch.setattr(matches_view, "search", searching)
    runner, model_path = TaskRunner("io"), default_model_path()
    matches = MatchesView(runner, model_path, load_manifest(model_path))
    qtbot.addWidget(matches)
    steps = [np.full(matches.manifest.bits, value, np.float32) for value in (0.2, 0.4, 0.6)]

    for relaxed in steps:  # three steps before the event loop delivers the first answer
        matches.show_matches_for(LIVE_QUERY, relaxed > 0.5, relaxed)
    qtbot.waitUntil(lambda: not matches.searching, timeout=10_000)
    assert asked == pytest.approx([0.2, 0.6])  # the first step's, then the last's
    assert matches.message.text() == NO_TRACK_TEXT
    matches.show_matches_for(LIVE_QUERY, steps[1] > 0.5, steps[1])
    assert matches.message.text() == NO_TRACK_TEXT  # the last answer, while the next step's search runs
    qtbot.waitUntil(lambda: not matches.searching, timeout=10_000)
    runner.shutdown()


def test_the_same_query_searched_again_after_a_failed_search_says_it_is_searching(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same query searched again kept its message until the answer (8258778): after a failed search, "The library
    could not be searched: …" stood over the search that might answer it, as though that one had failed too."""
    failing = [True]
    search = matches_view.search

    def searching(*arguments):  # the real search, once the library can be read
        if failing[0]:
            raise DatabaseError("library.sqlite3: database is locked")
        return search(*arguments)

    monkeypatch.setattr(matches_view, "search", searching)
    runner, model_path = TaskRunner("io"), default_model_path()
    matches = MatchesView(runner, model_path, load_manifest(model_path))
    qtbot.addWidget(matches)
    relaxed = np.full(matches.manifest.bits, 0.2, np.float32)
    matches.show_matches_for(LIVE_QUERY, relaxed > 0.5, relaxed)
    qtbot.waitUntil(lambda: not matches.searching, timeout=10_000)
    assert matches.message.text().startswith("The library could not be searched")

    failing[0] = False
    matches.show_matches_for(LIVE_QUERY, relaxed > 0.5, relaxed)
    assert matches.message.text() == "Searching the library…"
    qtbot.waitUntil(lambda: not matches.searching, timeout=10_000)
    assert matches.message.text() == NO_TRACK_TEXT
    runner.shutdown()


def test_undo_with_no_tagging_run_says_there_is_nothing_to_undo(qtbot, window, message_boxes: list[str]) -> None:
    """Tools ▸ Undo last tagging run before any run showed a warning, 'nothing to undo: no tagging run that changed
    files in the journal /…/journal.sqlite3', where the Tag genres dialog, after an undo, says 'Nothing to undo.'."""
    tools = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Tools")
    next(action for action in tools.actions() if action.text() == "&Undo last tagging run").trigger()
    qtbot.waitUntil(lambda: message_boxes == ["Undo last tagging run: Nothing to undo."], timeout=10_000)

"""Tagging another field than genre (a personal model's mood or grouping) on real files of every format:
the values land in that field (read back with mutagen itself), the genres stay, the modes hold, and undo
restores exactly that field from the journal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.tagging.apply import apply_plan
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.journal import Journal
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import Action, Mode, Prediction, make_plan, preview_columns
from musictagger.tagging.undo import undo
from musictagger.tags.formats import read_values
from tests.tagging.media import KINDS, make_file, native_genres, native_tags, native_values, pretag, pretag_field

CALM = Prediction("calm", 0.9, uncertain=False)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with Journal() as journal:
        yield journal


@pytest.mark.parametrize("fmt", KINDS)
def test_a_mood_is_written_into_the_mood_field_and_undo_restores_the_original(
    tmp_path: Path, journal: Journal, fmt: str
) -> None:
    empty, moody = make_file(tmp_path, fmt, name="empty"), make_file(tmp_path, fmt, name="moody", seed=1)
    for path in (empty, moody):
        pretag(path, genres=["Jazz"])
    pretag_field(moody, "mood", ["Dark"])
    before = {path: (native_tags(path), audio_payload_digest(path)) for path in (empty, moody)}

    plan = make_plan({empty: CALM, moody: CALM}, min_confidence=0.5, field="mood")  # fill-empty by default
    assert [(item.action, item.reason) for item in plan.items] == [
        (Action.WRITE, ""),
        (Action.UNCHANGED, "has a mood already"),
    ]
    report = apply_plan(plan, journal)

    assert [(o.path, o.status) for o in report.outcomes] == [(empty, "written")]
    assert native_values(empty, "mood") == ["Calm"] and native_genres(empty) == ["Jazz"]
    assert native_values(moody, "mood") == ["Dark"]
    assert audio_payload_digest(empty) == before[empty][1]
    (entry,) = journal.entries(report.run_id)
    assert (entry.field, entry.old_genres, entry.new_genres) == ("mood", (), ("Calm",))

    appended = apply_plan(make_plan({moody: CALM}, mode=Mode.APPEND, min_confidence=0.5, field="mood"), journal)
    assert native_values(moody, "mood") == ["Dark", "Calm"] and native_genres(moody) == ["Jazz"]

    assert [o.status for o in undo(journal, appended.run_id).outcomes] == ["restored"]
    assert [o.status for o in undo(journal, report.run_id).outcomes] == ["restored"]
    for path in (empty, moody):
        assert native_tags(path) == before[path][0]
        assert audio_payload_digest(path) == before[path][1]


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_replace_sets_the_grouping_alone(tmp_path: Path, journal: Journal, fmt: str) -> None:
    path = make_file(tmp_path, fmt)
    pretag(path, genres=["Jazz"])
    pretag_field(path, "grouping", ["Old", "Older"])
    pretag_field(path, "mood", ["Dark"])
    before = native_tags(path)

    report = apply_plan(make_plan({path: CALM}, mode=Mode.REPLACE, min_confidence=0.5, field="grouping"), journal)

    assert [o.status for o in report.outcomes] == ["written"]
    assert native_values(path, "grouping") == ["Calm"]
    assert (native_values(path, "mood"), native_genres(path)) == (["Dark"], ["Jazz"])
    undo(journal, report.run_id)
    assert native_tags(path) == before


def test_several_moods_survive_id3v23_as_they_do_as_genres(tmp_path: Path) -> None:
    path = make_file(tmp_path, "mp3")
    detect(path).write_labels(path, "mood", ["Calm", "Dark"], Id3Version.V23)
    assert native_values(path, "mood") == ["Calm/Dark"]  # v2.3 has no multi-value frames
    assert read_values(path, "mood") == ("Calm", "Dark")


def test_the_preview_names_the_field() -> None:
    assert preview_columns("mood")[1:3] == ("current mood", "proposed mood")

"""Reading a file's tags (what indexing stores of every file, what learning reads of a field) parses it once: the
parse that tells its format is the one read, but for ID3 tags, loaded again as stored."""

from __future__ import annotations

from pathlib import Path

from mutagen.flac import FLAC, Picture

from musictagger.tagging.plan import Action, Prediction, make_plan
from musictagger.tags.formats import TagSummary, read_tags, read_values
from tests.audio.signals import piece, write

COVER_BYTES = 3_000_000


def bytes_read() -> int:
    """Bytes this process has read from files so far (``rchar``: what its read calls returned)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar"))


def flac_with_a_cover(path: Path) -> Path:
    """A one-second FLAC file with tags and a :data:`COVER_BYTES` cover."""
    write(path, piece(1, sr=44100, seconds=1.0), 44100, "flac")
    flac = FLAC(path)
    flac["title"], flac["artist"], flac["genre"], flac["mood"] = "Evening", "Band", ["Jazz", "Soul"], "calm"
    cover = Picture()
    cover.type, cover.mime, cover.data = 3, "image/jpeg", bytes(COVER_BYTES)
    flac.add_picture(cover)
    flac.save()
    return path


def test_a_flac_files_tags_are_read_with_its_cover_once(tmp_path: Path) -> None:
    """detect() parsed the file with mutagen to tell its format, and read_tags (read_values too) parsed it again to
    read the tags: a FLAC file's 3-MB cover was read twice."""
    path = flac_with_a_cover(tmp_path / "track.flac")

    before = bytes_read()
    summary = read_tags(path)
    tags_read = bytes_read() - before
    before = bytes_read()
    moods = read_values(path, "mood")
    mood_read = bytes_read() - before

    assert summary == TagSummary("Evening", "Band", None, ("Jazz", "Soul")) and moods == ("calm",)
    assert COVER_BYTES < tags_read < 1.5 * COVER_BYTES
    assert COVER_BYTES < mood_read < 1.5 * COVER_BYTES


def test_a_tagging_plan_reads_a_files_tags_with_its_cover_once(tmp_path: Path) -> None:
    """The plan (tag's, and the Tag dialog's) parsed each file with mutagen to tell its format, then again to read its
    genres: a 3-MB cover read twice for a file it would not write (one to be written is read whole again for its
    fingerprint)."""
    path = flac_with_a_cover(tmp_path / "track.flac")

    before = bytes_read()
    plan = make_plan({path: Prediction("rock", 0.8, uncertain=False)})
    planned_read = bytes_read() - before

    (item,) = plan.items
    assert item.current == ("Jazz", "Soul") and item.action is Action.UNCHANGED  # fill-empty: no fingerprint
    assert COVER_BYTES < planned_read < 1.5 * COVER_BYTES

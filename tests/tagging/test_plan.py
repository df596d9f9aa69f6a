"""Planning: the action and new genres per mode and threshold, on real files; the preview as CSV."""

from __future__ import annotations

import codecs
import csv
import gc
import unicodedata
import weakref
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from musictagger import csv_file
from musictagger.errors import DecodeError, FileError
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.tagging.formats import Id3Version, detect
from musictagger.tagging.payload import audio_payload_digest
from musictagger.tagging.plan import (
    Action,
    FileStates,
    Mode,
    Prediction,
    Skip,
    decide,
    make_plan,
    preview_columns,
    preview_rows,
    write_preview_csv,
)
from tests.tagging.media import make_file, pretag
from tests.tagging.test_tags_read_once import bytes_read

ROCK = Prediction("rock", 0.8, uncertain=False)


@pytest.mark.parametrize(
    ("mode", "current", "action", "proposed"),
    [
        (Mode.REPLACE, (), Action.WRITE, ("Rock",)),
        (Mode.REPLACE, ("Jazz", "Blues"), Action.WRITE, ("Rock",)),
        (Mode.REPLACE, ("rock",), Action.UNCHANGED, ("rock",)),
        (Mode.REPLACE, ("Rock", "Jazz"), Action.WRITE, ("Rock",)),
        (Mode.APPEND, (), Action.WRITE, ("Rock",)),
        (Mode.APPEND, ("Jazz",), Action.WRITE, ("Jazz", "Rock")),
        (Mode.APPEND, ("Jazz", "ROCK"), Action.UNCHANGED, ("Jazz", "ROCK")),
        (Mode.FILL_EMPTY, (), Action.WRITE, ("Rock",)),
        (Mode.FILL_EMPTY, ("Jazz",), Action.UNCHANGED, ("Rock",)),  # what the model says, not the file's genre
    ],
)
def test_each_mode_decides_the_new_genres(
    mode: Mode, current: tuple[str, ...], action: Action, proposed: tuple[str, ...]
) -> None:
    got_action, _, got_proposed = decide(current, ROCK, mode=mode, min_confidence=0.5)

    assert (got_action, got_proposed) == (action, proposed)


@pytest.mark.parametrize("mode", [Mode.REPLACE, Mode.APPEND])
def test_a_genre_whose_accents_a_mac_decomposed_is_the_label_the_model_proposes(mode: Mode) -> None:
    """A personal model's label typed composed (``Électro``) and a file's tag filled on a Mac, its accent a separate
    character: append wrote a second, identical-looking ``Électro`` beside it, replace rewrote the file."""
    electro = Prediction("Électro", 0.8, uncertain=False)
    decomposed = unicodedata.normalize("NFD", "Électro")

    assert decide((decomposed,), electro, mode=mode, min_confidence=0.5) == (
        Action.UNCHANGED,
        "already set",
        (decomposed,),
    )


def test_below_the_threshold_a_file_is_skipped_but_shows_what_it_would_get() -> None:
    action, reason, proposed = decide(("Jazz",), ROCK, mode=Mode.APPEND, min_confidence=0.81)

    assert action is Action.SKIP
    assert reason == "below threshold 0.81"
    assert proposed == ("Jazz", "Rock")
    assert decide(("Jazz",), ROCK, mode=Mode.APPEND, min_confidence=0.8)[0] is Action.WRITE
    nearly = Prediction("rock", 0.6959, uncertain=False)  # shown as 0.70: the reason says why it is below 0.70
    assert decide((), nearly, mode=Mode.APPEND, min_confidence=0.7)[1] == "below threshold 0.70 (0.696)"


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("current", [(), ("Jazz",), ("Rock",)])
@pytest.mark.parametrize("reason", ["not music", "not one of: classical, electronic, pop, rock"])
def test_an_unknown_verdict_is_never_written_whatever_the_mode_or_threshold(
    mode: Mode, current: tuple[str, ...], reason: str
) -> None:
    unknown = Prediction(None, 0.97, uncertain=False, reason=reason)

    assert decide(current, unknown, mode=mode, min_confidence=0.0) == (Action.SKIP, f"unknown: {reason}", ())


def test_planning_again_reads_only_the_files_changed_since(tmp_path: Path) -> None:
    """The window's preview plans its files again at each change of threshold or mode: it read every file's tags, and
    the whole of each file to be written for its fingerprint, each time (a 60-file album of FLACs: 743 MB a change).
    What a plan read is kept while the file is as it was (FileStates): a file changed since is read again."""
    files = [make_file(tmp_path, "flac", name=f"{n:02d}", seconds=10.0, seed=n) for n in range(3)]
    size = sum(path.stat().st_size for path in files)
    predictions = {path: ROCK for path in files}
    states = FileStates()

    before = bytes_read()
    first = make_plan(predictions, min_confidence=0.0, states=states)
    first_read = bytes_read() - before
    before = bytes_read()
    again = make_plan(predictions, min_confidence=0.5, mode=Mode.REPLACE, states=states)
    again_read = bytes_read() - before
    assert [item.action for item in first.items] == [item.action for item in again.items] == [Action.WRITE] * 3
    assert first_read > size and again_read < 4096  # before: as much again

    pretag(files[1], genres=["Jazz"])  # another tagger meanwhile: that file is read again, the others not
    before = bytes_read()
    changed = make_plan(predictions, min_confidence=0.0, mode=Mode.FILL_EMPTY, states=states)
    assert bytes_read() - before < 1.5 * files[1].stat().st_size
    assert [item.action for item in changed.items] == [Action.WRITE, Action.UNCHANGED, Action.WRITE]
    assert changed.items[1].current == ("Jazz",) and changed.items[0].fingerprint == first.items[0].fingerprint


def test_plans_made_again_of_unreadable_files_are_not_kept_alive(tmp_path: Path) -> None:
    """FileStates keeps a file's refusal and raised the same error at each plan: each raise added to its traceback,
    which held the plans made before, so every change of threshold in the window kept one more plan alive."""
    files = []
    for n in range(3):
        files.append(tmp_path / f"{n}.mp3")
        files[-1].write_bytes(b"not an mp3 at all" * 50)
    states = FileStates()
    plans = [make_plan(dict.fromkeys(files, ROCK), min_confidence=0.1 * n, states=states) for n in range(4)]
    assert {item.action for plan in plans for item in plan.items} == {Action.ERROR}
    earlier = [weakref.ref(item) for plan in plans[:3] for item in plan.items]

    del plans
    gc.collect()

    assert [ref() for ref in earlier if ref() is not None] == []


def test_a_plan_on_real_files_reads_their_genres_and_says_why_for_each(tmp_path: Path) -> None:
    untagged = make_file(tmp_path, "flac", name="untagged")
    tagged = make_file(tmp_path, "mp3", name="tagged")
    pretag(tagged, genres=["Rock"])
    corrupt = tmp_path / "corrupt.m4a"
    corrupt.write_bytes(b"not a movie at all")
    foreign = tmp_path / "song.tta"
    foreign.write_bytes(b"whatever")
    failed = make_file(tmp_path, "wav", name="failed")
    predictions = {
        untagged: ROCK,
        tagged: ROCK,
        corrupt: ROCK,
        foreign: ROCK,
        failed: DecodeError(failed, "too damaged to analyse"),
    }

    plan = make_plan(predictions, mode=Mode.REPLACE, min_confidence=0.5, id3_version=Id3Version.V23)

    by_path = {item.path: item for item in plan.items}
    assert [item.path for item in plan.items] == list(predictions)
    assert by_path[untagged].action is Action.WRITE
    assert by_path[untagged].proposed == ("Rock",)
    assert by_path[untagged].fingerprint == Fingerprint.of(untagged)
    assert by_path[tagged].action is Action.UNCHANGED
    assert by_path[tagged].current == ("Rock",)
    assert by_path[corrupt].action is Action.ERROR
    assert "tags can be read" in by_path[corrupt].reason
    assert by_path[foreign].action_text == "skip: not taggable (.tta)"
    assert by_path[failed].action_text == "error: too damaged to analyse"
    assert plan.counts() == {Action.WRITE: 1, Action.UNCHANGED: 1, Action.ERROR: 2, Action.SKIP: 1}


# MP3, FLAC and WavPack are bare streams of frames, still streams of frames when cut short: they are written.
@pytest.mark.parametrize("fmt", ["wav", "aiff", "ogg", "opus"])
def test_a_container_cut_short_is_an_error_in_the_preview_as_the_run_would_find_it(tmp_path: Path, fmt: str) -> None:
    """A recording or a download cut short: the run's check that tagging leaves the audio as it was cannot find it
    ('chunk b'data' runs past the end of the file (truncated?)'), and the preview said 'write'."""
    path = make_file(tmp_path, fmt, seconds=1.0)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    with pytest.raises(FileError) as refused:
        audio_payload_digest(path)

    (item,) = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5).items

    assert (item.action, item.reason) == (Action.ERROR, refused.value.reason)
    assert item.reason.startswith("cannot locate its audio data (")


@pytest.mark.parametrize("analysed", [True, False], ids=["after-its-analysis", "during-its-analysis"])
def test_a_file_moved_or_deleted_since_it_was_found_is_skipped_saying_so(tmp_path: Path, analysed: bool) -> None:
    """Moved out of the folder while the run analysed the others: it was an error ('file not found' from the
    analysis, or 'cannot read its tags ([Errno 2] No such file or directory: …)'), counted as failed, where a file
    moved after the plan is skipped."""
    path = make_file(tmp_path, "flac", name="moved")
    path.rename(tmp_path / "elsewhere.flac")
    prediction = ROCK if analysed else DecodeError(path, "file not found")

    (item,) = make_plan({path: prediction}, mode=Mode.REPLACE, min_confidence=0.5).items

    assert item.action_text == "skip: is no longer there (moved, renamed or deleted since it was found)"
    assert item.skip is Skip.GONE


def ogg_flac(path: Path) -> Path:
    """A second of a tone as FLAC in an Ogg stream (``.oga``), as FFmpeg writes it."""
    samples = (np.sin(np.arange(48000) / 10) * 10000).astype(np.int16)[None]
    with av.open(str(path), "w", format="ogg") as out:
        stream = out.add_stream("flac", rate=48000, layout="mono")
        stream.codec_context.format = "s16"
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.rate, frame.pts = 48000, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def test_a_format_tagging_does_not_write_under_a_taggable_extension_is_skipped_as_not_taggable(
    tmp_path: Path,
) -> None:
    """An Ogg FLAC ``.oga`` and an RF64 ``.wav`` were errors ('tags of OggFLAC files are not supported', 'cannot read
    its tags (Root chunk must be a RIFF chunk, got RF64)'), counted as failed at every run, where a ``.tta`` is
    skipped."""
    oga = ogg_flac(tmp_path / "song.oga")
    rf64 = tmp_path / "take.wav"
    sf.write(rf64, np.zeros(4800, dtype=np.float32), 48000, format="RF64", subtype="PCM_16")

    plan = make_plan({oga: ROCK, rf64: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    assert [item.action_text for item in plan.items] == ["skip: not taggable (Ogg FLAC)", "skip: not taggable (RF64)"]
    assert plan.summary() == "0 write, 0 unchanged, 2 skip (2 not a taggable format), 0 error"


def test_a_damaged_flac_file_is_an_error_naming_it_once(tmp_path: Path) -> None:
    """A FLAC file whose ``fLaC`` mark is damaged: the preview said 'cannot read its tags ('/…/song.flac' is not a
    valid FLAC file)', its path a second time in its reason, beside the path column (a line more in the terminal)."""
    path = make_file(tmp_path, "flac", name="song", seconds=1.0)
    path.write_bytes(b"fLaX" + path.read_bytes()[4:])

    (item,) = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.5).items

    assert (item.action, item.reason) == (Action.ERROR, "cannot read its tags (it is not a valid FLAC file)")


def pyav_file(path: Path, container: str, codec: str) -> Path:
    """A tenth of a second of a tone, encoded with ``codec`` in ``container`` whatever ``path``'s extension says."""
    samples = (np.sin(np.arange(4410) / 10) * 0.3).astype(np.float32)[None]
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=44100, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        frame.rate, frame.pts = 44100, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


# (name, container, codec) of recordings whose name promises a taggable format their bytes are not.
LYING_NAMES = [
    ("sun.wav", "au", "pcm_s16be"),
    ("wave64.wav", "w64", "pcm_s16le"),
    ("adts.m4a", "adts", "aac"),
    ("adts.mp3", "adts", "aac"),
    ("core.m4a", "caf", "pcm_s16le"),
    ("matroska.m4a", "matroska", "flac"),
    ("true.flac", "tta", "tta"),
]


def test_a_recording_whose_name_promises_a_taggable_format_it_is_not_is_skipped_naming_what_it_is(
    tmp_path: Path,
) -> None:
    """A Sun AU or Wave64 file named .wav, an ADTS AAC stream named .m4a (as some rippers and downloaders name it) or
    .mp3, a CAF or Matroska file named .m4a, a TTA file named .flac: each was an error in mutagen's words ('cannot read
    its tags (Root chunk must be a RIFF chunk, got .snd)', 'not a file format whose tags can be read (unrecognised
    header)', '… is not a valid FLAC file'), counted as failed at every run, where the same file under its own name
    is skipped as not taggable.  Each is now skipped, naming what it is, and left as it was."""
    paths = [pyav_file(tmp_path / name, container, codec) for name, container, codec in LYING_NAMES]
    before = [path.read_bytes() for path in paths]

    plan = make_plan(dict.fromkeys(paths, ROCK), mode=Mode.REPLACE, min_confidence=0.5)

    assert [item.action_text for item in plan.items] == [
        f"skip: not taggable ({kind})"
        for kind in ("Sun AU", "Wave64", "ADTS AAC", "ADTS AAC", "CAF", "Matroska", "TrueAudio")
    ]
    assert [item.skip for item in plan.items] == [Skip.NOT_TAGGABLE] * len(paths)
    assert [path.read_bytes() for path in paths] == before


def test_the_id3_version_of_a_file_to_write_is_recorded_for_undo(tmp_path: Path) -> None:
    v23 = make_file(tmp_path, "aiff")
    pretag(v23, genres=["Jazz"])

    detect(v23).write_labels(v23, "genre", ["Jazz"], Id3Version.V23)
    fresh = make_file(tmp_path, "wav")

    plan = make_plan({v23: ROCK, fresh: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    assert [item.id3_version for item in plan.items] == [Id3Version.V23, None]


def test_planning_stops_when_asked_and_reports_progress(tmp_path: Path) -> None:
    files = [make_file(tmp_path, "wav", name=f"f{i}") for i in range(4)]
    seen: list[tuple[int, int, Path]] = []

    plan = make_plan(
        dict.fromkeys(files, ROCK),
        on_progress=lambda done, total, path: seen.append((done, total, path)),
        should_stop=lambda: len(seen) >= 2,
    )

    assert [item.path for item in plan.items] == files[:2]
    assert seen == [(1, 4, files[0]), (2, 4, files[1])]


def test_the_preview_csv_holds_exactly_the_preview_rows(tmp_path: Path) -> None:
    tagged = make_file(tmp_path, "ogg", name="tagged, with a comma")
    pretag(tagged, genres=["Jazz", "Blues"])
    uncertain = make_file(tmp_path, "opus", name="uncertain")
    plan = make_plan(
        {tagged: ROCK, uncertain: Prediction("pop", 0.45, uncertain=True)}, mode=Mode.APPEND, min_confidence=0.5
    )
    out = tmp_path / "preview.csv"

    write_preview_csv(plan, out)

    with open(out, newline="", encoding=csv_file.ENCODING) as file:
        rows = list(csv.reader(file))
    assert tuple(rows[0]) == preview_columns("genre")
    assert [tuple(row) for row in rows[1:]] == preview_rows(plan)
    assert rows[1:] == [
        [str(tagged), "Jazz; Blues", "Jazz; Blues; Rock", "0.80", "write"],
        [str(uncertain), "", "Pop", "0.45 (uncertain)", "skip: below threshold 0.50"],
    ]


def test_the_preview_csv_opens_in_a_spreadsheet_with_its_accents(tmp_path: Path) -> None:
    """Excel on Windows reads a CSV file without a byte-order mark in the ANSI code page: `Électro` showed as
    `Ã‰lectro`, in the file's name and in its genre."""
    path = make_file(tmp_path, "flac", name="Électro")
    pretag(path, genres=["Électro"])
    out = tmp_path / "preview.csv"

    write_preview_csv(make_plan({path: ROCK}, mode=Mode.APPEND, min_confidence=0.5), out)

    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data[len(codecs.BOM_UTF8) :].decode().splitlines()[1] == f"{path},Électro,Électro; Rock,0.80,write"


@pytest.mark.parametrize("mode", [Mode.FILL_EMPTY, "fill-empty"])  # the text is what a Qt combo box hands back
def test_the_default_and_the_modes_text_keep_an_existing_genre(tmp_path: Path, mode: Mode | str) -> None:
    tagged = make_file(tmp_path, "flac")
    pretag(tagged, genres=["Alternative Rock"])

    by_default = make_plan({tagged: ROCK}, min_confidence=0.5)
    asked = make_plan({tagged: ROCK}, mode=mode, min_confidence=0.5)

    for plan in (by_default, asked):
        assert plan.mode is Mode.FILL_EMPTY
        assert [(item.action, item.current, item.proposed) for item in plan.items] == [
            (Action.UNCHANGED, ("Alternative Rock",), ("Rock",))
        ]


@pytest.mark.parametrize(("fmt", "blank"), [("flac", ""), ("m4a", ""), ("ogg", " "), ("mp3", " ")])
def test_a_blank_genre_is_no_genre_and_fill_empty_fills_it(tmp_path: Path, fmt: str, blank: str) -> None:
    """A ripper or a tag editor leaves GENRE="" (or a space) where a disc had none: fill-empty left such a file alone
    as 'has a genre already', and append wrote the blank back beside the new genre."""
    path = make_file(tmp_path, fmt)
    pretag(path, genres=[blank])

    filled = make_plan({path: ROCK}, mode=Mode.FILL_EMPTY, min_confidence=0.5, id3_version=Id3Version.V24)
    appended = make_plan({path: ROCK}, mode=Mode.APPEND, min_confidence=0.5, id3_version=Id3Version.V24)

    for plan in (filled, appended):  # the blank kept as the current value: undo gives it back
        assert [(item.action, item.current, item.proposed) for item in plan.items] == [
            (Action.WRITE, (blank,), ("Rock",))
        ]


def test_a_read_only_file_below_the_threshold_says_it_is_read_only(tmp_path: Path) -> None:
    """A lower threshold (or a tick in the window) would not get it written: the preview says what would."""
    path = make_file(tmp_path, "flac")
    path.chmod(0o444)

    (item,) = make_plan({path: ROCK}, mode=Mode.REPLACE, min_confidence=0.95).items

    assert (item.action, item.reason, item.proposed) == (Action.SKIP, "is read-only", ("Rock",))


def test_the_preview_gives_no_confidence_to_a_file_the_model_has_no_genre_for(tmp_path: Path) -> None:
    known, unknown = make_file(tmp_path, "flac", name="known"), make_file(tmp_path, "flac", name="unknown", seed=1)
    refused = Prediction(None, 0.94, uncertain=False, reason="not one of: classical, electronic, pop, rock")

    rows = preview_rows(make_plan({known: ROCK, unknown: refused}, mode=Mode.REPLACE, min_confidence=0.5))

    assert [(row[3], row[4]) for row in rows] == [
        ("0.80", "write"),
        ("", "skip: unknown: not one of: classical, electronic, pop, rock"),
    ]


def test_the_summary_says_what_kept_the_skipped_files_alone_most_first(tmp_path: Path) -> None:
    """In a run of thousands the table scrolls away: the last line groups the skipped files by why."""
    files = [make_file(tmp_path, "flac", name=f"f{i}", seed=i) for i in range(7)]
    read_only = make_file(tmp_path, "mp3", name="read-only")
    read_only.chmod(0o444)
    foreign = tmp_path / "song.tta"
    foreign.write_bytes(b"whatever")
    not_mine = Prediction(None, 0.9, uncertain=False, reason="not one of: classical, electronic, pop, rock")
    predictions = {
        files[0]: ROCK,
        files[1]: not_mine,
        files[2]: not_mine,
        files[3]: not_mine,
        files[4]: Prediction("pop", 0.55, uncertain=True),
        files[5]: Prediction("pop", 0.61, uncertain=False),
        files[6]: Prediction(None, 0.7, uncertain=False, reason="not music"),
        read_only: ROCK,
        foreign: ROCK,
    }

    plan = make_plan(predictions, mode=Mode.REPLACE, min_confidence=0.7)

    assert plan.summary() == (
        "1 write, 0 unchanged, 8 skip (3 not one of my genres, 2 below 0.70, 1 not music, 1 cannot be written, "
        "1 not a taggable format), 0 error"
    )
    mood = make_plan({files[1]: not_mine}, mode=Mode.REPLACE, field="mood")
    assert mood.summary() == "0 write, 0 unchanged, 1 skip (1 not one of my moods), 0 error"


def test_files_gone_since_they_were_found_are_counted_as_gone_not_as_files_that_cannot_be_written(
    tmp_path: Path,
) -> None:
    """A drive unplugged while `tag` analysed its files: the last line said `150 skip (150 cannot be written)`, as it
    says of read-only files, over a table of files that are `no longer there` (found by the concurrency walk)."""
    kept, gone = make_file(tmp_path, "flac", name="kept"), make_file(tmp_path, "flac", name="gone")
    gone.unlink()

    plan = make_plan({kept: ROCK, gone: ROCK}, mode=Mode.REPLACE, min_confidence=0.5)

    assert plan.summary() == "1 write, 0 unchanged, 1 skip (1 no longer there), 0 error"

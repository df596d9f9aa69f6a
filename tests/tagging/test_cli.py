"""``musictagger tag`` and ``musictagger undo`` end to end: real files of every format, the shipped model,
the real journal; and a real process killed in the middle of a batch."""

from __future__ import annotations

import csv
import functools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import mutagen
import pytest

from musictagger import csv_file, userdirs
from musictagger.cli import tag as tag_command
from musictagger.cli.lines import path_line
from musictagger.cli.main import main
from musictagger.cli.table import columns
from musictagger.model.runtime import load_model
from musictagger.tagging.atomic import TEMP_MARK
from musictagger.tagging.journal import Journal, RunStatus
from musictagger.tagging.payload import audio_payload_digest
from tests.conftest import PROJECT_ROOT
from tests.processes import musictagger_process
from tests.tagging.media import KINDS, UNKNOWN_FRAME, make_file, native_genres, native_tags, pretag, v23_mp3
from tests.tagging.preview import preview_actions


def snapshot(paths: list[Path]) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in paths}


@functools.cache
def predicted(path: Path) -> tuple[str, float]:
    """The genre tag and confidence the shipped model gives ``path``, measured here, not assumed."""
    analysis = load_model().analyze_file(path)
    return analysis.genre.capitalize(), analysis.confidence


def make_library(folder: Path, formats: list[str]) -> tuple[list[Path], Path, Path]:
    """Music in ``formats`` (every other file already tagged Jazz), a hiss the model is less sure
    about, and a corrupt "mp3": (music files, hiss, corrupt)."""
    music = [make_file(folder, fmt, seed=i) for i, fmt in enumerate(formats)]
    for path in music[::2]:
        pretag(path, genres=["Jazz"])
    hiss = make_file(folder, "flac", name="hiss", hiss=True)
    corrupt = folder / "corrupt.mp3"
    corrupt.write_bytes(b"\xff\xfb" + b"\x00garbage" * 500)
    return music, hiss, corrupt


def threshold_between(music: list[Path], hiss: Path) -> float:
    """A threshold the music passes and the hiss does not (skip if the model is equally sure of both)."""
    music_confidence = min(predicted(path)[1] for path in music)
    hiss_confidence = predicted(hiss)[1]
    if hiss_confidence >= music_confidence:
        pytest.skip(f"the model is as sure of hiss ({hiss_confidence:.2f}) as of music ({music_confidence:.2f})")
    return round((music_confidence + hiss_confidence) / 2, 4)


def test_dry_run_writes_nothing_and_prints_and_saves_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "music"
    music, hiss, corrupt = make_library(folder, ["mp3", "m4a"])
    threshold = threshold_between(music, hiss)
    before = snapshot([*music, hiss, corrupt])
    preview = tmp_path / "preview.csv"

    options = ["--mode", "replace", "--min-confidence", str(threshold), "--csv", str(preview)]
    status = main(["tag", str(folder), "--dry-run", *options])

    assert status == 1  # the corrupt file
    assert snapshot([*music, hiss, corrupt]) == before
    assert not userdirs.journal_db_path().exists()
    with open(preview, newline="", encoding=csv_file.ENCODING) as file:
        rows = {Path(row["file"]): row for row in csv.DictReader(file)}
    assert set(rows) == {*music, hiss, corrupt}
    for path in music:
        genre, confidence = predicted(path)
        assert rows[path]["proposed genre"] == genre
        assert rows[path]["confidence"].split()[0] == f"{confidence:.2f}"
        assert rows[path]["action"] == "write"
    assert rows[hiss]["action"] == f"skip: below threshold {threshold:.2f}"
    assert rows[corrupt]["action"].startswith("error: ")
    out = capsys.readouterr().out
    assert preview_actions(out, rows) == {path: row["action"] for path, row in rows.items()}


def test_tag_resume_and_undo_every_format_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "music"
    music, hiss, corrupt = make_library(folder, list(KINDS))
    threshold = threshold_between(music, hiss)
    tags_before = {path: native_tags(path) for path in music}
    audio_before = {path: audio_payload_digest(path) for path in [*music, hiss]}
    untouched = snapshot([hiss, corrupt])
    command = ["tag", str(folder), "--mode", "append", "--min-confidence", str(threshold)]

    assert main(command) == 1  # the corrupt file is reported, the rest is written
    out = capsys.readouterr().out

    assert preview_actions(out, [corrupt])[corrupt].startswith("error: ")  # in the preview, under its heading
    # The run's totals count every file of the plan, as the plan's line above them does.
    assert f"{len(music)} write, 0 unchanged, 1 skip (1 below {threshold:.2f}), 1 error" in out
    assert f"run 1: {len(music)} written, 0 unchanged, 1 skipped, 1 failed; undo with" in out
    old = {path: tags.get("TCON") or tags.get("genre") or tags.get("©gen") or [] for path, tags in tags_before.items()}
    for path in music:
        assert native_genres(path) == [*old[path], predicted(path)[0]]
    assert snapshot([hiss, corrupt]) == untouched
    assert {path: audio_payload_digest(path) for path in [*music, hiss]} == audio_before

    # The same command again changes nothing: every file is already as planned.
    written = snapshot(music)
    assert main(command) == 1
    assert f"0 write, {len(music)} unchanged, 1 skip (1 below {threshold:.2f}), 1 error" in capsys.readouterr().out
    assert snapshot(music) == written

    edited = music[1]
    pretag(edited, genres=["Chanson"])
    assert main(["undo"]) == 1  # one file could not be restored
    captured = capsys.readouterr()

    wrote, before = "; ".join([*old[edited], predicted(edited)[0]]), "; ".join(old[edited]) or "none"
    changed = f"changed since run 1, its genre too (Chanson now; that run wrote {wrote} over {before})"
    assert path_line("not restored", edited, changed) in captured.err
    assert f"{len(music) - 1} restored, 1 not restored" in captured.out
    for path in music:
        if path != edited:
            assert native_tags(path) == tags_before[path]
    assert native_genres(edited) == ["Chanson"]
    assert main(["undo", "--list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    at, field = listing[0].index("mode"), listing[0].index("field")
    assert [line[at:].split()[:3] for line in listing[1:]] == [
        ["undo", "of", "1"],
        ["append", f"{threshold:.2f}", "keep"],
    ]
    assert [line[field:].split()[0] for line in listing[1:]] == ["genre", "genre"]
    assert listing[2].endswith(f"keep  1 not restored, {len(music) - 1} restored")  # as undo itself said


def test_fill_empty_with_id3_v23(tmp_path: Path) -> None:
    tagged, bare = make_file(tmp_path, "mp3", name="tagged"), make_file(tmp_path, "mp3", name="bare")
    pretag(tagged, genres=["Jazz"])
    tagged_content = tagged.read_bytes()

    assert main(["tag", str(tmp_path), "--mode", "fill-empty", "--id3", "v2.3", "--min-confidence", "0"]) == 0

    assert tagged.read_bytes() == tagged_content
    assert native_genres(bare) == [predicted(bare)[0]]
    assert mutagen.File(bare).tags.version == (2, 3, 0)


def written_entries(journal: Path) -> int:
    """Entries marked written so far in the journal another process is filling (0 before it exists)."""
    if not journal.exists():
        return 0
    try:
        with sqlite3.connect(journal, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM entries WHERE state = 'written'").fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def test_a_run_killed_mid_batch_leaves_every_file_whole_and_the_next_run_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    formats = list(KINDS) * 2
    files = [make_file(folder, fmt, name=f"{i:02d}-{fmt}", seed=i) for i, fmt in enumerate(formats)]
    for path in files[::2]:
        pretag(path, genres=["Jazz"])
    tags_before = {path: native_tags(path) for path in files}
    audio_before = {path: audio_payload_digest(path) for path in files}
    command = [sys.executable, "-m", "musictagger", "tag", str(folder), "--mode", "replace", "--min-confidence", "0"]
    journal = userdirs.journal_db_path()  # the subprocess inherits the isolated XDG dirs

    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while written_entries(journal) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.kill()
    process.wait()

    new = [path for path in files if native_tags(path) != tags_before[path]]
    assert 0 < len(new) < len(files), "the kill should land mid-batch"
    for path in files:
        assert mutagen.File(path) is not None  # every file parses
        assert audio_payload_digest(path) == audio_before[path]
        genres = native_genres(path)
        old = tags_before[path].get("TCON") or tags_before[path].get("genre") or tags_before[path].get("©gen") or []
        assert genres == old or (len(genres) == 1 and genres[0] != "Jazz")  # fully old, or fully new

    finished = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, env=os.environ)

    assert finished.returncode == 0, finished.stderr
    assert f"{len(files) - len(new)} write, {len(new)} unchanged, 0 skip, 0 error" in finished.stdout
    assert list(folder.glob(f"*{TEMP_MARK}*")) == []
    for path in files:
        assert len(native_genres(path)) == 1 and native_genres(path) != ["Jazz"]

    # Both runs can be undone, back to exactly the tags the files had.
    assert main(["undo"]) == 0
    assert main(["undo", "1"]) == 0
    assert {path: native_tags(path) for path in files} == tags_before


def test_ctrl_c_mid_batch_says_what_was_written_and_exits_130(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    files = [make_file(folder, fmt, name=f"{i:02d}-{fmt}", seed=i) for i, fmt in enumerate(list(KINDS) * 2)]
    journal = userdirs.journal_db_path()

    process = musictagger_process("tag", str(folder), "--mode", "replace", "--min-confidence", "0")
    deadline = time.monotonic() + 300
    while written_entries(journal) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)

    written = written_entries(journal)
    assert process.returncode == 130, (stdout, stderr)
    assert 0 < written < len(files), "the interrupt should land mid-batch"
    said = " ".join(stdout.split())  # the lines as wrapped at 80 columns, joined
    assert re.search(rf"run 1: {written} written, .* \(interrupted: {len(files) - written} not reached\)", said)
    assert "interrupted: the files written so far keep their new tags" in stderr
    with Journal() as done:
        assert done.run(1).status is RunStatus.INTERRUPTED
    assert list(folder.glob(f"*{TEMP_MARK}*")) == []


def name_of_bytes(size: int, suffix: str) -> str:
    """A legal file name of exactly ``size`` UTF-8 bytes: Japanese and accented letters, then ASCII."""
    stem = ""
    for char in "夜明けのメロディー、éèàçüö" * 20:
        if len((stem + char + suffix).encode()) > size:
            break
        stem += char
    return stem + "x" * (size - len((stem + suffix).encode())) + suffix


def test_a_legal_244_byte_name_is_tagged_with_the_rest_of_its_folder_and_the_run_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "music"
    long = make_file(folder, "flac", name=name_of_bytes(244, ".flac").removesuffix(".flac"))
    others = [make_file(folder, "mp3", name="plain", seed=1), make_file(folder, "ogg", name="other", seed=2)]
    assert len(long.name.encode()) == 244

    assert main(["tag", str(folder), "--min-confidence", "0"]) == 0

    for path in [long, *others]:
        assert native_genres(path) == [predicted(path)[0]]
    with Journal() as journal:
        (run,) = journal.runs()
    assert run.status is RunStatus.FINISHED and run.counts == {"written": 3}
    assert list(folder.glob(f"*{TEMP_MARK}*")) == []


def test_a_name_that_is_not_utf8_is_skipped_saying_why_and_the_rest_of_its_folder_tagged(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A name in Latin-1 bytes (Python holds them as lone surrogates): the journal (SQLite text) cannot record it,
    so no undo could restore the file, and the first such file stopped the preview and the run with
    UnicodeEncodeError, as printing its name did (pytest's output is strict UTF-8, as a desktop's
    en_US.UTF-8 locale makes Python's).  It is skipped; the preview and the CSV keep its name's bytes."""
    folder = tmp_path / "music"
    plain = make_file(folder, "mp3", name="plain")
    odd = make_file(folder, "flac", name="cafe", seed=1).rename(folder / os.fsdecode(b"caf\xe9.flac"))
    untouched = odd.read_bytes()
    plan_csv = tmp_path / "plan.csv"

    assert main(["tag", str(folder), "--min-confidence", "0", "--csv", str(plan_csv)]) == 0

    skip = "skip: its name is not UTF-8 text, which the tagging journal cannot record for an undo: rename it to tag it"
    out = capsysbinary.readouterr().out.decode(errors="surrogateescape")
    assert preview_actions(out, [plain, odd]) == {plain: "write", odd: skip}
    assert b"/caf\xe9.flac," in plan_csv.read_bytes()
    assert native_genres(plain) == [predicted(plain)[0]] and odd.read_bytes() == untouched


def test_append_then_replace_then_undo_newest_first_brings_back_both_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "music"
    files = [make_file(folder, fmt, seed=i) for i, fmt in enumerate(["mp3", "flac", "m4a", "ogg"])]
    for path in files:
        pretag(path, genres=["Jazz"])
    tags_before = {path: native_tags(path) for path in files}

    assert main(["tag", str(folder), "--mode", "append", "--min-confidence", "0"]) == 0
    assert all(native_genres(path) == ["Jazz", predicted(path)[0]] for path in files)
    assert main(["tag", str(folder), "--mode", "replace", "--min-confidence", "0"]) == 0
    assert all(native_genres(path) == [predicted(path)[0]] for path in files)
    capsys.readouterr()

    assert main(["undo"]) == 0
    assert "undo of run 2 (run 3): 4 restored, 0 not restored" in capsys.readouterr().out
    assert all(native_genres(path) == ["Jazz", predicted(path)[0]] for path in files)
    assert main(["undo"]) == 0  # a second plain undo does not step back on its own, but says what is left
    assert re.search(
        r"run 2: nothing left to restore; run 1 \(.*, finished\) still has 4 files it wrote: "
        r"`musictagger undo 1`",
        " ".join(capsys.readouterr().out.split()),  # the lines as wrapped at 80 columns, joined
    )
    assert main(["undo", "1"]) == 0
    assert "undo of run 1 (run 4): 4 restored, 0 not restored" in capsys.readouterr().out
    assert {path: native_tags(path) for path in files} == tags_before


def test_the_default_mode_keeps_an_existing_genre_and_fills_empty_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tagged, bare = make_file(tmp_path, "mp3", name="tagged"), make_file(tmp_path, "flac", name="bare", seed=1)
    pretag(tagged, genres=["Alternative Rock"])
    content = tagged.read_bytes()

    assert main(["tag", str(tmp_path), "--min-confidence", "0"]) == 0

    out = capsys.readouterr().out
    assert "1 write, 1 unchanged, 0 skip, 0 error" in out
    # The kept file's row shows what the model says beside its own genre, not its genre as a proposal.
    (row,) = [line for line in out.splitlines() if line.endswith(f"  {tagged}")]
    assert re.split(r" {2,}", row.strip())[:2] == ["Alternative Rock", predicted(tagged)[0]]
    assert preview_actions(out, [tagged]) == {tagged: "unchanged: has a genre already"}
    assert "run 1: 1 written, 1 unchanged, 0 skipped, 0 failed" in out
    assert tagged.read_bytes() == content
    assert native_genres(bare) == [predicted(bare)[0]]


def test_a_dry_run_and_an_undo_remove_copies_a_killed_run_left(tmp_path: Path) -> None:
    path = make_file(tmp_path, "flac")
    assert main(["tag", str(tmp_path), "--min-confidence", "0"]) == 0
    dead_pid = 999999999  # no such process
    leftovers = [
        tmp_path / f"{TEMP_MARK}{dead_pid}-0123456789ab-0a1b2c3d.tmp",
        tmp_path / f".flac.flac{TEMP_MARK}{dead_pid}-0a1b2c3d.tmp",
    ]

    for command in (["tag", str(tmp_path), "--dry-run"], ["undo"]):
        for leftover in leftovers:
            leftover.write_bytes(path.read_bytes())
        main(command)
        assert [leftover for leftover in leftovers if leftover.exists()] == [], command


def test_the_dry_run_says_a_read_only_file_will_be_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_file(tmp_path, "ogg")
    path.chmod(0o444)

    assert main(["tag", str(tmp_path), "--dry-run", "--min-confidence", "0"]) == 0

    assert preview_actions(capsys.readouterr().out, [path]) == {path: "skip: is read-only"}


def test_tag_proposes_what_the_model_it_is_given_says(
    tmp_path: Path, first_model_as_default: Path, not_music_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_file(tmp_path, "flac")
    dry_run = ["tag", str(tmp_path), "--dry-run", "--min-confidence", "0"]

    assert main(dry_run) == 0
    assert "1 write, 0 unchanged, 0 skip, 0 error" in capsys.readouterr().out  # the first model never refuses
    assert main([*dry_run, "--model", str(not_music_model)]) == 0
    out = capsys.readouterr().out
    assert "0 write, 0 unchanged, 1 skip (1 not music), 0 error" in out and "skip: unknown: not music" in out


def test_a_folder_without_audio_is_reported_and_the_others_tagged(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "cover.jpg").write_bytes(b"\xff\xd8 not music")
    song = make_file(tmp_path / "music", "flac")

    assert main(["tag", str(empty), str(song.parent), "--mode", "replace", "--min-confidence", "0.01"]) == 1

    captured = capsys.readouterr()
    assert path_line("error", empty, "no audio files in this folder") in captured.err
    assert native_genres(song) == [predicted(song)[0]]


def test_a_file_name_with_a_line_break_keeps_its_preview_row_on_one_line(tmp_path: Path, capsys) -> None:
    odd = make_file(tmp_path / "music", "flac", name="two\nlines")

    main(["tag", str(odd.parent), "--dry-run"])

    out = capsys.readouterr().out
    assert preview_actions(out, [odd]) == {odd: "write"}
    assert len(out.splitlines()) == 5  # the columns' names, the action, the file, the counts, "dry run"


def test_tag_keeps_each_files_id3_revision_unless_told_and_says_why_it_cannot_convert(tmp_path: Path, capsys) -> None:
    path = v23_mp3(tmp_path / "old")
    common = ["tag", str(path), "--mode", "replace", "--min-confidence", "0"]

    assert main([*common, "--id3", "v2.4"]) == 1  # converting would drop the frame mutagen does not know
    action = preview_actions(capsys.readouterr().out, [path])[path]  # its heading's wrapped lines, joined
    assert "would drop its XTST frames; write it in v2.3 (--id3 keep, the default)" in action
    assert main(common) == 0
    assert mutagen.File(path).tags.version == (2, 3, 0) and UNKNOWN_FRAME in path.read_bytes()
    assert main(["undo", "--list"]) == 0
    assert re.search(r"\breplace\b.*\bkeep\b", capsys.readouterr().out)  # the run's ID3 column


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "run"])
def test_a_files_error_is_said_once_in_the_preview_under_its_heading(
    tmp_path: Path, dry_run: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """The preview said why a file could not be analysed, and stderr said it again just below."""
    broken = tmp_path / "music" / "broken.mp3"
    broken.parent.mkdir()
    broken.write_bytes(b"not audio" * 50)

    assert main(["tag", str(broken.parent), *(["--dry-run"] if dry_run else [])]) == 1

    out, err = capsys.readouterr()
    assert preview_actions(out, [broken])[broken].startswith("error: not an audio file")
    assert " ".join((out + err).split()).count("not an audio file") == 1, (out, err)


def test_the_preview_and_the_run_list_fit_80_columns_with_the_path_last(
    tmp_path: Path, first_model_as_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the file first, a library's paths made each preview row 150-250 columns wide, and a terminal folded
    the genres, the confidence and the action into the next lines; `undo --list` was 83-87 columns wide.  Now
    the preview's short columns come first, aligned, each file under its action, its path last and starting by
    column 80; the run list fits 80 columns."""
    album = tmp_path / "Music" / "The Very Long Name Of A Band With Many Members" / "An Album Title (Deluxe Edition)"
    songs = [
        make_file(album, fmt, seed=i, name=f"{i:02d} - A Song Whose Title Is Quite Long Indeed, Part {i}")
        for i, fmt in enumerate(["mp3", "flac", "m4a", "ogg"])
    ]
    pretag(songs[0], genres=["Jazz"])  # fill-empty leaves it
    songs[3].chmod(0o444)
    broken = album / "99 - This File Is Not Audio At All Though Its Name Says It Is.mp3"
    broken.write_bytes(b"not audio" * 50)
    paths = [*songs, broken]

    assert main(["tag", str(tmp_path / "Music"), "--dry-run", "--min-confidence", "0"]) == 1

    lines = capsys.readouterr().out.splitlines()
    rows = {path: line for line in lines for path in paths if line.endswith(f"  {path}")}
    assert set(rows) == set(paths)
    starts = {columns(line) - columns(str(path)) for path, line in rows.items()}
    assert starts == {lines[0].index("file")} and lines[0].endswith("file") and max(starts) <= 80
    assert all(columns(line) <= 80 for line in lines if line not in rows.values())
    at = lines[0].index("confidence")  # each confidence under its name
    assert all(re.fullmatch(r"  \d\.\d\d ", rows[path][at - 2 : at + 5]) for path in songs)
    assert not rows[broken][: starts.pop()].strip()  # an error has no values: its path under the others
    actions = preview_actions("\n".join(lines), paths)
    assert actions.pop(broken).startswith("error: not an audio file")
    assert actions == {
        songs[0]: "unchanged: has a genre already",
        songs[1]: "write",
        songs[2]: "write",
        songs[3]: "skip: is read-only",
    }

    assert main(["tag", str(tmp_path / "Music"), "--mode", "replace", "--min-confidence", "0"]) == 1
    pretag(songs[1], genres=["Chanson"])
    assert main(["undo"]) == 1
    capsys.readouterr()
    assert main(["undo", "--list"]) == 0

    header, *runs = capsys.readouterr().out.splitlines()
    assert max(columns(line) for line in [header, *runs]) <= 80
    assert runs[1].split()[3:] == ["genre", "replace", "0.00", "keep", "1", "not", "restored,", "2", "restored"]
    starts = [header.index(name) for name in header.split()[1:]]
    assert all(run[start - 2 : start] == "  " for run in runs for start in starts)  # no cell runs into the next


@pytest.mark.parametrize("gone", ["before the plan", "after the plan"])
def test_tag_of_files_all_gone_before_it_wrote_them_exits_1(
    tmp_path: Path, gone: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files moved away while `tag` analysed them (its plan says `skip: is no longer there`), or between its plan
    and their writing (each `skipped: …`): nothing was written, and a script was told 0, "all done"."""
    files = [make_file(tmp_path / "music", "flac", name=f"song{i}", seed=i) for i in range(2)]
    step = "predict_labels" if gone == "before the plan" else "make_plan"
    real = getattr(tag_command, step)

    def then_moved_away(*args, **kwargs):
        result = real(*args, **kwargs)
        for path in files:
            path.rename(tmp_path / path.name)
        return result

    monkeypatch.setattr(tag_command, step, then_moved_away)

    assert main(["tag", str(tmp_path / "music"), "--min-confidence", "0"]) == 1

    captured = capsys.readouterr()
    assert "no longer there" in captured.out + captured.err
    assert not list((tmp_path / "music").iterdir())

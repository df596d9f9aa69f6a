"""``listen --json`` read by a script line by line: every line on stdout is a step's object, and the nearest library
track is named as ``similar --json`` names it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from musictagger.cli.listen import PLAYING_WORDS
from musictagger.cli.main import main
from musictagger.library import index_folders
from musictagger.userdirs import library_db_path
from tests.audio.signals import music, noise, piece, write

SR = 44100


def test_listen_json_names_the_nearest_track_by_its_path_and_keeps_stdout_to_the_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The nearest track was its file name in a sentence ('one.flac (0 bits differ, whole track)'), where every other
    command's JSON names a file by its absolute path; and --save's 'saved …' line came among the objects, so a
    script parsing each line as JSON failed on the last one."""
    (tmp_path / "Music").mkdir()
    track = write(tmp_path / "Music" / "one.flac", np.stack([music(sr=SR, seconds=2.0, seed=4)] * 2), SR, "flac")
    index_folders([tmp_path / "Music"], workers=1)
    saved = tmp_path / "heard.wav"
    command = ["listen", "--file", str(track), "--json", "--start-after", "1", "--interval", "0.5", "--save"]
    assert main([*command, str(saved)]) == 0
    out, err = capsys.readouterr()
    steps = [json.loads(line) for line in out.splitlines()]  # each line one object
    recognised = [step for step in steps if step["state"] == "recognised"]
    assert recognised and all(step["nearest"]["path"] == str(track) for step in recognised)
    assert recognised[-1]["playing"] is True  # heard whole: near enough to be named as what plays
    assert all(step["nearest"] is None and step["playing"] is None for step in steps if step["state"] == "waiting")
    assert err.split() == ["saved", str(saved), "(2.0", "s)"] and saved.stat().st_size > SR


def test_the_nearest_track_is_named_as_playing_only_when_near_enough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Live listening named its nearest library track after '≈' whatever it heard: hiss the library does not hold
    came out as its one track, so many bits away that any track would be as near.  Now the nearest track is said
    to be playing only under the model's recognition policy (its sidecar), and otherwise 'not recognised'."""
    (tmp_path / "Music").mkdir()
    write(tmp_path / "Music" / "one.flac", music(sr=SR, seconds=1.6, seed=4), SR, "flac")
    index_folders([tmp_path / "Music"], workers=1)
    heard = write(tmp_path / "hiss.wav", noise(sr=SR, seconds=1.6, rms_dbfs=-20.0, seed=2), SR, "wav-pcm16")
    assert main(["listen", "--file", str(heard), "--start-after", "1", "--interval", "0.5"]) == 0
    said = " ".join(capsys.readouterr().out.split())  # lines wrapped to the terminal, joined
    assert f" {PLAYING_WORDS[False]}: one.flac (" in said and PLAYING_WORDS[True] not in said, said


def test_listen_says_the_input_clips_as_analyze_notes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A clipping input (a mixer's send too hot) was heard at -2 dBFS with a verdict and not a word of clipping,
    which the Live panel's light and a file's analysis both say; the notes on a short file's padding stay out.
    With no library index, listen makes none (it made an empty library.sqlite3; then, with be1ba60, failed)."""
    clipped = write(tmp_path / "hot.wav", np.clip(music(sr=SR, seconds=1.2, seed=4) * 20, -1, 1), SR, "wav-pcm16")
    command = ["listen", "--file", str(clipped), "--start-after", "1", "--interval", "0.5"]
    assert main([*command, "--json"]) == 0
    recognised = [step for step in map(json.loads, capsys.readouterr().out.splitlines()) if step["state"] != "waiting"]
    assert recognised and all(len(step["warnings"]) == 1 for step in recognised)
    assert all(step["warnings"][0].startswith("clipped: ") for step in recognised)
    assert main(command) == 0
    *_, last = capsys.readouterr().out.splitlines()
    assert f"({recognised[-1]['warnings'][0]})" in last
    assert not library_db_path().exists()


@pytest.mark.parametrize("mount_point", [False, True], ids=["no-folder", "an-empty-mount-point"])
def test_listen_with_its_library_index_out_of_reach_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mount_point: bool
) -> None:
    """A library.sqlite3 linked to a drive not mounted was taken for no index (be1ba60, b0ed538): listen went on
    without a match and without a word, where it said, before it listened, that the index cannot be opened.  Where
    the drive's mount point is there, empty, listen made an empty index in it and listened."""
    if mount_point:
        (tmp_path / "unmounted").mkdir()
    library_db_path().parent.mkdir(parents=True)
    library_db_path().symlink_to(tmp_path / "unmounted" / "library.sqlite3")
    heard = write(tmp_path / "heard.wav", music(sr=SR, seconds=1.2, seed=4), SR, "wav-pcm16")
    assert main(["listen", "--file", str(heard), "--start-after", "1", "--interval", "0.5"]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"error: {library_db_path()}: cannot open the database" in said, said
    assert not (tmp_path / "unmounted" / "library.sqlite3").exists()


def test_a_track_held_twice_is_still_named_as_playing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first match is named only when it lies well nearer than the next other music; a copy of it in the
    library (the same music) is not that other music, or a collector's duplicates would never be named."""
    (tmp_path / "Music").mkdir()
    track = write(tmp_path / "Music" / "one.flac", piece(1, sr=SR, seconds=2.0), SR, "flac")
    (tmp_path / "Music" / "one (copy).flac").write_bytes(track.read_bytes())
    write(tmp_path / "Music" / "other.flac", piece(2, sr=SR, seconds=2.0), SR, "flac")
    index_folders([tmp_path / "Music"], workers=1)
    command = ["listen", "--file", str(track), "--json", "--start-after", "1", "--interval", "0.5"]
    assert main(command) == 0
    recognised = [step for step in map(json.loads, capsys.readouterr().out.splitlines()) if step["nearest"]]
    assert recognised[-1]["nearest"]["path"] in {str(track), str(tmp_path / "Music" / "one (copy).flac")}
    assert recognised[-1]["playing"] is True, recognised[-1]

"""The command line as a script uses it: one rule for how every command's JSON names a file, what field the
verdict's labels are of, and files whose names start with ``-``.  The real commands, on generated audio."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.personal import store
from tests.conftest import PROJECT_ROOT
from tests.library.conftest import write_track
from tests.personal.heads import MOODS, save_mood_model

DASHED = "-weird-name.wav"


def strict_json(text: str) -> dict:
    """``text`` parsed as JSON proper: ``NaN`` and ``Infinity``, which Python's json writes and reads but a JSON
    parser elsewhere (``jq``, a browser) refuses, fail the test."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON: {text}")

    return json.loads(text, parse_constant=refuse)


def json_lines(out: str) -> list[dict]:
    return [strict_json(line) for line in out.splitlines()]


def documented_keys(after: str, before: str) -> set[str]:
    """The keys the README's paragraph on each command's keys lists in backticks between ``after`` and ``before``,
    but for those in brackets (a key's own keys, or what it means)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("The keys each line or document always has.")[1].split("\n\n")[0]
    listed = re.sub(r"\([^)]*\)", "", paragraph.split(after)[1].split(before)[0])
    return set(re.findall(r"`([a-z_]+)`", listed))


def test_every_commands_json_names_a_file_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """analyze --json printed Music/a/one.wav for the file named so, /…/Music/a/one.wav for the same file found in
    Music, which similar --json and the index call it too; a failed file's error named it as given."""
    monkeypatch.chdir(tmp_path)
    write_track(tmp_path / "Music" / "a" / "one.wav", "wav-pcm16", seed=0)
    write_track(tmp_path / "Music" / "b" / "two.flac", "flac", seed=2)
    one, two, missing = (str(Path.cwd() / name) for name in ("Music/a/one.wav", "Music/b/two.flac", "missing.wav"))

    assert main(["analyze", "--json", "Music/a/one.wav", "./Music/b/../a/one.wav", "Music", "missing.wav"]) == 1
    lines = json_lines(capsys.readouterr().out)
    assert [line["file"] for line in lines] == [one, one, one, two, missing]
    assert lines[-1]["error"] == f"{missing}: no such file"
    # the README listed file, verdict, reason, nearest_genre, confidence and field of the sixteen keys printed
    assert set(lines[0]) == documented_keys("`analyze --json`:", "; a failed file's:")
    assert set(lines[-1]) == documented_keys("; a failed file's:", "`similar --json`:")

    assert main(["index", "Music", "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["similar", "--json", "Music/a/one.wav"]) == 0
    answer = strict_json(capsys.readouterr().out)
    assert answer["query"] == one and [match["path"] for match in answer["matches"]] == [two]
    assert answer["track"] is None  # a file, not a track of the index named by id or text
    assert set(answer) == documented_keys("`similar --json`:", "; each match:")
    assert set(answer["matches"][0]) == documented_keys("; each match:", "(`window`")
    # A track named by its id or by text: its path too (it was the sentence 'track 2 /…/two.flac'), and its id
    track = answer["matches"][0]["id"]
    for named in (str(track), "two.flac"):
        assert main(["similar", "--json", named]) == 0
        answer = strict_json(capsys.readouterr().out)
        assert (answer["query"], answer["track"]) == (two, track)
    # a query file that cannot be analysed: stdout was empty (a script's `> a.json` left empty, jq saying nothing)
    (tmp_path / "fake.mp3").write_text("not audio")
    assert main(["similar", "--json", "fake.mp3"]) == 1
    fake = str(tmp_path / "fake.mp3")
    answer = strict_json(capsys.readouterr().out)
    assert set(answer) == {"file", "error"} and answer["file"] == fake
    assert answer["error"].startswith(f"{fake}: not an audio file")
    with pytest.raises(SystemExit) as refused:  # a script's variable left unset: it matched every track
        main(["similar", ""])
    assert refused.value.code == 2 and "an empty argument" in capsys.readouterr().err


def test_a_file_named_with_a_leading_dash_after_double_dash_works_in_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As with Unix tools, ``--`` ends the options; ``./-weird-name.wav``, which the refusal below advises, works."""
    monkeypatch.chdir(tmp_path)
    write_track(tmp_path / DASHED, "wav-pcm16", seed=1)
    dashed = str(Path.cwd() / DASHED)

    assert main(["index", "--workers", "1", "--", DASHED]) == 0
    assert "1 analysed" in capsys.readouterr().out
    for named in (["--", DASHED], [f"./{DASHED}"]):
        assert main(["analyze", "--json", *named]) == 0
        assert json_lines(capsys.readouterr().out)[0]["file"] == dashed
    assert main(["similar", "--json", "--", DASHED]) == 0
    assert strict_json(capsys.readouterr().out)["query"] == dashed
    assert main(["tag", "--dry-run", "--", DASHED]) == 0
    assert dashed in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a mistake elsewhere on the line is not about the file named as it should be
        main(["analyze", "-k", "0", "--", DASHED])
    err = capsys.readouterr().err
    assert "argument -k/--top: must be at least 1, got 0" in err and "is a file" not in err


@pytest.mark.parametrize(
    ("given", "after_double_dash"),
    [
        (["analyze", "other.wav", DASHED], True),  # the top-level usage and "unrecognized arguments" before
        (["analyze", DASHED], True),
        (["similar", DASHED], True),
        (["index", DASHED], True),
        (["tag", "--dry-run", DASHED], True),
        (["listen", "--file", DASHED], False),  # an option's value: ./ alone
    ],
)
def test_a_file_named_with_a_leading_dash_before_double_dash_is_refused_under_the_commands_usage_with_advice(
    given: list[str],
    after_double_dash: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    write_track(tmp_path / DASHED, "wav-pcm16", seed=1)
    with pytest.raises(SystemExit) as exited:
        main(given)
    assert exited.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith(f"usage: musictagger {given[0]} ")
    assert f"{DASHED} is a file: name it `./{DASHED}`" in err
    assert (f"`musictagger {given[0]} -- {DASHED}`" in err) is after_double_dash


def test_json_says_which_field_the_verdict_is_of(
    first_model_as_default: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a personal mood model active, analyze --json called its answer "genre" and said nothing of moods."""
    heard = write_track(tmp_path / "Music" / "heard.wav", "wav-pcm16", seed=0, seconds=1.5)
    assert main(["analyze", "--json", str(heard)]) == 0
    assert json_lines(capsys.readouterr().out)[0]["field"] == "genre"
    assert main(["index", str(heard.parent), "--workers", "1"]) == 0
    save_mood_model(first_model_as_default, heard)
    store.use("moods")
    capsys.readouterr()

    assert main(["analyze", "--json", str(heard)]) == 0
    (analysed,) = json_lines(capsys.readouterr().out)
    assert analysed["field"] == "mood"
    assert analysed["nearest_genre"] in MOODS and {score["genre"] for score in analysed["top"]} == set(MOODS)
    assert main(["similar", "--json", str(heard)]) == 0
    assert strict_json(capsys.readouterr().out)["field"] == "mood"
    assert main(["listen", "--file", str(heard), "--json", "--start-after", "1", "--interval", "0.5"]) == 0
    steps = json_lines(capsys.readouterr().out)
    assert any(step["state"] == "recognised" for step in steps)
    assert {step["field"] for step in steps} == {"mood"}

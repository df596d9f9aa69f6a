"""Live verdicts say "not one of my genres" / "not music" as a file's analysis does: the model's own
decision on the smoothed probabilities and evidence, through the real live pipeline and ``listen``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.atomic_write import temporary_path
from musictagger.audio.capture import FileSource
from musictagger.cli.main import main
from musictagger.live import LiveRecognizer, LiveResult, LiveSettings, LiveState
from musictagger.model.runtime import GenreModel
from musictagger.model.verdict import NOT_MUSIC
from musictagger.personal import store
from tests.audio.signals import music, write
from tests.personal.heads import save_mood_model

SR = 44100
NOT_ONE_OF = "not one of: classical, electronic, pop, rock"


@pytest.fixture(scope="module")
def heard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of stereo chord and drums."""
    y = np.stack([music(sr=SR, seconds=4.0, seed=3)] * 2)
    return write(tmp_path_factory.mktemp("live") / "heard.flac", y, SR, "flac")


def steps(model_path: Path, path: Path, count: int) -> list[LiveResult]:
    """``count`` steps of a recogniser over the whole of ``path`` (read at once, not in real time)."""
    source = FileSource(path, realtime=False)
    source.start()
    source.wait()
    recognizer = LiveRecognizer(GenreModel(model_path), source, LiveSettings(start_after_s=1.0))
    return [recognizer.step() for _ in range(count)]


def test_a_live_unknown_verdict_keeps_the_nearest_genre_and_the_code(unknown_model: Path, heard: Path) -> None:
    *_, last = steps(unknown_model, heard, 2)
    assert last.state is LiveState.RECOGNISED
    assert last.genre is None and last.verdict.unknown and last.verdict.reason == NOT_ONE_OF
    nearest = last.ranking[0]
    assert last.verdict.nearest == nearest.label and last.verdict.confidence == pytest.approx(nearest.probability)
    assert last.summary() == f"not one of my genres (nearest: {nearest.label} {nearest.probability:.2f})"
    assert len(last.code_hex) == 16


def test_live_not_music_is_decided_on_the_smoothed_novelty(not_music_model: Path, heard: Path) -> None:
    results = steps(not_music_model, heard, 2)
    for result in results:
        assert result.verdict.reason == NOT_MUSIC and result.summary() == "not music"
        assert result.verdict.evidence["novelty"] == pytest.approx(1.0)
        assert result.analysis.novelty == pytest.approx(1.0)


def test_listen_json_has_the_verdict_and_reason_of_analyze(
    use_model: Callable[[Path], Path], unknown_model: Path, heard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_model(unknown_model)
    assert main(["listen", "--file", str(heard), "--json", "--start-after", "1.5", "--interval", "0.5"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    waiting = [line for line in lines if line["state"] == "waiting"]
    recognised = [line for line in lines if line["state"] == "recognised"]
    assert waiting and recognised
    assert all((line["verdict"], line["reason"], line["genre"]) == (None, None, None) for line in waiting)
    for line in recognised:
        assert (line["verdict"], line["reason"], line["genre"]) == ("unknown", NOT_ONE_OF, None)
        assert line["summary"].startswith(f"not one of my genres (nearest: {line['nearest_genre']} ")


def test_a_personal_mood_models_unknown_verdict_says_not_one_of_my_moods_live_and_in_analyze(
    use_model: Callable[[Path], Path], first_model_as_default: Path, heard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_mood_model(first_model_as_default, heard)
    store.use("moods")

    assert main(["listen", "--file", str(heard), "--json", "--start-after", "1.5", "--interval", "0.5"]) == 0
    recognised = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    recognised = [line for line in recognised if line["state"] == "recognised"]
    assert recognised
    for line in recognised:
        assert line["summary"] == "not one of my moods (nearest: calm 0.50)"
    assert main(["analyze", str(heard)]) == 0
    assert "  mood:   not one of my moods (nearest: calm 0.50)" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("option", [["--interval", "0"], ["--interval", "-1"], ["--seconds", "-3"]])
def test_listen_refuses_a_step_or_length_of_no_time(
    option: list[str], heard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--interval 0 ended in a ZeroDivisionError traceback, -1 printed lines as fast as it could, --seconds -3
    listened to nothing and said nothing."""
    with pytest.raises(SystemExit) as exited:
        main(["listen", "--file", str(heard), *option])
    assert exited.value.code == 2
    assert f"argument {option[0]}: must be more than 0 seconds, got {option[1]}" in capsys.readouterr().err


def test_listen_says_before_listening_that_it_cannot_save_where_asked(
    heard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Listening went on until Ctrl-C (or --seconds), and only then said the recording could not be saved."""
    target = tmp_path / "no such folder" / "heard.wav"
    assert main(["listen", "--file", str(heard), "--json", "--start-after", "30", "--save", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "cannot save the recording: no such folder" in err


@pytest.mark.parametrize("in_the_way", ["folder", "full disk"])
def test_listen_that_cannot_save_says_so_at_once_or_where_what_was_heard_is_kept(
    in_the_way: str, heard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--save naming a folder listened until Ctrl-C, then said 'cannot save the recording: Is a directory'; and a
    recording that could not be saved at the end (a full disk) was left in the cache folder without a word of it."""
    if in_the_way == "folder":
        assert main(["listen", "--file", str(heard), "--json", "--save", str(tmp_path)]) == 1
        out, err = capsys.readouterr()
        assert out == "" and "cannot save the recording: it is a folder; name a file in it" in " ".join(err.split())
        return
    target = tmp_path / "heard.wav"
    temporary_path(target).symlink_to("/dev/full")  # the copy's writes fail as on a full disk
    assert main(["listen", "--file", str(heard), "--seconds", "1", "--save", str(target)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    # (a path too long for a line stands alone on it, without its colon: under xdist's longer temp folders)
    assert (
        str(target) in err and "cannot save the recording: No space left on device; what was heard is kept in " in err
    )
    kept = Path(err.split("kept in ")[1].split(" (")[0])
    assert sf.info(kept).duration >= 0.9 and not target.exists()


def test_listen_calls_digital_silence_silence_not_minus_infinity_dbfs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A step of nothing but zeros printed its level as '-inf dBFS'; the level meter already said 'silence'."""
    quiet = write(tmp_path / "quiet.wav", np.zeros(int(SR * 2.5), np.float32), SR, "wav-pcm16")
    assert main(["listen", "--file", str(quiet), "--start-after", "1", "--interval", "0.5", "--seconds", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split()[2:3] == ["silence"] for line in lines), lines
    assert [line.split("silence  ")[1] for line in lines][-1] == "too quiet to tell"

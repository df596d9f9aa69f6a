"""``musictagger recognition``: what it refuses before its 18-36 minutes of analysis, and ``--write``, which puts the
chosen distance into the model's sidecar as it is at the end of the run, not as it was read at its start."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musictagger.cli.main import main
from musictagger.errors import FileError, ModelError, MusictaggerError
from musictagger.evaluation import evaluate as evaluate_module
from musictagger.evaluation.nonmusic import non_music
from musictagger.evaluation.recognition import Searches, choose_policy, write_policy
from musictagger.model.location import model_file
from musictagger.model.manifest import load_manifest, sidecar_path
from musictagger.model.recognition import RecognitionPolicy
from musictagger.model.runtime import FAST_MODEL_NAME
from tests.audio.signals import music, tone

SR = 16000
POLICY = RecognitionPolicy(within=1.25, margin=0.75, chosen_on="a test")


@pytest.fixture
def onnx_path(tmp_path: Path) -> Path:
    """A copy of a shipped model and its sidecar, to write into."""
    path = tmp_path / "m.onnx"
    shutil.copy(model_file(FAST_MODEL_NAME), path)
    shutil.copy(sidecar_path(model_file(FAST_MODEL_NAME)), sidecar_path(path))
    return path


def test_what_another_command_wrote_into_the_sidecar_meanwhile_stays(onnx_path: Path) -> None:
    """The command wrote back the sidecar it had read before measuring, with the recognition section added: a
    ``verdict --write`` made during the run was undone."""
    measured = load_manifest(onnx_path)
    meanwhile = replace(measured, verdict={**measured.verdict, "chosen_on": "written while recognition ran"})
    meanwhile.save(sidecar_path(onnx_path))
    write_policy(onnx_path, POLICY, measured_sha256=measured.onnx_sha256)
    written = load_manifest(onnx_path)
    assert written.recognition_policy == POLICY
    assert written.verdict["chosen_on"] == "written while recognition ran"


def test_a_model_file_changed_while_measured_is_refused_and_its_sidecar_left_as_it_is(onnx_path: Path) -> None:
    """A streamlined or exported model's sidecar names its new digest; the sidecar read before, written back, named
    the old one, and the model no longer loaded."""
    before = sidecar_path(onnx_path).read_text(encoding="utf-8")
    with pytest.raises(ModelError, match="the model file changed while its recognition distance was chosen") as error:
        write_policy(onnx_path, POLICY, measured_sha256="0" * 64)
    assert str(onnx_path) in str(error.value)
    assert sidecar_path(onnx_path).read_text(encoding="utf-8") == before


def test_a_collection_without_validation_tracks_is_refused_before_any_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two tracks a genre draw no validation track: every track was analysed, then an IndexError's traceback."""
    for genre in ("classical", "rock"):
        (tmp_path / "data" / genre).mkdir(parents=True)
        for i in range(2):
            (tmp_path / "data" / genre / f"{i}.wav").write_bytes(b"RIFF, and no audio: it is not analysed")
    assert main(["recognition", str(model_file(FAST_MODEL_NAME)), str(tmp_path / "data"), "--dev-set", "dev"]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"no recognition distance to choose: the valid split of {tmp_path / 'data'} holds no track" in said


def test_no_distance_is_chosen_from_no_query() -> None:
    """Validation tracks that all failed to analyse left nothing to choose from: an IndexError."""
    with pytest.raises(MusictaggerError, match="no track of the validation split was analysed"):
        choose_policy(Searches(np.array([]), np.array([])))


@pytest.mark.parametrize(
    ("distances", "said"),
    [
        ([0.0] * 4, "4 of the validation split's 4 searches"),  # the 75 % point 0: a NaN margin
        ([0.0] * 2 + [1.0] * 18, "2 of the validation split's 20 searches"),  # 2 named at any distance, 1 allowed
    ],
)
def test_songs_found_again_on_a_copy_of_their_file_are_refused(distances: list[float], said: str) -> None:
    """Validation tracks whose file the library holds twice lie 0 from their copy: the margin came out NaN (0 / 0)
    or 0, a policy the sidecar's reader refuses, so that the model written with it no longer loaded."""
    with pytest.raises(MusictaggerError, match=f"{said} for a song the library does not hold found it 0 away"):
        choose_policy(Searches(np.array(distances), np.full(len(distances), 2.0)))


@pytest.fixture
def read_only_model(tmp_path: Path) -> Iterator[Path]:
    """A copy of a shipped model and its sidecar in a folder nothing can be written into: mounted read-only where the
    test runs as root (root writes into any folder), else without its write permission."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    shutil.copy(model_file(FAST_MODEL_NAME), folder / "m.onnx")
    shutil.copy(sidecar_path(model_file(FAST_MODEL_NAME)), folder / "m.json")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder / "m.onnx"
        folder.chmod(0o755)
        return
    for mount in (["mount", "--bind", folder, folder], ["mount", "-o", "remount,ro,bind", folder]):
        if subprocess.run(mount, capture_output=True).returncode != 0:
            subprocess.run(["umount", folder], capture_output=True)
            pytest.skip("cannot mount a folder read-only here (a container without the right)")
    try:
        yield folder / "m.onnx"
    finally:
        subprocess.run(["umount", folder], check=True)


def test_write_into_a_sidecar_that_cannot_be_written_is_refused_before_any_analysis(
    read_only_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--write with the model in a read-only folder: every track was analysed (10-35 min on Emotify), the table
    printed, then OSError's traceback.  Refused first now (the collection and the dev set are not even read), and a
    sidecar that cannot be saved at the end is an error naming it."""
    arguments = ["recognition", str(read_only_model), str(tmp_path / "no-data"), "--dev-set", "no-dev", "--write"]
    assert main(arguments) == 1
    said = " ".join(capsys.readouterr().err.split())
    sidecar = re.escape(str(sidecar_path(read_only_model)))
    assert re.match(
        f"error: {sidecar}:? --write cannot write into it: its folder is", said
    )  # no ':' after a line's path
    assert "read-only" in said

    with pytest.raises(FileError, match="read-only") as error:
        load_manifest(read_only_model).save(sidecar_path(read_only_model))
    assert error.value.path == sidecar_path(read_only_model)


def test_a_track_that_could_not_be_analysed_is_named_and_the_choice_not_written(
    onnx_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A validation track no decoder reads was left out of the choice and of every figure without a word, status 0,
    and --write recorded a choice made without it, as `evaluate --record` did.  The generated non-music is cut to one
    short sound (its 18 sounds of 30 s are most of a small run); the tracks go through the real analysis."""
    data = tmp_path / "data"
    for genre, signal in (("classical", tone(440.0, sr=SR, seconds=3.0)), ("rock", music(sr=SR, seconds=3.0))):
        (data / genre).mkdir(parents=True)
        for i in range(2):
            sf.write(data / genre / f"{i}.wav", signal, SR)
    (data / "rock" / "broken.wav").write_bytes(b"RIFF, then nothing a decoder reads")
    for split, listed in (("train", "classical/0.wav\nrock/0.wav\n"), ("valid", "classical/1.wav\nrock/broken.wav\n")):
        (data / f"{split}.txt").write_text(listed)
    (data / "test.txt").write_text("")
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "manifest.csv").write_text("file,genre,for_four_genre_model\n")
    monkeypatch.setattr(
        evaluate_module, "non_music", lambda seed, *, sr, seconds, per_kind: non_music(seed, sr=sr, seconds=2.0)[:1]
    )
    before = sidecar_path(onnx_path).read_bytes()

    assert main(["recognition", str(onnx_path), str(data), "--dev-set", str(tmp_path / "dev"), "--write"]) == 1

    printed, said = (" ".join(stream.split()) for stream in capsys.readouterr())
    assert "| non-music (seed 2 at 44.1 kHz) named |" in printed  # the rate decides some noises' verdicts
    assert re.search(f"error: {re.escape(str(data / 'rock' / 'broken.wav'))}:? not an audio file", said)
    assert "m: 1 input could not be analysed, left out of its figures" in said
    assert re.search(f"m: nothing recorded in {re.escape(str(sidecar_path(onnx_path)))}:? its figures leave out", said)
    assert sidecar_path(onnx_path).read_bytes() == before


def test_a_collection_with_one_track_analysed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A validation track searched for without its own file, in a library of itself alone: an IndexError's
    traceback once every input was analysed."""
    data = tmp_path / "data"
    for genre in ("classical", "rock"):
        (data / genre).mkdir(parents=True)
    sf.write(data / "classical" / "0.wav", tone(440.0, sr=SR, seconds=2.0), SR)
    (data / "rock" / "0.wav").write_bytes(b"RIFF, then nothing a decoder reads")
    for split, listed in (("train", "rock/0.wav\n"), ("valid", "classical/0.wav\n"), ("test", "")):
        (data / f"{split}.txt").write_text(listed)
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "manifest.csv").write_text("file,genre,for_four_genre_model\n")
    monkeypatch.setattr(evaluate_module, "non_music", lambda seed, *, sr, seconds, per_kind: [])

    assert main(["recognition", str(model_file(FAST_MODEL_NAME)), str(data), "--dev-set", str(tmp_path / "dev")]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"no recognition distance to choose: 1 of the 2 tracks of {data} could be analysed" in said
    assert "each track of the valid split is searched for among the others" in said


def test_its_help_says_what_it_does_and_what_the_dev_set_is(capsys: pytest.CaptureFixture[str]) -> None:
    """--help said nothing of what the command analyses, prints or how long it takes, and showed `--dev-set DEV_SET`
    (the README's `DEV`) without a word of the manifest.csv it reads: GTZAN's genre folder was 'manifest is missing'."""
    with pytest.raises(SystemExit) as ended:
        main(["recognition", "--help"])
    assert ended.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--dev-set DEV " in shown and "a folder with manifest.csv" in shown
    assert "prints what the choice names on the validation and test splits. 3-36 min for Emotify" in shown

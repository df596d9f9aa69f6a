"""The commands a script polls, in JSON (``index --json``, ``index --status --json``, ``undo --list --json``,
``models --json``): one document each, parsed and checked against the same state read through the Python API.
Real generated audio, a real index, a real journal after a real ``tag`` run and its undo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import mutagen
import pytest

from musictagger.cli.json_fields import moment
from musictagger.cli.main import main
from musictagger.library import Library
from musictagger.library.store import AnalysisKey
from musictagger.model.manifest import load_manifest
from musictagger.model.runtime import MODEL_ENV_VAR, chosen_model_file
from musictagger.personal import store
from musictagger.tagging.journal import Journal
from tests.library.conftest import write_track
from tests.personal.heads import MOODS, save_mood_model
from tests.tagging.media import pretag


@pytest.fixture
def music(first_model_as_default: Path, tmp_path: Path) -> Path:
    """Three short tracks in two folders and a corrupt "mp3", on the first model (it names a genre for them)."""
    root = tmp_path / "Music"
    write_track(root / "a" / "01.wav", "wav-pcm16", seed=0, seconds=1.5)
    write_track(root / "a" / "02.flac", "flac", seed=1, seconds=1.5)
    write_track(root / "b" / "03.wav", "wav-pcm16", seed=2, seconds=1.5)
    (root / "b" / "broken.mp3").write_bytes(b"this is not an mp3 at all" * 40)
    return root


def answer(capsys: pytest.CaptureFixture[str]) -> dict:
    """The one JSON document the command printed on stdout (json.loads refuses anything more)."""
    return json.loads(capsys.readouterr().out)


def test_index_json_is_the_runs_summary_as_one_document(music: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its text summary was a script's only way to learn what a run did: a line of counts, then lines per file."""
    broken, missing = music / "b" / "broken.mp3", music.parent / "absent"
    assert main(["index", str(music), str(missing), "--workers", "1", "--json"]) == 1
    first = answer(capsys)
    with Library() as library:
        counts, failures = library.counts(), library.failures()
    assert first["analysed"] == counts.analysed == 3 and first["unchanged"] == 0
    assert first["failed"] == [{"file": str(broken), "error": f"{broken}: {failures[0].error}"}]
    assert first["unreachable"] == [{"file": str(missing), "error": f"{missing}: no such file or folder"}]
    assert (first["removed"], first["moved"], first["failed_earlier"], first["interrupted"]) == (0, 0, 0, False)

    (music / "a" / "01.wav").rename(music / "b" / "01-moved.wav")
    (music / "b" / "03.wav").unlink()
    assert main(["index", "--workers", "1", "--json"]) == 0  # the earlier failure is not this run's
    again = answer(capsys)
    with Library() as library:
        paths = set(library.stamps())
    assert {key: again[key] for key in ("analysed", "unchanged", "failed", "failed_earlier", "removed", "moved")} == {
        "analysed": 0,
        "unchanged": 2,  # the moved file among them, as the text summary counts it
        "failed": [],
        "failed_earlier": 1,
        "removed": 1,
        "moved": 1,
    }
    assert paths == {str(music / "a" / "02.flac"), str(music / "b" / "01-moved.wav"), str(broken)}
    assert set(again) == set(first)  # the same keys whatever the run did


def test_index_status_json_says_what_the_text_does_as_the_library_reads_it(
    music: Path, first_model_as_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(music), "--workers", "1"]) == 1
    capsys.readouterr()
    assert main(["index", "--status", "--json"]) == 0
    status = answer(capsys)
    model_id = AnalysisKey.of(load_manifest(first_model_as_default), None).model_id
    with Library() as library:
        counts, verdicts, failures = library.counts(), library.verdict_counts(), library.failures()
        assert status["index"] == str(library.path)
        assert status["folders"] == [str(root) for root in library.roots()] == [str(music)]
        assert status["codes"] == {"tracks": sum(library.code_counts().values()), "need_index": 0}
        assert status["embeddings"] == {"tracks": library.embedded_counts()[model_id], "need_index": 0}
    assert status["tracks"] == {"total": counts.total, "analysed": counts.analysed, "failed": counts.failed}
    assert status["verdicts"] == dict(verdicts) and sum(status["verdicts"].values()) == 3
    assert status["failed"] == [{"file": record.path, "error": f"{record.path}: {record.error}"} for record in failures]
    assert status["field"] == "genre"
    assert status["model"] == {"name": first_model_as_default.stem, "file": str(first_model_as_default), "id": model_id}
    assert status["active_model"]["name"] == "shipped" and status["active_model"]["in_use"]

    save_mood_model(first_model_as_default, music / "a" / "02.flac")
    store.use("moods")
    assert main(["index", "--status", "--json"]) == 0
    moods = answer(capsys)
    assert moods["field"] == "mood" and set(moods["verdicts"]) <= {*MOODS, "unknown"}
    assert sum(moods["verdicts"].values()) == 3
    assert moods["active_model"] == {
        "name": "moods",
        "field": "mood",
        "labels": list(MOODS),
        "reads": model_id,
        "in_use": True,
    }
    assert set(moods) == set(status)


def test_undo_list_json_gives_each_run_as_the_journal_holds_it(music: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pretag(music / "a" / "01.wav")  # an ID3v2.4 tag, converted to v2.3 below: the journal keeps its bytes
    assert main(["tag", str(music / "a"), "--min-confidence", "0", "--id3", "v2.3"]) == 0
    capsys.readouterr()
    assert main(["undo", "--list", "--json"]) == 0
    (tagged,) = answer(capsys)["runs"]
    with Journal() as journal:
        (run,) = journal.runs()
    assert tagged["kept_bytes"] == run.kept > 0 and tagged["dropped_bytes"] == 0  # what its undo gives back
    assert tagged["files"] == {"written": 2} and tagged["finished"] == moment(run.finished_at)

    edited = mutagen.File(music / "a" / "02.flac")
    edited["genre"] = "Jazz"  # changed by the user since: undo leaves it as it is
    edited.save()
    assert main(["undo"]) == 1
    capsys.readouterr()
    assert main(["undo", "--list", "--json"]) == 0
    listed = answer(capsys)
    with Journal() as journal:
        runs, size, path = journal.runs(), journal.size(), journal.path
    assert listed["journal"] == str(path) and listed["size_bytes"] == size > 0
    undo_run, tag_run = listed["runs"]
    assert [run["run"] for run in listed["runs"]] == [run.id for run in runs]
    assert (tag_run["kind"], tag_run["mode"], tag_run["undoes"]) == ("tag", "fill-empty", None)
    assert (undo_run["kind"], undo_run["mode"], undo_run["undoes"]) == ("undo", None, tag_run["run"])
    assert (tag_run["id3_version"], undo_run["id3_version"]) == ("v2.3", None)
    assert tag_run["files"] == {"restore-skipped": 1, "restored": 1}  # the list's "not restored"
    assert [run["files"] for run in listed["runs"]] == [run.counts for run in runs]
    assert [run["kept_bytes"] for run in listed["runs"]] == [run.kept for run in runs]
    assert [run["started"] for run in listed["runs"]] == [moment(run.started_at) for run in runs]
    assert [run["status"] for run in listed["runs"]] == ["finished", "finished"]
    assert [run["fields"] for run in listed["runs"]] == [["genre"], ["genre"]]
    assert (tag_run["min_confidence"], undo_run["min_confidence"]) == (0.0, None)

    assert main(["undo", "--json"]) == 1  # an undo, not a listing: refused rather than undoing in text
    assert "--json lists the runs: give it with --list" in capsys.readouterr().err


def test_models_json_lists_the_shipped_and_personal_models_and_which_is_in_use(
    music: Path, first_model_as_default: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    save_mood_model(first_model_as_default, music / "a" / "02.flac")
    store.use("moods")
    assert main(["models", "--json"]) == 0
    listed = answer(capsys)
    (info,) = store.list_models()
    shipped = chosen_model_file()
    assert listed["shipped"]["file"] == str(shipped) and listed["shipped"]["base"] == "accurate"
    assert listed["shipped"]["labels"] == list(load_manifest(shipped, verify_digest=False).labels)
    assert not listed["shipped"]["active"] and not listed["shipped"]["in_use"]
    assert listed["personal"] == [
        {
            "name": "moods",
            "field": "mood",
            "labels": list(info.labels),
            "tracks_per_label": info.counts,
            "accuracy": info.accuracy,
            "macro_f1": info.macro_f1,
            "reads": info.base_model_id,
            "created": info.created,
            "active": True,
            "in_use": True,
        }
    ]
    assert (listed["in_use"], listed["note"]) == ("moods", None)

    monkeypatch.delenv(MODEL_ENV_VAR)  # files analysed by the shipped model: the mood model reads the first model's
    assert os.environ.get(MODEL_ENV_VAR) is None
    assert main(["models", "--json"]) == 0
    idle = answer(capsys)
    assert idle["in_use"] == "shipped" and idle["shipped"]["in_use"]
    assert idle["personal"][0]["active"] and not idle["personal"][0]["in_use"]
    assert idle["note"].startswith("personal model 'moods' is not in use")

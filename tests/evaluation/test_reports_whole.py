"""``musictagger evaluate``'s reports are written whole (:mod:`musictagger.atomic_write`): a write that fails part-way
(a full disk) or is stopped (Ctrl-C, SIGTERM, SIGHUP) leaves the last run's file as it was and nothing beside it,
where the JSON, the Markdown and the figures were written straight into their files and left cut short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musictagger.evaluation.evaluate import report_paths, write_reports
from musictagger.evaluation.plots import save_reliability_diagram
from tests.conftest import PROJECT_ROOT
from tests.stops import names_in, stopped_before_renaming_into, writes_failing_past

pytest.importorskip("matplotlib", reason="the figures need the 'train' extra (matplotlib)")

RESULT = json.loads((PROJECT_ROOT / "reports" / "evaluation-hash-cnn-lstm-emotify-test.json").read_text("utf-8"))
CUT_AT = 100
"""Bytes a file may grow to while a write is made to fail: fewer than any report holds."""


def last_run_s_reports(folder: Path) -> dict[Path, bytes]:
    """An earlier run's four reports in ``folder``: each path and its bytes."""
    earlier = {path: f"the last run's {kind}\n".encode() for kind, path in report_paths(RESULT, folder).items()}
    for path, content in earlier.items():
        path.write_bytes(content)
    return earlier


def test_reports_whose_write_fails_part_way_are_the_last_run_s(tmp_path: Path) -> None:
    """The JSON, written first, was left cut short at the size the disk had room for."""
    earlier = last_run_s_reports(tmp_path)
    with writes_failing_past(CUT_AT), pytest.raises(OSError):
        write_reports(RESULT, tmp_path)
    assert {path: path.read_bytes() for path in earlier} == earlier
    assert names_in(tmp_path) == sorted(path.name for path in earlier)


def test_reports_stopped_at_a_figure_are_whole_and_nothing_is_left_beside_them(tmp_path: Path) -> None:
    """Stopped once the confusion matrix is drawn: the JSON and Markdown before it are the new run's, whole, the
    figure the last run's."""
    earlier = last_run_s_reports(tmp_path)
    paths = report_paths(RESULT, tmp_path)
    with stopped_before_renaming_into(paths["confusion"]), pytest.raises(KeyboardInterrupt):
        write_reports(RESULT, tmp_path)
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == RESULT
    assert paths["confusion"].read_bytes() == earlier[paths["confusion"]]
    assert paths["reliability"].read_bytes() == earlier[paths["reliability"]]
    assert names_in(tmp_path) == sorted(path.name for path in earlier)


def test_a_figure_whose_write_fails_part_way_is_as_it_was(tmp_path: Path) -> None:
    """savefig wrote the PNG into its file, which a full disk left cut short (a PNG no viewer opens)."""
    figure = tmp_path / "reliability.png"
    save_reliability_diagram(RESULT["calibration"]["bins"], figure)
    before = figure.read_bytes()
    with writes_failing_past(CUT_AT), pytest.raises(OSError):
        save_reliability_diagram(RESULT["calibration"]["bins"], figure, title="another run")
    assert figure.read_bytes() == before
    assert names_in(tmp_path) == ["reliability.png"]

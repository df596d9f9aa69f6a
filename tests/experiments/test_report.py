"""CSV files and figures are written whole and read back with the numbers that went in."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the experiments need the 'train' extra")

from musictagger import csv_file
from musictagger.experiments.report import bar_figure, value, write_csv


def test_csv_round_trip_with_the_union_of_columns(tmp_path: Path) -> None:
    rows = [{"variant": "LSTM-1", "test_accuracy": 0.7375}, {"variant": "GRU-2", "seeds": 3}]
    write_csv(tmp_path / "out" / "t.csv", rows)
    assert (tmp_path / "out" / "t.csv").read_bytes().startswith(codecs.BOM_UTF8)  # as every CSV musictagger writes
    with (tmp_path / "out" / "t.csv").open(newline="", encoding=csv_file.ENCODING) as handle:
        back = list(csv.DictReader(handle))
    assert back == [
        {"variant": "LSTM-1", "test_accuracy": "0.7375", "seeds": ""},
        {"variant": "GRU-2", "test_accuracy": "", "seeds": "3"},
    ]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["t.csv"]


def test_bar_figure_is_a_png(tmp_path: Path) -> None:
    row = {
        f"{m}_{s}": v
        for m in ("test_accuracy", "test_map")
        for s, v in (("mean", 0.7), ("sd", 0.02), ("ci_low", 0.6), ("ci_high", 0.8))
    }
    bar_figure([{"variant": "a", **row}, {"variant": "b", **row}], tmp_path / "f.png", "title")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_value_formats_mean_sd_and_interval() -> None:
    assert value(0.7375, 0.0123, 0.6, 0.85) == "0.738 ± 0.012 [0.600, 0.850]"
    assert value(0.5) == "0.500"

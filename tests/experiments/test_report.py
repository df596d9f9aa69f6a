"""CSV files and figures are written whole and read back with the numbers that went in."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the experiments need the 'train' extra")

from musictagger import csv_file
from musictagger.experiments.report import bar_figure, value, write_csv, write_text
from tests.stops import names_in, stopped_before_renaming_into


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


class _StoppedWhenWritten:
    """A cell whose writing is stopped, as Ctrl-C stops it: the row it is in is half written."""

    def __str__(self) -> str:
        raise KeyboardInterrupt


def test_a_table_whose_write_is_stopped_is_left_as_it_was_and_nothing_beside_it(tmp_path: Path) -> None:
    """``musictagger experiments`` stopped while it wrote a table left its ``.partial`` file beside it."""
    table = tmp_path / "t.csv"
    write_csv(table, [{"variant": "LSTM-1"}])
    before = table.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        write_csv(table, [{"variant": "GRU-2"}, {"variant": _StoppedWhenWritten()}])
    assert table.read_bytes() == before
    assert names_in(tmp_path) == ["t.csv"]


@pytest.mark.parametrize("kind", ["report", "figure"])
def test_a_report_or_figure_stopped_before_it_is_in_place_leaves_nothing_beside_it(kind: str, tmp_path: Path) -> None:
    """Stopped once written, before the rename, the report and each figure left their ``.partial`` file."""
    path = tmp_path / ("report.md" if kind == "report" else "f.png")
    row = {f"test_{m}_{s}": 0.5 for m in ("accuracy", "map") for s in ("mean", "sd", "ci_low", "ci_high")}
    with stopped_before_renaming_into(path), pytest.raises(KeyboardInterrupt):
        if kind == "report":
            write_text(path, "# Report\n")
        else:
            bar_figure([{"variant": "a", **row}], path, "title")
    assert names_in(tmp_path) == []

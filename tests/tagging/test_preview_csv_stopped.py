"""``tag --csv`` stopped (Ctrl-C, SIGTERM) while it writes its preview table leaves the file named as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from musictagger.cli.main import main
from musictagger.interrupts import INTERRUPTED_STATUS
from musictagger.tagging import plan
from tests.stops import names_in
from tests.tagging.media import make_file


def test_tag_csv_stopped_mid_way_leaves_the_users_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview was written straight into the file named, so a stop after its first row left the user's file cut
    short (the header and one row); now the table is written beside it and renamed over it once whole."""
    folder = tmp_path / "music"
    make_file(folder, "flac", name="a", seconds=1.0, seed=1)
    make_file(folder, "mp3", name="b", seconds=1.0, seed=2)
    preview = tmp_path / "preview.csv"
    preview.write_bytes(b"the user's own table\r\n")
    rows = plan.preview_rows

    def stopped_after_the_first_row(whole: plan.Plan) -> Iterator[tuple[str, ...]]:
        yield rows(whole)[0]
        raise KeyboardInterrupt

    monkeypatch.setattr(plan, "preview_rows", stopped_after_the_first_row)
    status = main(["tag", str(folder), "--dry-run", "--min-confidence", "0", "--csv", str(preview)])
    assert status == INTERRUPTED_STATUS
    assert preview.read_bytes() == b"the user's own table\r\n"
    assert names_in(tmp_path) == ["music", "preview.csv"]

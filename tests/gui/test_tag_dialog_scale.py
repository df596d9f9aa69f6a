"""The Tag dialog over an archive's selection: the selected tracks' paths read alone."""

from __future__ import annotations

import numpy as np

from musictagger.gui.library_view import paths_of
from musictagger.library import Library, TrackQuery, browse
from musictagger.library.store import AnalysisKey, FileStamp


def test_the_selected_tracks_paths_are_read_without_their_rows(monkeypatch) -> None:
    """Ctrl+T on 100,000 tracks read every selected track's whole row (tags, verdict, agreement) for its path: 4.8 s
    on a busy machine before the Tag dialog opened.  The paths come in the table's order, gone tracks left out."""
    with Library() as library:
        for i in range(600):  # more than a query's variables
            library.store_error(f"/music/{i:04}.flac", FileStamp(i, i), AnalysisKey("model", 1), "not audio")
        ids = library.track_ids(TrackQuery())
        library.delete_paths(["/music/0007.flac"])
    rows_read: list[int] = []
    from_sql = browse.TrackRow.from_sql
    monkeypatch.setattr(browse.TrackRow, "from_sql", lambda row: rows_read.append(1) or from_sql(row))

    chosen = np.concatenate([ids[::-1][:300], ids[:10]])
    paths = paths_of(chosen, None)

    assert [path.name for path in paths] == [
        *(f"{i:04}.flac" for i in range(599, 299, -1)),
        *(f"{i:04}.flac" for i in range(10) if i != 7),
    ]
    assert rows_read == []  # before: a row read a path

"""Sorting 100,000 tracks by name as a person expects: what the sort keys cost, beside the order they replace.

    python bench/sort_order.py [--tracks 100000] [--against REV] [--keep DIR]

The library is generated as ``bench/library_view.py`` generates it (rows through :meth:`Library.store_analysis`, no
audio), at the schema before the sort keys (this checkout's store with ``MIGRATIONS[:10]`` and no sort keys), and
kept as ``DIR/library-v10.sqlite3``.  Measured, each in this process, the best of three:

- the first open of that index by this checkout: migration 11 (a sort key of every track's title, artist, album,
  genre tags and path, made in Python) and the backup before it;
- each column's query as the Library tab's worker runs it (:meth:`Library.track_ids`), with ``--against``'s sort
  expressions (``musictagger/library/browse.py`` read with ``git show``: the folded texts, the path) and with this
  checkout's (the sort keys), on the same migrated index;
- the Tag dialog's file names (100,000 ``Artist 012/Album 0034/000056 Track.flac``): their keys and their order,
  by ``--against``'s ``plan_table.natural_key`` and by this checkout's ``text_order``.

Prints a table.  The UI thread does none of this: the Library tab's queries run on its worker, the Tag dialog's
names on the worker that made the plan (``bench/library_view.py`` and ``bench/tag_dialog_scale.py`` measure the
window).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_BEFORE = 10
"""The index's schema before the sort keys (migration 11)."""


def best(action: Callable[[], object], rounds: int = 3) -> float:
    """The shortest of ``rounds`` runs of ``action``, in seconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--against", default="HEAD", help="the revision whose order is measured beside")
    parser.add_argument("--keep", type=Path, help="folder to keep the generated index at schema 10 in")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="sort-order-bench-"))
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from library_view import generate
    from tag_dialog_scale import old_module

    from musictagger.library import Column, Library, TrackQuery, store
    from musictagger.library.schema import MIGRATIONS
    from musictagger.library.store import AnalysisKey
    from musictagger.model.manifest import load_manifest
    from musictagger.model.runtime import default_model_path
    from musictagger.userdirs import library_db_path

    kept = home / f"library-v{SCHEMA_BEFORE}.sqlite3"
    if not kept.is_file():
        sort_keys, store.MIGRATIONS, store.SORT_KEYS = store.SORT_KEYS, MIGRATIONS[:SCHEMA_BEFORE], {}
        generate(args.tracks, AnalysisKey.of(load_manifest(default_model_path()), None))
        store.MIGRATIONS, store.SORT_KEYS = MIGRATIONS, sort_keys
        with sqlite3.connect(library_db_path()) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        shutil.copyfile(library_db_path(), kept)

    def migrate() -> None:
        for stale in library_db_path().parent.glob(library_db_path().name + "*"):
            stale.unlink()
        shutil.copyfile(kept, library_db_path())
        with Library():
            pass

    migrated_s = best(migrate)

    folder = Path(tempfile.mkdtemp(prefix="sort-order-old-"))
    old_browse = old_module(args.against, "musictagger/library/browse.py", folder)
    old_table = old_module(args.against, "musictagger/gui/plan_table.py", folder)
    from musictagger.gui.plan_table import text_order
    from musictagger.library import browse

    rows = []
    with Library() as library:
        for column in Column:
            for descending in (False, True):
                query = TrackQuery(sort=column, descending=descending)
                times = []
                for sort_sql in (old_browse.SORT_SQL, browse.SORT_SQL):
                    browse.SORT_SQL = sort_sql
                    times.append(best(lambda query=query: library.track_ids(query)))
                browse.SORT_SQL = sort_sql
                rows.append((f"Library: sort by {column.value}{' (descending)' if descending else ''}", *times))

    names = [f"Artist {i % 700:03}/Album {i % 3000:04}/{i:06} Track.flac" for i in range(args.tracks)]
    key_times = (best(lambda: list(map(old_table.natural_key, names))), best(lambda: list(map(text_order, names))))
    rows.append((f"Tag dialog: {args.tracks:,} file names' keys", *key_times))
    old_keys, new_keys = list(map(old_table.natural_key, names)), list(map(text_order, names))
    rows.append(
        (
            "Tag dialog: their order",
            best(lambda: sorted(range(len(names)), key=old_keys.__getitem__)),
            best(lambda: sorted(range(len(names)), key=new_keys.__getitem__)),
        )
    )

    load = os.getloadavg()[0]
    print(f"\nSorting {args.tracks:,} tracks by name ({os.cpu_count()} cores, load {load:.1f}); best of 3, seconds")
    print(
        f"\nFirst open of a schema {SCHEMA_BEFORE} index by this checkout (migration 11, backup): {migrated_s:.2f} s\n"
    )
    print(f"| action | {args.against} | this checkout |")
    print("|---|---:|---:|")
    for name, old_s, new_s in rows:
        print(f"| {name} | {old_s:.3f} | {new_s:.3f} |")


if __name__ == "__main__":
    main()

"""Where a tagged file went since its run: the library index's record of the move, for an undo.

The journal knows a file by its path.  The library index knows it by its stamp too: after a run the file's row has the
stamp the run left (:mod:`~musictagger.tagging.index_sync`), and ``musictagger index`` gives a file moved or renamed
(the same size and modification time to the nanosecond, ``mv`` keeps both) its new path, as it indexes one it never
held with its stamp.  A file an undo finds gone from its path is looked for there: the one indexed path of that stamp,
and only where the file holds exactly the bytes the run left in it, which the undo checks as it does at the old path.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from musictagger.errors import DatabaseError
from musictagger.presence import missing
from musictagger.tagging.fingerprint import Fingerprint
from musictagger.userdirs import library_db_path


class IndexedMoves:
    """The library index's paths by stamp, read once, at the first file an undo finds gone (none where there is no
    index, or it cannot be read: the file is then said to be gone, as before)."""

    def __init__(self, database: Path | None = None) -> None:
        self._database = database or library_db_path()
        self._paths: dict[tuple[int, int], list[str]] | None = None

    def moved_to(self, old: Path, left: Fingerprint) -> Path | None:
        """Where the file the run left at ``old`` (``left``: its size and modification time) is now, as the index
        has it: the one path indexed with that stamp that is not ``old`` and is there; None for none, or several."""
        found = [Path(path) for path in self._by_stamp().get((left.size, left.mtime_ns), ()) if Path(path) != old]
        there = [path for path in found if not missing(path)]
        return there[0] if len(there) == 1 else None

    def _by_stamp(self) -> dict[tuple[int, int], list[str]]:
        if self._paths is None:
            self._paths = defaultdict(list)
            if self._database.is_file():  # an undo makes no index where there was none
                from musictagger.library.store import Library  # here: the package loads onnxruntime, undo needs none

                try:
                    with Library(self._database) as library:
                        stamps = library.stamps()
                except DatabaseError:
                    stamps = {}
                for path, (stamp, _key) in stamps.items():
                    self._paths[(stamp.size, stamp.mtime_ns)].append(path)
        return self._paths

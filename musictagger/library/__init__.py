"""The user's music library: an SQLite index of analysed files and search by hash code.

Qt-free; the CLI (``musictagger index``, ``musictagger similar``) and the GUI use this API::

    summary = index_folders([Path("~/Music").expanduser()], on_progress=print)
    with Library() as library:
        matches = find_similar(
            library, analysis.bits, analysis.relaxed_code, k=10, match_bits=model.manifest.match_bits
        )
"""

from musictagger.library.browse import Agreement, Column, QuickFilter, TrackQuery, TrackRow
from musictagger.library.index import IndexProgress, IndexSummary, index_folders
from musictagger.library.search import CodeIndex, Match, current_index, find_similar
from musictagger.library.store import Library, LibraryCounts, TrackAnalysis, TrackRecord

__all__ = [
    "Agreement",
    "CodeIndex",
    "Column",
    "IndexProgress",
    "IndexSummary",
    "Library",
    "LibraryCounts",
    "Match",
    "QuickFilter",
    "TrackAnalysis",
    "TrackQuery",
    "TrackRecord",
    "TrackRow",
    "current_index",
    "find_similar",
    "index_folders",
]

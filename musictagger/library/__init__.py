"""The user's music library: an SQLite index of analysed files and search by hash code.

Qt-free; the CLI (``musictagger index``, ``musictagger similar``) and the GUI use this API::

    from pathlib import Path

    from musictagger.library import Library, find_similar, index_folders
    from musictagger.library.search import model_family
    from musictagger.model.runtime import load_model

    summary = index_folders([Path("~/Music").expanduser()], on_progress=print)
    model = load_model()
    query = model.analyze_file("song.mp3")
    with Library() as library:
        matches = find_similar(
            library, query.bits, query.relaxed_code, k=10, exclude_path="song.mp3",
            models=model_family(model.path), match_bits=model.manifest.match_bits,
        )
        for match in matches:
            print(match.distance, match.record.path, match.record.verdict_label)

``index_folders`` analyses in worker processes it spawns; they run musictagger's code alone, so a script
needs no ``if __name__ == "__main__":`` for them.
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

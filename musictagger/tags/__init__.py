"""Read-only access to files' tags, the one home the library index and tagging both stand on.

:mod:`musictagger.tags.formats` finds a file's tag family and reads its fields (title, artist,
album, genre, mood, grouping); writing genres, with its safety net, stays in :mod:`musictagger.tagging`.
Every mutagen call of the package lives in these two packages.
"""

from musictagger.tags.formats import TagFormat, TagSummary, detect, read_genres, read_tags, read_values

__all__ = ["TagFormat", "TagSummary", "detect", "read_genres", "read_tags", "read_values"]

"""What the survey of the library's tags counts for learning says each track once."""

from __future__ import annotations

import os

from musictagger.cli.learn import format_survey
from musictagger.db import open_database
from musictagger.library import Library
from musictagger.library.schema import MIGRATIONS
from musictagger.personal.vocabulary import survey
from musictagger.userdirs import library_db_path
from tests.personal.library import StyleLibrary


def test_tagged_tracks_without_an_embedding_are_said_once(indexed_styles: StyleLibrary) -> None:
    """Tagged tracks whose analysis keeps no embedding (an earlier release's) were counted twice, as waiting for
    `musictagger index` (to_index) and as missing their embedding: learn's survey (and the Learn dialog) counted the
    4 in '7 tracks need `musictagger index` again' and again in '4 tagged tracks were analysed by another model than
    the one in use, or by an earlier release'.  Untagged tracks without one are counted apart."""
    database = open_database(library_db_path(), MIGRATIONS)
    with database:
        database.execute(
            "UPDATE tracks SET embedding = NULL WHERE path LIKE ? OR path LIKE ?",
            (f"%{os.sep}ambient{os.sep}%", f"%{os.sep}new{os.sep}%"),
        )
    database.close()

    with Library() as library:
        found = survey(library, min_per_label=3)

    assert (found.to_index, found.missing_embeddings) == (4, 3)
    said = " ".join(format_survey(found).split())
    assert "4 tagged tracks were analysed by another model than the one in use, or by an earlier release" in said
    assert "3 tracks need `musictagger index` again before they can be used" in said

"""Names as the Library tab's find box and sorting compare them: without case or accents.

A library's names come in every script and case: Björk, Sigur Rós, Motörhead and MOTÖRHEAD, Beyoncé,
Дельфин, 坂本龍一.  :func:`fold` is what the find box matches (``bjork`` finds ``Björk``, ``ÉLODIE`` finds
``Élodie``, ``straße`` finds ``STRASSE``) and what the title, artist, album and genre tag columns sort by
(``Élodie`` beside ``elodie``, before ``Zazie``): Unicode case folding (:meth:`str.casefold`: ``ß`` is ``ss``,
``Д`` is ``д``), then compatibility decomposition (NFKD: ``é`` is ``e`` and a combining accent, ``ﬁ`` is ``fi``,
a full-width ``Ａ`` is ``A``) without the combining marks.  The Latin letters that NFKD leaves whole, not a
base letter with a mark, are spelt as a keyboard without them spells them (:data:`LATIN_SPELLINGS`: ``Łona``
is found by ``lona``, ``MØ`` by ``mo``, ``Æther`` by ``aether``), and sort so; other scripts are kept as
they are (no transliteration of ``Дельфин``).

SQLite's ``LIKE``, ``lower()`` and ``NOCASE`` fold ASCII alone, and folding at every query is slow at 100,000
tracks (``bench/library_view.py``): a Python collation sorted them by title in 1.6 s instead of 0.45 s, and folding
each row's texts for the find box took 0.6 s instead of 0.4 s (ASCII names, the fast case).  So each row of the
index keeps its texts folded (migration 9 of :mod:`.schema`),
written with the row by :class:`~musictagger.library.store.Library` through these functions and filled for
older rows by the migration through the same functions, registered on every library connection
(:func:`musictagger.library.browse.register_functions`).
"""

from __future__ import annotations

import json
import unicodedata

LATIN_SPELLINGS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l", "æ": "ae", "œ": "oe", "þ": "th"}
)
"""Case-folded Latin letters that are not a base letter with a mark (NFKD keeps them), as written without them."""

GENRES_SEPARATOR = "\n"
"""Between a track's genre tag values in their folded text: no typed text holds it, so none matches across two."""


def fold(text: str | None) -> str | None:
    """``text`` without case or accents (see the module docstring); None stays None (SQL's NULL)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if decomposed.isascii():  # most names and paths: no mark to remove, and ten times faster
        return decomposed
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(LATIN_SPELLINGS)


def fold_genres(tag_genres: str | None) -> str | None:
    """The genre tag values of a track, stored as a JSON list (``tag_genres``), folded, one a line; None (not read
    yet) stays None."""
    if tag_genres is None:
        return None
    return GENRES_SEPARATOR.join(fold(value) for value in json.loads(tag_genres))

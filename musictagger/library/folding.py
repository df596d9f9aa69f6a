"""Names as the Library tab's find box and sorting compare them: without case or the accents one types without,
each letter of every alphabet kept whole.

A library's names come in every script and case: Björk, Sigur Rós, Motörhead and MOTÖRHEAD, Дельфин, Ёлка,
ガンダム, 坂本龍一.  :func:`fold` is what the find box matches (``bjork`` finds ``Björk``, ``straße`` finds
``STRASSE``, ``елка`` finds ``Ёлка``, but ``мои`` does not find ``Мой`` nor ``カンダム`` ``ガンダム``) and what the
title, artist, album and genre tag columns sort by (``Élodie`` beside ``elodie``, before ``Zazie``).  The rule:

1. Case and compatibility forms go: Unicode case folding and compatibility decomposition (NFKD), twice, so that a
   letter NFKD turns into a capital is folded too: ``ß`` is ``ss``, ``Д`` is ``д``, ``ﬁ`` is ``fi``, a full-width
   ``Ａ`` and a mathematical bold ``𝐀`` are ``a``, a half-width ``ｶﾞ`` is ``ガ``.
2. A combining mark goes where a user typing the name without it expects to find it, and stays where it makes a
   letter of its own.  It goes on a Latin or Greek letter (``é``, ``ö``, Vietnamese ``ệ`` and ``ơ``, Greek tonos
   and dialytika: ``Ά`` is ``α``), as PostgreSQL's ``unaccent``, whose plain letters are Latin and Greek, folds
   them; on an Arabic or Hebrew letter (the vowel points, and the hamza a keyboard user leaves off: ``أ`` is ``ا``),
   as Lucene's Arabic normaliser does; on Cyrillic ``е``, its diaeresis (``ё`` is ``е``, as Russian writes and
   searches it, as CLDR's collation (``ё`` only secondary-different from ``е``) and ``unaccent`` fold it); and
   where no letter carries it (at the start, after a digit or a symbol).  Every other mark stays: ``й`` is not
   ``и`` (a key of its own on a Russian keyboard, a base letter in CLDR's root collation), nor ``ї`` ``і``, ``ガ``
   ``カ``, ``パ`` ``ハ``, a Thai word with a tone mark the word without, or Devanagari ``क्ष`` (virama) ``कष``, ``ज़``
   (nukta) ``ज``.  The letter carrying a mark is the last character before it that is neither a mark nor a joiner
   (ZWJ, ZWNJ).
3. The rest is recomposed (NFC), so the folded text is canonical: ``й`` stored as ``и`` and a combining breve (as
   macOS spells file names) or typed whole folds alike, and a typed ``и`` does not match inside it.  Korean Hangul,
   which NFKD splits into its letters (jamo), is recomposed into syllables too: the find box matches whole
   syllables, as a browser's find does (``방`` finds ``방탄소년단``, ``바`` does not), and the sort is the same
   either way (the syllables are encoded in the order of their jamo).
4. The Latin letters that NFKD leaves whole, not a base letter with a mark, are spelt as a keyboard without them
   spells them (:data:`LATIN_SPELLINGS`: ``Łona`` is found by ``lona``, ``MØ`` by ``mo``, ``Æther`` by
   ``aether``).  Other scripts are not transliterated (``Дельфин`` is not ``delfin``).

The columns sort by the folded text's code points, then by the text: alphabets in their order (``Мои`` before
``Мой``, Devanagari ``सतरंगी`` before ``सत्यम``), kana in gojūon order with each voiced kana after its plain one
(``ハ``, ``バ``, ``パ``).  That is not every language's dictionary order: Japanese (JIS X 4061) and Thai
dictionaries weigh voicing and tone marks after the letters (``パプリカ`` before ``バラ``), which one folded text
cannot do while the find box tells them apart; nor are Thai's leading vowels ordered as there.

SQLite's ``LIKE``, ``lower()`` and ``NOCASE`` fold ASCII alone, and folding at every query is slow at 100,000
tracks (``bench/library_view.py``): a Python collation sorted them by title in 1.6 s instead of 0.45 s, and folding
each row's texts for the find box took 0.6 s instead of 0.4 s (ASCII names, the fast case).  So each row of the
index keeps its texts folded (migration 9 of :mod:`.schema`; migration 10 folded them again by this rule),
written with the row by :class:`~musictagger.library.store.Library` through these functions and filled for
older rows by the migrations through the same functions, registered on every library connection
(:func:`musictagger.library.browse.register_functions`).  A change of the rule needs a migration that folds every
row again.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterator

LATIN_SPELLINGS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l", "æ": "ae", "œ": "oe", "þ": "th"}
)
"""Case-folded Latin letters that are not a base letter with a mark (NFKD keeps them), as written without them."""

MARKS_TYPED_WITHOUT = frozenset({"LATIN", "GREEK", "ARABIC", "HEBREW"})
"""The scripts (as their letters' Unicode names begin) whose letters' marks the fold removes: all of them."""

CYRILLIC_IO = ("е", "\u0308")
"""The one Cyrillic letter and mark the fold parts: ``ё`` (``е`` and a combining diaeresis) is ``е``."""

GENRES_SEPARATOR = "\n"
"""Between a track's genre tag values in their folded text: no typed text holds it, so none matches across two."""


def fold(text: str | None) -> str | None:
    """``text`` without case or the accents one types without (see the module docstring); None stays None (SQL's
    NULL)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.casefold()).casefold())
    if decomposed.isascii():  # most names and paths: no mark to remove, and ten times faster
        return decomposed
    return unicodedata.normalize("NFC", "".join(_without_marks_typed_without(decomposed))).translate(LATIN_SPELLINGS)


def _without_marks_typed_without(decomposed: str) -> Iterator[str]:
    """The characters of NFKD text ``decomposed`` but the marks :func:`_typed_without` says go, each judged by the
    letter carrying it."""
    letter = ""
    for char in decomposed:
        category = unicodedata.category(char)
        if category[0] != "M":
            if category != "Cf":  # a joiner (ZWJ, ZWNJ) between a letter and its marks leaves them that letter's
                letter = char
            yield char
        elif not _typed_without(letter, char):
            yield char


@functools.cache
def _typed_without(letter: str, mark: str) -> bool:
    """Whether combining ``mark`` on ``letter`` (the character before it; empty at the start) is one a user typing
    the name leaves out (the module docstring's rule 2)."""
    if not letter or unicodedata.category(letter)[0] != "L":
        return True
    return unicodedata.name(letter, "").partition(" ")[0] in MARKS_TYPED_WITHOUT or (letter, mark) == CYRILLIC_IO


def fold_genres(tag_genres: str | None) -> str | None:
    """The genre tag values of a track, stored as a JSON list (``tag_genres``), folded, one a line; None (not read
    yet) stays None."""
    if tag_genres is None:
        return None
    return GENRES_SEPARATOR.join(fold(value) for value in json.loads(tag_genres))

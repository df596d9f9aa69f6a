"""Names as the Library tab's find box and sorting compare them: without case or the accents one types without,
each letter of every alphabet kept whole.

A library's names come in every script and case: Björk, Sigur Rós, Motörhead and MOTÖRHEAD, Дельфин, Ёлка,
ガンダム, 坂本龍一.  :func:`fold` is what the find box matches (``bjork`` finds ``Björk``, ``straße`` finds
``STRASSE``, ``елка`` finds ``Ёлка``, but ``мои`` does not find ``Мой`` nor ``カンダム`` ``ガンダム``) and the
first level of :func:`sort_key`, what the Library tab's columns of names and the Tag dialog's columns sort by
(``Élodie`` beside ``elodie``, before ``Zazie``).  The rule:

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

The columns sort by :func:`sort_key`, compared as plain text (SQLite compares it so, as Python does), then by the
text itself to order names alike (``ABBA``, ``Abba``, ``abba``).  It orders names as a dictionary of their language
does, in two levels, as the Unicode Collation Algorithm does: first the letters, folded as above, with

- each run of digits (of any script: ``๓`` is 3) as its number: ``Track 2`` before ``Track 10``, ``2Pac`` before
  ``10cc``, as file managers sort;
- white space before punctuation and symbols, these before numbers, numbers before letters (``AC DC``, ``AC/DC``,
  ``ACDC``);
- kana as their hiragana letter without voicing or small size, and ``ー`` as the vowel it lengthens, as Japanese
  dictionaries (JIS X 4061) order them: ``ハナミズキ``, ``パプリカ``, ``バラ``, and ``ラーメン`` beside ``らあめん``;
- Thai's and Lao's leading vowels (``เ``, ``แ``, ``โ``, ``ใ``, ``ไ``) after the consonant they follow in speech, and
  their tone marks left to the second level, as Thai dictionaries (and CLDR's root collation) order them: ``กา``,
  ``เก``, ``ขา``; ``ม้าก้านกล้วย`` before ``มาลัย``;
- other letters in their alphabet's order, each alphabet in its block's place (Latin, Greek, Cyrillic, …, Thai,
  Hangul syllables in the order of their jamo, kana, CJK ideographs in code point order, which for the common ones
  is the radical-and-stroke order of the dictionaries);

then the marks the first level leaves out (accents, kana's voicing, Thai's tone marks) in their places: a name
without them before the name with (``cote``, ``coté``, ``côte``, ``côté``; ``ハ``, ``バ``, ``パ``).  Case is left
to the text itself.  That is the order of ICU's root collation in numeric mode (Qt's ``QCollator`` for ``en_US``,
numbers as numbers), but for the order of names alike but for case, leading zeros or a kana's form, which ICU
settles by rules of its own and this by the text.  Not done: a language's own tailoring (Swedish ``ö`` after
``z``, Spanish ``ñ`` after ``n``), which needs the user's language and a table per language; ICU has them, but here
it comes with Qt alone (PySide6's Linux wheel bundles ICU 73, and ``QCollator`` keeps its sort keys opaque), and the
index is no Qt's: the core imports no Qt.

SQLite's ``LIKE``, ``lower()`` and ``NOCASE`` fold ASCII alone, and folding at every query is slow at 100,000
tracks (``bench/library_view.py``): a Python collation sorted them by title in 1.6 s instead of 0.45 s, and folding
each row's texts for the find box took 0.6 s instead of 0.4 s (ASCII names, the fast case).  So each row of the
index keeps its texts folded (migration 9 of :mod:`.schema`; migration 10 folded them again by this rule) and their
sort keys (migration 11), written with the row by :class:`~musictagger.library.store.Library` through these
functions and filled for older rows by the migrations through the same functions, registered on every library
connection (:func:`musictagger.library.browse.register_functions`).  A change of either rule needs a migration
that makes every row's again.
"""

from __future__ import annotations

import functools
import json
import re
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
    decomposed = _decomposed(text)
    if decomposed.isascii():  # most names and paths: no mark to remove, and ten times faster
        return decomposed
    return unicodedata.normalize("NFC", "".join(_without_marks_typed_without(decomposed))).translate(LATIN_SPELLINGS)


def _decomposed(text: str) -> str:
    """``text`` case-folded and decomposed (NFKD), twice (the module docstring's rule 1)."""
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text.casefold()).casefold())


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


LEVELS = "\x01"
"""Between a sort key's letters and its marks (:func:`sort_key`): below every character of either."""
SPACE, SYMBOL, NUMBER = "\x02", "\x03", "\x04"
"""A run of white space; before a punctuation mark or symbol; before a number's length and digits, in a sort key's
letters: so a space sorts before a symbol, a symbol before a number, a number before a letter of any script."""
UNMARKED = "\x05"
"""A character without a mark in a sort key's marks (below every mark)."""

KANA_VOWELS = {
    vowel: row
    for row, vowels in zip(
        "あいうえお",
        (
            "あかさたなはまやらわ",
            "いきしちにひみりゐ",
            "うくすつぬふむゆる",
            "えけせてねへめれゑ",
            "おこそとのほもよろを",
        ),
        strict=True,
    )
    for vowel in vowels
}
"""Each kana of the gojūon table (as :data:`KANA_LETTERS` spells it) and its vowel, which a following ``ー`` (the
prolonged sound mark) lengthens: ``ラーメン`` sorts as ``らあめん``."""
SMALL_KANA = dict(zip("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ", strict=True))
VOICING = frozenset("\u3099\u309a")
"""The combining voiced and semi-voiced sound marks (``ガ`` is ``カ`` and the first, ``パ`` ``ハ`` and the second)."""
TONE_MARKS = frozenset("\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0ec8\u0ec9\u0eca\u0ecb\u0ecc")
"""Thai's and Lao's tone marks (and Thai's maitaikhu and thanthakhat), which their dictionaries weigh after the
letters."""
THAI_PREVOWEL = re.compile("([\u0e40-\u0e44\u0ec0-\u0ec4])([\u0e01-\u0e2e\u0e81-\u0eae])")
"""A vowel Thai and Lao write before the consonant it follows in speech, and that consonant."""
SARA_AM = (("\u0e4d\u0e32", "\u0e33"), ("\u0ecd\u0eb2", "\u0eb3"))
"""Thai's and Lao's vowel ``ำ`` (``ຳ``), as NFKD splits it, and whole."""
KANA_REPEATED = re.compile("([\u3041-\u3096\u30a1-\u30fa])([\u30fc\u309d\u309e\u30fd\u30fe]+)")
"""A kana and the prolonged sound marks or iteration marks after it."""
HANGUL_SYLLABLES = ("\uac00", "\ud7a3")
BEFORE_KANA = "\u303f"
"""Before each Hangul syllable in a sort key's letters, so that Korean sorts after the alphabets and before kana
and CJK ideographs, as in CLDR's root collation (its syllables' code points are after them): a symbol, which a sort
key spells after :data:`SYMBOL`, so that no text's character is it."""
SPACES = re.compile(r"\s+")
DIGITS = re.compile(r"\d+")


def _kana_letter(char: str) -> str:
    """The hiragana letter of kana ``char`` without voicing, small size or katakana's form: ``ガ``, ``ゃ`` and ``ャ``
    are ``か``, ``や`` and ``や``."""
    base = unicodedata.normalize("NFD", char)[0]
    if "\u30a1" <= base <= "\u30f6":
        base = chr(ord(base) - 0x60)
    return SMALL_KANA.get(base, base)


KANA_LETTERS = {code: _kana_letter(chr(code)) for code in (*range(0x3041, 0x3097), *range(0x30A1, 0x30FB))}
"""Every kana's letter (:func:`_kana_letter`), by code point."""


class _Letters(dict[int, str | None]):
    """``str.translate``'s table for a sort key's letters, each character's weight made when first met: kana as
    their letter, tone marks and format characters (joiners) left out, control characters as a space, punctuation
    and symbols after :data:`SYMBOL`, anything else itself."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        if code in KANA_LETTERS:
            weight = KANA_LETTERS[code]
        elif HANGUL_SYLLABLES[0] <= char <= HANGUL_SYLLABLES[1]:
            weight = BEFORE_KANA + char
        elif char in TONE_MARKS or category == "Cf":
            weight = None
        elif category == "Cc" or category[0] == "Z":
            weight = SPACE
        elif category[0] in "PS":
            weight = SYMBOL + char
        else:
            weight = char
        self[code] = weight
        return weight


LETTERS = _Letters()


def sort_key(text: str | None) -> str | None:
    """What the Library tab's title, artist, album, genre tag and path columns and the Tag dialog's columns sort
    ``text`` by (see the module docstring); None stays None (SQL's NULL).  Compared as plain text, code point by
    code point (as SQLite compares text), then by ``text`` itself to order names alike."""
    if text is None:
        return None
    marks = _marks(text)
    return _letters(fold(text)) + (LEVELS + marks if marks else "")


def genres_sort_key(tag_genres: str | None) -> str | None:
    """The sort key (:func:`sort_key`) of a track's genre tag values, stored as a JSON list (``tag_genres``), as the
    table shows them (``Rock; Pop``); None (not read yet) stays None."""
    if tag_genres is None:
        return None
    return sort_key("; ".join(json.loads(tag_genres)))


def _letters(folded: str) -> str:
    """The first level of a sort key: folded text ``folded`` with each number as its value, kana and Thai as their
    dictionaries order them, white space, punctuation and symbols before numbers, numbers before letters."""
    if not folded.isascii():
        folded = THAI_PREVOWEL.sub(r"\2\1", folded)
        for split, whole in SARA_AM:
            folded = folded.replace(split, whole)
        folded = KANA_REPEATED.sub(_kana_repeated, folded)
    return DIGITS.sub(_number, SPACES.sub(SPACE, folded).translate(LETTERS))


def _kana_repeated(match: re.Match[str]) -> str:
    """A kana and the marks after it that repeat it (an iteration mark) or lengthen its vowel (``ー``)."""
    kana, marks = match.groups()
    letter = KANA_LETTERS[ord(kana)]
    return kana + "".join(KANA_VOWELS.get(letter, mark) if mark == "\u30fc" else letter for mark in marks)


def _number(match: re.Match[str]) -> str:
    """A run of digits (of any script) as its value, ordered as numbers are: its length, then its digits."""
    digits = match.group()
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(char)) for char in digits)
    digits = digits.lstrip("0") or "0"
    return NUMBER + chr(0x20 + min(len(digits), 0xD000)) + digits


def _marks(text: str) -> str:
    """The second level of a sort key: the marks the first leaves out (accents, kana's voicing, Thai's tone marks),
    each in its place among :data:`UNMARKED` characters; empty for a text without any (as most are): ``cote``,
    ``coté``, ``côte``, ``côté`` in this order, as dictionaries have them."""
    if text.isascii():
        return ""
    weights, marked, letter = [], False, ""
    for char in _decomposed(text):
        if unicodedata.category(char)[0] != "M":
            if unicodedata.category(char) != "Cf":
                letter = char
            weights.append(UNMARKED)
        elif char in VOICING or char in TONE_MARKS or _typed_without(letter, char):
            weights.append(char)
            marked = True
    return "".join(weights) if marked else ""

"""The command line's prose: lines wrapped at 80 terminal columns, the paths they name kept whole.

A message naming a file in a deep music folder ran to 300 columns, which a terminal folds anywhere, mid-word
and mid-path.  A number keeps the unit or short word after it on its line (``at least 1 s``, ``12 tracks``), which
a break between them read as a number left hanging.  Tables lay out their own lines (:mod:`musictagger.cli.table`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from musictagger.cli.table import columns
from musictagger.errors import MusictaggerError, one_line

LINE_WIDTH = 80
"""Terminal columns the command line's lines and tables fit in."""
HANG = 2
"""Columns a wrapped line's continuation lines are indented by, past the line's own indentation."""
COMMAND = re.compile(r"`[^`]*`")
"""A command the text names, in backticks: never broken either."""
NUMBER = re.compile(r"[(\[]?[-+]?\d+(?:[.,:]\d+)*")
"""A number, as a word: ``1``, ``0.500``, ``12,345``, ``0:31``, ``(3``; not one a ``:`` or ``,`` ends (``run 7:``)."""
UNIT = re.compile(r"(?:%|[^\W\d_]{1,10})[.,;:)\]]*")
"""A unit or a short word that belongs to the number before it (``s``, ``MiB``, ``%``, ``tracks,``, ``seconds)``):
kept on the number's line."""
JOINERS = (":", ",")
"""What may join a path to the text after it: dropped, the line break between them saying as much, when the path
goes on a line of its own."""


def wrap(text: str, keep: Iterable[str] = (), *, hang: int | None = None) -> str:
    """``text`` with each of its lines wider than :data:`LINE_WIDTH` terminal columns (:func:`columns`) broken
    between words, its continuation lines indented ``hang`` columns (default: :data:`HANG` more than the line
    itself); the spaces at a break are dropped, the others kept as they are.

    A word is what lies between spaces, except that each of ``keep`` (the paths the text names, which may hold
    spaces) and each command in backticks is never broken, and a number and the unit or short word after it are
    one word (:data:`NUMBER`, :data:`UNIT`).  A word no line can hold (a path of 100 columns)
    gets a line of its own, without indentation, for a user to copy: the ``:`` or ``,`` after a path is then
    dropped.  Lines that fit are left as they are."""
    kept = [one for one in keep if one]
    return "\n".join(_wrap_line(line, kept, hang) for line in text.split("\n"))


def with_path(before: str, path: str | Path, after: str = "") -> str:
    """``before``, the path, ``after`` (``wrote …/model.onnx and its sidecar``), wrapped (:func:`wrap`) with the
    path kept whole; a line break in the file's name is written as ``\\n`` (:func:`~musictagger.errors.one_line`)."""
    shown = one_line(str(path))
    return wrap(f"{before}{shown}{after}", [shown])


def path_line(label: str, path: str | Path, reason: str | None = None) -> str:
    """``label: PATH: reason`` (``  failed: …/a.mp3: not an audio file``), or ``label: PATH`` (:func:`with_path`)."""
    return with_path(f"{label}: ", path, "" if reason is None else f": {reason}")


def error_line(error: MusictaggerError) -> str:
    """``error: …`` for an error the user can fix, wrapped (:func:`wrap`), the paths it names kept whole."""
    return wrap(f"error: {error}", error.paths)


def _wrap_line(line: str, keep: list[str], hang: int | None) -> str:
    if columns(line) <= LINE_WIDTH:
        return line
    body = line.lstrip(" ")
    first = line[: len(line) - len(body)]
    rest = " " * (len(first) + HANG if hang is None else hang)
    lines: list[str] = []
    current = ""
    for space, word in _words(body, keep):
        if columns(rest + word) > LINE_WIDTH:  # alone, unindented
            lines += [first + current] if current else []
            lines.append(_without_joiner(word, keep))
            current, first = "", rest
        elif not current:
            current = word
        elif columns(first + current + space + word) <= LINE_WIDTH:
            current += space + word
        else:
            lines.append(first + current)
            current, first = word, rest
    lines += [first + current] if current else []
    return "\n".join(lines)


def _words(text: str, keep: list[str]) -> list[tuple[str, str]]:
    """``text``'s words, each with the spaces before it: split at spaces, but not within any of ``keep`` nor
    within a command in backticks (```musictagger undo 1```), which a user copies too, nor between a number and
    its unit (:func:`_with_units`)."""
    inside = [False] * len(text)
    spans = [(m.start(), m.end()) for m in COMMAND.finditer(text)]
    for one in keep:
        start = text.find(one)
        while start != -1:
            spans.append((start, start + len(one)))
            start = text.find(one, start + len(one))
    for start, end in spans:
        inside[start:end] = [True] * (end - start)
    words: list[tuple[str, str, bool]] = []
    space, word, kept_word = "", "", False
    for ch, kept in zip(text, inside, strict=True):
        if ch == " " and not kept:
            if word:
                words.append((space, word, kept_word))
                space, word, kept_word = "", "", False
            space += ch
        else:
            word, kept_word = word + ch, kept_word or kept
    if word:
        words.append((space, word, kept_word))
    return _with_units(words)


def _with_units(words: list[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """The ``(space, word, kept)`` words as ``(space, word)``, each number joined to the unit after it (the
    spaces between them kept): neither of them a path nor a command (``kept``)."""
    joined: list[tuple[str, str]] = []
    after_number = False  # whether the last word joined is a number a unit may join
    for space, word, kept in words:
        if after_number and not kept and UNIT.fullmatch(word):
            before, number = joined.pop()
            joined.append((before, f"{number}{space}{word}"))
            after_number = False
        else:
            joined.append((space, word))
            after_number = not kept and NUMBER.fullmatch(word) is not None
    return joined


def _without_joiner(word: str, keep: list[str]) -> str:
    """``word`` without the ``:`` or ``,`` that joined one of ``keep`` (a path) to the text after it."""
    return word[:-1] if word.endswith(JOINERS) and word[:-1] in keep else word

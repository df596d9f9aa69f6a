"""A folder-per-genre collection and its train/valid/test split.

``DATA_DIR/<genre>/<file>`` (or ``DATA_DIR/<genre>/<album>/<file>``) gives the labels (sorted folder names).
The split comes from ``train.txt``, ``valid.txt`` and ``test.txt`` (one path relative to ``DATA_DIR`` per line)
in ``DATA_DIR`` or a given folder; without them a seeded, stratified split is drawn and the
run log says so, because a random split is not artist-disjoint and flatters the model.

A collection crosses machines: copied from a Mac, its names have their accents decomposed (NFD: ``E\u0301lectro``),
and split files written on Windows have a byte-order mark, CR LF line ends and backslashes.  A label is its folder's
name composed (NFC), as typed and as other programs search a tag for it, and a split file's line names the file it
names whatever the normalisation of either and whichever separator it uses.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from musictagger.audio.files import is_audio_file
from musictagger.errors import FileError, MusictaggerError

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Track:
    """One labelled file of the collection."""

    path: Path
    relative: str
    label: int


@dataclass(frozen=True)
class Collection:
    """Labels and the tracks of each split."""

    root: Path
    labels: tuple[str, ...]
    splits: dict[str, tuple[Track, ...]]
    split_source: str
    drawn: bool = False
    """True when no split files were given and the split was drawn at random (see :meth:`notes`)."""
    without_audio: tuple[str, ...] = ()
    """The folders of ``root`` that hold no audio file, so are no genre (a genre whose copy failed, a ``docs``)."""

    def notes(self, *, by_split: bool = True) -> list[str]:
        """What a command that scores a model on this collection must say first: that its split was drawn (a random
        split keeps no artist to one side, so its figures flatter the model), and which folders are no genre for
        want of audio (a genre left out of every figure, and of macro-F1's mean, without a word).  ``by_split`` false:
        the command's figures are of every track, whatever its split (``verify_backbone``), so a drawn one is not
        said."""
        notes = []
        if self.drawn and by_split:
            notes.append(
                f"note: {self.root} has no train.txt, valid.txt and test.txt: the figures are of a "
                f"{self.split_source}, which flatters the model (an artist's tracks on both sides)"
            )
        if self.without_audio:
            folders = ", ".join(self.without_audio)
            holds = "holds" if len(self.without_audio) == 1 else "hold"
            notes.append(f"note: {folders} {holds} no audio files, so no genre of the collection: left out")
        return notes

    def all_tracks(self) -> tuple[Track, ...]:
        """Every track of every split."""
        return tuple(track for split in SPLITS for track in self.splits[split])

    def tracks(self, split: str) -> tuple[Track, ...]:
        if split not in self.splits:
            raise MusictaggerError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        return self.splits[split]

    def model_label_indices(self, model_labels: Sequence[str]) -> np.ndarray:
        """The index in ``model_labels`` (a model's genres) of each of the collection's genres, which may be some of
        them: a folder named as a model's genre, or as one but for case (:func:`label_named`).  The one rule of every
        command that measures a model on a collection (``evaluate``, ``verdict``): ``verdict`` compared names exactly,
        so each ``Rock`` track was counted a wrong answer.

        Raises
        ------
        MusictaggerError
            A genre of the collection is none of the model's (its figures would count every answer wrong).
        """
        model_label = {genre: label_named(genre, model_labels) for genre in self.labels}
        missing = [genre for genre, label in model_label.items() if label is None]
        if missing:
            raise MusictaggerError(
                f"the collection's genres {', '.join(missing)} are not among the model's ({', '.join(model_labels)}): "
                "a model is measured on its own genres; name the folders as the model does, or train a model of "
                "these (`musictagger train DATA_DIR`, then `musictagger export`)"
            )
        return np.array([list(model_labels).index(model_label[genre]) for genre in self.labels])


def label_named(name: str, labels: Sequence[str]) -> str | None:
    """The label of ``labels`` that ``name`` names: itself, else the one it equals but for case (a collector's ``Rock``
    folder is a model's ``rock``; a dev set's ``rock`` is the ``Rock`` of a model trained on such folders); None when
    it names none of them."""
    if name in labels:
        return name
    return next((label for label in labels if label.casefold() == name.casefold()), None)


def _read_split_file(path: Path) -> list[str]:
    """The relative paths a split file lists, one a line, in UTF-8 after a byte-order mark where it has one
    (Notepad's: it was read as the first path's first character, and that file was not in a genre folder)."""
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def _composed(name: str) -> str:
    """``name`` in NFC: a Mac's copy decomposes accents (``E\u0301lectro``), a keyboard composes them."""
    return unicodedata.normalize("NFC", name)


def _spelling(relative: str) -> str:
    """A relative path as a split file's line and a file are matched: composed (:func:`_composed`), and with ``/``
    where a split file written on Windows has ``\\`` (``rock\\01.wav``)."""
    return _composed(relative.replace("\\", "/"))


def _line_path(line: str, root: Path) -> str:
    """A split file's line as a path relative to ``root``: ``./rock/01.wav``, as ``find .`` lists it, and
    ``/data/coll/rock/01.wav``, absolute inside ``root``, name ``rock/01.wav`` (both were 'not in a genre folder'),
    as does an absolute path through ``root``'s real folder where ``root`` is reached by a link (a script's
    ``Path.resolve()``: ``/nfs/u/coll/rock/01.wav`` for ``~/coll``)."""
    path = line.replace("\\", "/")
    if posixpath.isabs(path):
        for base in (os.path.abspath(root), os.path.realpath(root)):
            inside = os.path.relpath(path, base)
            if not inside.startswith(".."):
                return posixpath.normpath(inside)
    return posixpath.normpath(path)


def _random_split(relatives: list[str], labels: list[int], *, seed: int, fractions: tuple[float, float]) -> dict:
    rng = np.random.default_rng(seed)
    splits: dict[str, list[str]] = {name: [] for name in SPLITS}
    for label in sorted(set(labels)):
        members = [r for r, lab in zip(relatives, labels, strict=True) if lab == label]
        rng.shuffle(members)
        n_valid, n_test = (round(len(members) * f) for f in fractions)
        splits["valid"] += members[:n_valid]
        splits["test"] += members[n_valid : n_valid + n_test]
        splits["train"] += members[n_valid + n_test :]
    return splits


def _refuse_listed_twice(splits: dict[str, tuple[Track, ...]], split_files: dict[str, Path]) -> None:
    """Raise if a file is in two splits (a test track the model trained on flatters every figure) or twice in one
    (it would count twice)."""
    where: dict[str, str] = {}
    for name, tracks in splits.items():
        for track in tracks:
            if track.relative in where:
                first, again = split_files[where[track.relative]], split_files[name]
                places = f"twice in {again}" if first == again else f"in both {first} and {again}"
                raise MusictaggerError(f"{track.relative} is listed {places}: a track belongs to one split, once")
            where[track.relative] = name


def _unreadable(error: OSError) -> NoReturn:
    """Raise for a folder of the collection that cannot be read: its tracks left out without a word would change the
    split (a drawn one), or be 'no such file' to a split file listing them."""
    raise FileError(error.filename, f"the folder cannot be read ({error.strerror or error})")


def _audio_files(genre_dir: Path) -> list[Path]:
    """The audio files under ``genre_dir``, its sub-folders' too (an album's: ``rock/Album/01.flac``, which were left
    out), in path order; hidden names (macOS ``._`` files) skipped, a folder that cannot be read an error
    (:func:`_unreadable`). Linked folders are followed (a collection of links to a library's albums), each folder
    once: the first met in name order, a loop walked no further."""
    found = []
    walked: set[tuple[int, int]] = set()
    for folder, folders, names in os.walk(genre_dir, onerror=_unreadable, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in walked:
            folders[:] = []
            continue
        walked.add((info.st_dev, info.st_ino))
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found += [
            Path(folder, name) for name in names if not name.startswith(".") and is_audio_file(Path(folder, name))
        ]
    return sorted(found)


def _why_not_a_track(path: Path) -> str:
    """Why a split file's line naming ``path`` names no track: a typo (no such file), a file that is not audio, or
    one outside the genre folders (all were 'not in a genre folder')."""
    if not path.exists():
        return "no such file"
    if not is_audio_file(path):
        return "not an audio file"
    return "not in a genre folder (DATA_DIR/<genre>/…), or hidden"


def load_collection(
    root: str | Path, *, split_dir: str | Path | None = None, seed: int = 0, fractions: tuple[float, float] = (0.2, 0.2)
) -> Collection:
    """Discover ``root``'s genres and files and assign them to splits.

    Raises
    ------
    MusictaggerError
        Fewer than two genre folders; one or two of the three split files (not all, not none; all, in a
        ``split_dir`` given); or a split file
        names a file that does not exist or is not in a genre folder, or one another split (or itself) lists too.
    FileError
        A genre folder, or a folder under it, cannot be read.
    """
    root = Path(root)
    if not root.is_dir():
        raise MusictaggerError(f"{root}: no such folder")
    under = {d: _audio_files(d) for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")}
    genre_dirs = [d for d, files in under.items() if files]
    without_audio = tuple(d.name for d, files in under.items() if not files)
    labels = tuple(sorted({_composed(d.name) for d in genre_dirs}))  # two folders spelt apart are one genre
    if len(labels) < 2:
        raise MusictaggerError(f"{root}: need at least two genre folders with audio files, found {len(labels)}")
    label_of = {name: i for i, name in enumerate(labels)}
    all_files = {f.relative_to(root).as_posix(): label_of[_composed(d.name)] for d in genre_dirs for f in under[d]}

    split_folder = Path(split_dir) if split_dir else root
    split_files = {name: split_folder / f"{name}.txt" for name in SPLITS}
    found = [p.name for p in split_files.values() if p.is_file()]
    if len(found) == len(SPLITS):
        relatives = {name: _read_split_file(p) for name, p in split_files.items()}
        source = f"split files in {split_folder}"
    elif found or split_dir:  # a split file misnamed or not copied, a split folder mistyped: a drawn split would
        # silently replace the user's
        missing = [p.name for p in split_files.values() if not p.is_file()]
        if found:
            raise MusictaggerError(
                f"{split_folder}: has {' and '.join(found)} but not {' or '.join(missing)}: give all three split "
                "files, or none for a drawn split"
            )
        held = "holds none of" if split_folder.is_dir() else "no such folder, to hold"
        raise MusictaggerError(f"{split_folder}: {held} the split files {', '.join(missing)}")
    else:
        relatives = _random_split(list(all_files), list(all_files.values()), seed=seed, fractions=fractions)
        source = f"random stratified split (seed {seed}; not artist-disjoint)"

    by_spelling = {_spelling(r): r for r in all_files}
    splits: dict[str, tuple[Track, ...]] = {}
    for name, members in relatives.items():
        files = [r if r in all_files else by_spelling.get(_spelling(_line_path(r, root))) for r in members]
        unknown = [r for r, file in zip(members, files, strict=True) if file is None]
        if unknown:
            which = f"{len(unknown)} files that are not tracks of the collection, the first " if unknown[1:] else ""
            why = _why_not_a_track(root / _line_path(unknown[0], root))
            raise MusictaggerError(f"{split_files[name]}: lists {which}{unknown[0]}: {why}")
        splits[name] = tuple(Track(root / r, r, all_files[r]) for r in files if r is not None)
    _refuse_listed_twice(splits, split_files)
    return Collection(
        root=root, labels=labels, splits=splits, split_source=source, drawn=not found, without_audio=without_audio
    )

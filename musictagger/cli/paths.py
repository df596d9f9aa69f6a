"""The audio files a command is given: files as named or listed (``--files-from``), folders searched for audio (one
walk, the library's)."""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO

from musictagger.audio import not_audio
from musictagger.errors import FileError
from musictagger.library.scan import BROKEN_LINK, ScanResult, scan, unreachable_because

NO_AUDIO = "no audio files in this folder"
STANDARD_INPUT = "-"
"""The list ``--files-from -`` reads: standard input."""


def listed_files(source: Path) -> list[Path]:
    """The files (or folders) listed in the file ``source``, or on standard input for ``-``: one a line, or
    separated by NUL characters where the list holds one (``find … -print0``), which a name cannot hold; empty
    entries left out.  A name is taken as its bytes, as a file named on the command line is: one that is not UTF-8
    names its file still.

    A script hands thousands of files to one command so (``find ~/Music -newer stamp | musictagger analyze
    --files-from -``), rather than through ``xargs``, which starts the command again for each 128 KiB of names.

    A list written on another system is read as it was meant (:class:`_AsMeant`): on Windows in UTF-16
    (PowerShell's ``>``) or UTF-8 after a byte-order mark (Notepad's), its lines ended by CR LF, its folders
    separated by backslashes; and its names' accents composed where a Mac's copy of the files decomposed them, or
    the reverse.  The mark was taken for the first name's first character, and that file, shown by the same name,
    was not found."""
    try:
        if str(source) == STANDARD_INPUT:
            data = _list_read(sys.stdin.buffer, source)
        else:
            with open(source, "rb") as listing:
                data = _list_read(listing, source)
    except OSError as exc:
        raise FileError(source, f"the list of files cannot be read ({exc.strerror})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = os.fsencode(data.decode("utf-16", errors="replace"))
    data = data.removeprefix(codecs.BOM_UTF8)
    entries = data.split(b"\0") if b"\0" in data else data.splitlines()
    as_meant = _AsMeant()
    return [as_meant(Path(os.fsdecode(entry))) for entry in entries if entry]


def _list_read(stream: BinaryIO, source: Path) -> bytes:
    """All of ``stream``, the list of files named ``source``; FileError, after its first bytes alone, when it is a
    recording (a WAV split at its NULs named 47,381 "files"), which was read whole first: 2 GB of memory for
    ``--files-from`` a 3-hour WAV."""
    head = stream.read(not_audio.HEAD_BYTES)
    if not_audio.is_a_recording(head):
        raise FileError(source, "is an audio file, not a list of files: name it without --files-from")
    return head + stream.read()


class _AsMeant:
    """The file or folder a listed path that names nothing here names as another system wrote it: its backslashes
    as slashes (``Album\\01.flac``), and each name as this folder spells it, where exactly one of its names is the
    same in NFC (``Cafe\u0301.flac`` copied from a Mac, listed as ``Caf\u00e9.flac``).  A path that names something
    is taken as it is (on Linux a backslash is a character of a name), and one that names nothing either way too,
    to be reported as listed.  Each folder is listed once, however many of its files the list names."""

    def __init__(self) -> None:
        self._names: dict[Path, dict[str, list[str]]] = {}

    def __call__(self, path: Path) -> Path:
        if os.path.lexists(path):
            return path
        meant = Path()
        for part in Path(str(path).replace("\\", "/")).parts:
            if not os.path.lexists(meant / part):
                spelt = self._names_in(meant).get(unicodedata.normalize("NFC", part), [])
                if len(spelt) != 1:
                    return path
                part = spelt[0]
            meant /= part
        return meant

    def _names_in(self, folder: Path) -> dict[str, list[str]]:
        """The names in ``folder`` by their NFC spelling (none where it cannot be read)."""
        if folder not in self._names:
            names: dict[str, list[str]] = defaultdict(list)
            try:
                for name in os.listdir(folder):
                    names[unicodedata.normalize("NFC", name)].append(name)
            except OSError:
                pass  # not a folder, or not one to read: the path is reported as listed
            self._names[folder] = names
        return self._names[folder]


def expand_folders(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to analyse, each folder replaced by its audio files; and what could not be searched (path,
    reason), a folder without any audio file among it, a broken link named or found.

    Each physical file is listed once, as ``index`` lists it: a folder's file that an earlier folder reached
    already (through a link, or a folder given inside another) is left out.  Files named are listed as named.
    Each problem is reported once too, by the first path that met it: a broken link or an unreadable folder
    that two folders given reach (one through a link to the other) was reported by both paths.
    """
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    listed: set[tuple[int, int]] = set()
    reported: set[tuple[int, int] | str] = set()
    for path in paths:
        if os.path.isdir(path):  # False also where a folder above it cannot be read: the file then says why
            found = scan([path])
            new = [f for f in found.files if f.identity not in listed]
            listed.update(f.identity for f in new)
            files += [Path(f.path) for f in new]
            met = found.problems + folders_without_audio([path], found)
        elif unreachable_because(path) == BROKEN_LINK:  # as a folder's is, not "no such file" from the decoder
            met = [(str(path), BROKEN_LINK)]
        else:
            files.append(path)
            continue
        for problem in met:
            if (key := _itself(problem[0])) not in reported:
                reported.add(key)
                problems.append(problem)
    return files, problems


def _itself(path: str) -> tuple[int, int] | str:
    """Which file or folder ``path`` is, a link itself and not what it points to (device, inode); its absolute
    path where it cannot be looked at."""
    try:
        info = os.lstat(path)
    except OSError:
        return os.path.abspath(path)
    return (info.st_dev, info.st_ino)


def folders_without_audio(roots: list[Path], found: ScanResult) -> list[tuple[str, str]]:
    """The folders among ``roots`` in which ``found`` (their scan) has no audio file and no problem either,
    each as a problem (path, :data:`NO_AUDIO`): a command given a folder with nothing in it says so."""
    seen = {Path(path) for path, _reason in found.problems}
    return [
        (str(root), NO_AUDIO)
        for root in roots
        if os.path.isdir(root)
        and not any(f.path.startswith(os.path.join(os.path.abspath(root), "")) for f in found.files)
        and not any(problem.is_relative_to(os.path.abspath(root)) for problem in seen)
    ]

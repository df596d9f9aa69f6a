"""The audio files a command is given: files as named, folders searched for audio (one walk, the library's)."""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.library.scan import BROKEN_LINK, ScanResult, scan, unreachable_because

NO_AUDIO = "no audio files in this folder"


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

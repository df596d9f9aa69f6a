"""The audio files a command is given: files as named, folders searched for audio (one walk, the library's)."""

from __future__ import annotations

import os
from pathlib import Path

from musictagger.library.scan import ScanResult, scan

NO_AUDIO = "no audio files in this folder"


def expand_folders(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to analyse, each folder replaced by its audio files; and what could not be searched (path,
    reason), a folder without any audio file among it."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if os.path.isdir(path):  # False also where a folder above it cannot be read: the file then says why
            found = scan([path])
            files += [Path(f.path) for f in found.files]
            problems += found.problems + folders_without_audio([path], found)
        else:
            files.append(path)
    return files, problems


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

"""Finding the audio files under the user's music folders.

Real music folders have symlink loops, folders we may not read, broken links, files that
vanish while we look, and macOS ``._`` sidecar files with audio extensions.  The walk
follows symlinked folders once (loops are cut by remembering each folder's device and
inode), lists each physical file once, skips hidden names, and reports every folder it
could not read instead of failing: files under an unreadable folder are neither indexed
nor pruned.  What a symbolic link reaches is walked after everything the roots reach
without one, so a file met both ways keeps its own path, not the link's: a link
``Music/Linked Classical`` to ``Music/Classical`` does not move the tracks under its name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from musictagger.audio.files import AUDIO_EXTENSIONS
from musictagger.library.store import FileStamp
from musictagger.presence import as_listed

BROKEN_LINK = "broken link"
"""What a symbolic link whose target does not exist is called, wherever it is met (named or found)."""


@dataclass(frozen=True)
class FoundFile:
    """An audio file found: its path, size and mtime, and which physical file it is (device, inode)."""

    path: str
    stamp: FileStamp
    identity: tuple[int, int]


@dataclass
class ScanResult:
    """Audio files found, in path order, and what could not be looked at (path, reason)."""

    files: list[FoundFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    unreadable_dirs: list[str] = field(default_factory=list)


def scan(roots: list[Path]) -> ScanResult:
    """Walk ``roots`` (folders, or single audio files) and list their audio files."""
    result = ScanResult()
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    links: list[tuple[str, bool]] = []
    for root in roots:
        root_path = os.path.abspath(root)
        if os.path.isdir(root_path):
            links += _walk([root_path], result, seen_dirs, seen_files, defer_links=True)
        elif os.path.isfile(root_path):
            _add_file(as_listed(root_path), result, seen_files)  # as a folder's walk would name it
        else:
            result.problems.append((root_path, unreachable_because(root_path) or "not a file or folder"))
    _walk([path for path, is_dir in links if is_dir], result, seen_dirs, seen_files, defer_links=False)
    for path, is_dir in links:
        if not is_dir:
            _add_file(path, result, seen_files)
    result.files.sort(key=lambda found: found.path)
    return result


def unreachable_because(path: str | Path) -> str | None:
    """Why ``path`` cannot be reached (it does not exist, is a broken link, or a folder above it cannot be
    read), or None."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return BROKEN_LINK if os.path.islink(path) else "no such file or folder"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def _walk(
    tops: list[str],
    result: ScanResult,
    seen_dirs: set[tuple[int, int]],
    seen_files: set[tuple[int, int]],
    *,
    defer_links: bool,
) -> list[tuple[str, bool]]:
    """Walk the folders ``tops`` and add their audio files; with ``defer_links``, the symbolic links met to folders
    and audio files are not followed but returned (each path, and whether it is a folder's), to be walked once
    everything else has been."""
    links: list[tuple[str, bool]] = []
    pending = list(tops)
    while pending:
        folder = pending.pop()
        try:
            info = os.stat(folder)
        except OSError as exc:
            result.problems.append((folder, f"cannot open folder: {exc.strerror}"))
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen_dirs:
            continue  # a symlink loop, or a folder reached twice through links
        seen_dirs.add(identity)
        try:
            with os.scandir(folder) as entries:
                children = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            result.problems.append((folder, f"cannot read folder: {exc.strerror}"))
            result.unreadable_dirs.append(folder)
            continue
        for entry in children:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            audio = not is_dir and os.path.splitext(entry.name)[1].lower() in AUDIO_EXTENSIONS
            if defer_links and (is_dir or audio) and entry.is_symlink():
                links.append((entry.path, is_dir))
            elif is_dir:
                pending.append(entry.path)
            elif audio:
                _add_file(entry.path, result, seen_files)
    return links


def _add_file(path: str, result: ScanResult, seen_files: set[tuple[int, int]]) -> None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            result.problems.append((path, BROKEN_LINK))
        return  # vanished while we looked: nothing to index
    except OSError as exc:
        result.problems.append((path, f"cannot stat: {exc.strerror}"))
        return
    identity = (info.st_dev, info.st_ino)
    if identity in seen_files:
        return  # the same physical file through another link
    seen_files.add(identity)
    result.files.append(FoundFile(path, FileStamp(info.st_size, info.st_mtime_ns), identity))

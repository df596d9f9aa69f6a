"""The one writer of the playlists musictagger saves: the window's selections and matches, ``similar --m3u``.

An extended M3U8 file, as players read it (VLC, mpv, foobar2000, Rhythmbox's totem-pl-parser, Winamp): UTF-8 without
a byte-order mark (which some players take for part of the first line), ``#EXTM3U`` first, then for each track an
``#EXTINF:seconds,Artist - Title`` line (``-1`` seconds when the length is not known; the title alone, or the file's
name without its extension, where the tags give no more) and its path.  A track inside the playlist's folder is named
relative to it, so the folder can move (a USB stick, another machine) with its playlist; any other by its absolute
path, which every one of those players reads, where ``../`` paths are read by some and not others.  A name no plain
line can hold (a line break in it, or spaces at an end, which players strip) is written as a ``file://`` URL, which
they all read too, and a relative name starting with ``#`` (a comment to a player) as ``./#…``.  A file name that is
not UTF-8 keeps its own bytes (Python's ``surrogateescape``), so the player opens the same file.

It is written whole (:mod:`musictagger.atomic_write`): into a new file beside the playlist, then renamed over it, so a
failure (a read-only folder, a full disk) or a stop leaves the old playlist, or none, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from musictagger.atomic_write import replacing
from musictagger.disk import disk_trouble, name_trouble
from musictagger.errors import FileError
from musictagger.library.store import TrackRecord

SUFFIX = ".m3u8"
SUFFIXES = (".m3u8", ".m3u")
"""What a playlist's name ends with; another name gets :data:`SUFFIX` added."""
ENCODING = "utf-8"
UNKNOWN_SECONDS = -1
"""The length ``#EXTINF`` gives a track whose length is not known, as the format has it."""
LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


@dataclass(frozen=True)
class PlaylistEntry:
    """One track of a playlist: its file, and what the index knows of it."""

    path: str
    """Absolute, as the index keeps it."""
    duration_s: float | None = None
    artist: str | None = None
    title: str | None = None

    @classmethod
    def of(cls, record: TrackRecord) -> PlaylistEntry:
        """A track of the index (a search's match), with its length and tags as the index has them."""
        analysis = record.analysis
        if analysis is None:
            return cls(record.path)
        return cls(record.path, analysis.duration_s, analysis.artist, analysis.title)

    def extinf(self) -> str:
        """The entry's ``#EXTINF`` line: its length in whole seconds and ``Artist - Title``, each on one line."""
        seconds = UNKNOWN_SECONDS if self.duration_s is None else round(self.duration_s)
        title = self.title or os.path.splitext(os.path.basename(self.path))[0]
        name = f"{self.artist} - {title}" if self.artist and self.title else title
        return f"#EXTINF:{seconds},{name.translate(LINE_BREAKS).strip()}"


def playlist_path(path: Path) -> Path:
    """``path`` ending as a playlist does: ``dj set`` becomes ``dj set.m3u8``; ``set.m3u`` stays as it is."""
    return path if path.suffix.lower() in SUFFIXES else path.with_name(path.name + SUFFIX)


def playlist_text(entries: Iterable[PlaylistEntry], folder: Path) -> str:
    """The playlist of ``entries``, in their order, as saved in ``folder`` (an absolute path)."""
    inside = os.path.join(folder, "")  # the folder and a separator: what the path of a track inside begins with
    lines = ["#EXTM3U"]
    for entry in entries:
        lines += [entry.extinf(), entry_location(entry.path, inside)]
    return "\n".join(lines) + "\n"


def entry_location(path: str, inside: str) -> str:
    """How a playlist in the folder ``inside`` (ending with a separator) names the track at ``path`` (absolute and
    normal, as the index keeps it): relative inside the folder, else absolute; a URL where a plain line cannot hold
    the name (see the module's docstring).  Compared as text: 100,000 paths through pathlib took 2.4 s of a 4.2-s
    playlist."""
    if path.startswith(inside):
        location = path[len(inside) :]
        location = f".{os.sep}{location}" if location.startswith("#") else location
    else:
        location = path
    return Path(path).as_uri() if location != location.strip().translate(LINE_BREAKS) else location


def write_playlist(path: Path, entries: Iterable[PlaylistEntry]) -> Path:
    """Save ``entries`` as the playlist ``path`` (:func:`playlist_path` of it), atomically; the path written.

    FileError, saying why, when it cannot be written: nothing is left of the attempt, and a playlist that was there
    is kept whole; so too when the save is stopped (Ctrl-C, SIGTERM).  A playlist replaced keeps its permissions; a new one gets the user's usual ones (the umask's).
    A folder is refused: ``--m3u ~/Sets/`` saved ``~/Sets.m3u8``, beside the folder meant.
    """
    if os.path.isdir(path):
        raise FileError(path, f"is a folder: name the playlist in it, e.g. {Path(path) / ('playlist' + SUFFIX)}")
    path = playlist_path(Path(os.path.abspath(path)))
    text = playlist_text(entries, path.parent)
    try:
        with (
            replacing(path) as temporary,
            open(temporary, "w", encoding=ENCODING, errors="surrogateescape", newline="\n") as file,
        ):
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    return path


def _cannot_write(path: Path, error: OSError) -> FileError:
    """The error of a playlist that could not be written: why, in words (its folder read-only, the disk full, its name
    one the drive refuses: on a USB stick, `Set: Friday?` was said to be in a folder that does not exist)."""
    if refused := name_trouble(path, error):
        why = refused
    elif isinstance(error, FileNotFoundError):
        why = "its folder does not exist"
    elif isinstance(error, PermissionError):
        why = "you may not write into its folder (permission denied)"
    else:
        why = disk_trouble(path.parent) or f"it cannot be written ({error.strerror or error})"
    return FileError(path, f"the playlist cannot be saved: {why}")

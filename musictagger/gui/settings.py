"""The window's persistent settings: an INI file in the platform config dir, through QSettings.

Typed properties keep the keys and their defaults in one place; every widget reads and
writes settings through :class:`Settings`, never through ``QSettings`` directly.  QSettings fails silently (its
``status()`` alone says so): :meth:`Settings.why_unsaved` tells the window when the file cannot be saved.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from musictagger import userdirs
from musictagger.disk import disk_trouble
from musictagger.errors import FileError
from musictagger.model.windows_choice import choose_windows, chosen_windows
from musictagger.tagging.plan import DEFAULT_MIN_CONFIDENCE, ID3_CHOICES, KEEP_ID3

THEMES = ("system", "light", "dark")
MAX_RECENT = 10
DEFAULT_LIVE_INTERVAL_S = 1.0
OLD_WINDOWS_KEY = "analysis/windows"


def settings_path() -> Path:
    """Where the settings live: ``<config dir>/gui.ini``."""
    return userdirs.config_dir() / "gui.ini"


def stored_path(path: Path) -> str | QByteArray:
    """``path`` as the settings file keeps it: its text, or its bytes for a name that is not UTF-8.  Python holds such
    a name's bytes as lone surrogates, which QSettings drops: ``café.flac`` named in Latin-1 came back as
    ``caf.flac``, and Open recent offered a file no one has."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return QByteArray(os.fsencode(path))
    return text


def read_path(value: object) -> Path:
    """A path :func:`stored_path` kept."""
    if isinstance(value, QByteArray | bytes):
        return Path(os.fsdecode(bytes(value)))
    return Path(str(value))


class Settings:
    """Tagging threshold and ID3 revision, windows per track, theme, recent files, live input and interval, window layout.

    The library folders are not here: the library index keeps them (its ``roots`` table), so
    the CLI and the window share one list.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._unmoved_windows: int | None = None
        """A count this file held that the shared setting could not take (its disk read-only or full)."""
        self._move_windows_to_the_shared_setting()

    @property
    def threshold(self) -> float:
        """Lowest confidence at which a genre is written by the tagger."""
        return float(self._qs.value("tagging/threshold", DEFAULT_MIN_CONFIDENCE))

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._qs.setValue("tagging/threshold", float(value))

    @property
    def id3(self) -> str:
        """The ID3v2 revision the tagger writes, as ``tag --id3`` takes it (:data:`~musictagger.tagging.plan.
        ID3_CHOICES`; a value no release offers reads as the default, keep)."""
        value = str(self._qs.value("tagging/id3", KEEP_ID3))
        return value if value in ID3_CHOICES else KEEP_ID3

    @id3.setter
    def id3(self, value: str) -> None:
        self._qs.setValue("tagging/id3", value)

    @property
    def windows_per_track(self) -> int | None:
        """Analysis windows per track; None means the model's own default.  The command line's setting too
        (:mod:`~musictagger.model.windows_choice`), not this file's."""
        return chosen_windows() or self._unmoved_windows

    @windows_per_track.setter
    def windows_per_track(self, value: int | None) -> None:
        choose_windows(value)

    def _move_windows_to_the_shared_setting(self) -> None:
        """Windows per track were this file's ``analysis/windows`` until the command line shared them: a count chosen
        then becomes the shared setting (unless one is already there), and leaves this file.  Where the shared
        setting cannot be written, the count stays here and is used meanwhile: the window started no more (the
        FileError left this constructor), and :meth:`why_unsaved` says why."""
        if not self._qs.contains(OLD_WINDOWS_KEY):
            return
        windows = int(self._qs.value(OLD_WINDOWS_KEY, 0) or 0)
        if windows and chosen_windows() is None:
            try:
                choose_windows(windows)
            except FileError:
                self._unmoved_windows = windows
                return
        self._qs.remove(OLD_WINDOWS_KEY)

    @property
    def theme(self) -> str:
        """``system`` (follow the desktop's light/dark scheme), ``light`` or ``dark``."""
        value = str(self._qs.value("appearance/theme", "system"))
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._qs.setValue("appearance/theme", value)

    @property
    def recent_files(self) -> list[Path]:
        """Files opened lately, most recent first, as the settings file holds them now: another window (another
        process) may have opened some since this one read it, and :meth:`add_recent` must not write them away."""
        self._qs.sync()
        value = self._qs.value("files/recent", [])
        if isinstance(value, str):  # QSettings returns a one-item list of text as a bare string
            value = [value] if value else []
        return [read_path(item) for item in value or []]

    def add_recent(self, paths: list[Path]) -> None:
        """Put ``paths`` at the top of the recent files, keeping at most :data:`MAX_RECENT`.  Kept absolute: a file
        named on the command line as ``song.flac`` was offered at the next start, from another folder, as a file
        that is not there."""
        opened = [path.absolute() for path in paths]
        recent = opened + [path for path in self.recent_files if path not in opened]
        self._qs.setValue("files/recent", [stored_path(path) for path in recent[:MAX_RECENT]])

    @property
    def playlist_folder(self) -> Path:
        """Where the last playlist was saved: the save dialog opens there (first, the user's Music folder)."""
        value = self._qs.value("playlists/folder")
        if value is None:
            music = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MusicLocation)
            return Path(music or Path.home())
        return read_path(value)

    @playlist_folder.setter
    def playlist_folder(self, folder: Path) -> None:
        self._qs.setValue("playlists/folder", stored_path(folder))

    @property
    def live_device(self) -> str:
        """Name of the input device the live panel listens to ("" until one is chosen)."""
        return str(self._qs.value("live/device", ""))

    @live_device.setter
    def live_device(self, value: str) -> None:
        self._qs.setValue("live/device", value)

    @property
    def live_interval(self) -> float:
        """Seconds between two live verdicts."""
        return float(self._qs.value("live/interval", DEFAULT_LIVE_INTERVAL_S))

    @live_interval.setter
    def live_interval(self, value: float) -> None:
        self._qs.setValue("live/interval", float(value))

    @property
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved main-window geometry and dock/toolbar state."""
        return self._qs.value("window/geometry"), self._qs.value("window/state")

    @window_state.setter
    def window_state(self, value: tuple[QByteArray, QByteArray]) -> None:
        self._qs.setValue("window/geometry", value[0])
        self._qs.setValue("window/state", value[1])

    @property
    def library_columns(self) -> QByteArray | None:
        """The Library tab's saved column order, widths, visibility and sort (None: never saved)."""
        return self._qs.value("library/columns")

    @library_columns.setter
    def library_columns(self, value: QByteArray) -> None:
        self._qs.setValue("library/columns", value)

    @property
    def matches_columns(self) -> QByteArray | None:
        """The Nearest matches' columns as the user chose them in its header's menu (None: never chosen)."""
        return self._qs.value("matches/columns")

    @matches_columns.setter
    def matches_columns(self, value: QByteArray) -> None:
        self._qs.setValue("matches/columns", value)

    @property
    def live_matches_columns(self) -> QByteArray | None:
        """The Live panel's matches' columns as the user chose them in its header's menu (None: never chosen)."""
        return self._qs.value("live/matches_columns")

    @live_matches_columns.setter
    def live_matches_columns(self, value: QByteArray) -> None:
        self._qs.setValue("live/matches_columns", value)

    def sync(self) -> None:
        """Write pending changes to disk now (:meth:`why_unsaved` says whether they were)."""
        self._qs.sync()

    def why_unsaved(self) -> str | None:
        """Why this file cannot be saved (``…/gui.ini cannot be saved: the disk holding it is full …``), or None when
        it can: the last write failed, or a few bytes cannot be written beside it (its disk full or read-only, no
        folder can be made for it).  A user whose config disk was full lost every change at the next start, unsaid."""
        failure = _cannot_write_beside(self.path)
        if failure is None and self._qs.status() != QSettings.Status.NoError:
            failure = "the last change could not be written"
        return None if failure is None else f"{self.path} cannot be saved: {disk_trouble(self.path.parent) or failure}"


def _cannot_write_beside(path: Path) -> str | None:
    """Why a few bytes cannot be written to a file beside ``path`` (its folder made if need be), or None when they
    can: the file is removed again.  Writing is the one sure test (a full disk takes an empty file)."""
    probe = path.with_name(f".{path.name}.probe")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"musictagger checks that its settings can be saved\n")
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
    return None

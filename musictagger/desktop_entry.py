"""``musictagger-gui --install-desktop-entry`` / ``--remove-desktop-entry``: the window in the desktop's menu.

An install from the wheel (pipx, or pip into a venv) has no source tree to copy the desktop entry from, and
an entry naming ``musictagger-gui`` alone is hidden from the menu without a word wherever that program is not
on the desktop session's PATH (a venv's ``bin``; pipx's ``~/.local/bin`` until the next login).  So the wheel
carries the entry, its icons and its AppStream metainfo (``setup.py``), and this puts them in the user's XDG
data folder (``~/.local/share``) with the entry naming the running program by its absolute path, or takes them
away again.  Linux and other freedesktop.org desktops only.  The bundle's ``install.sh`` does the same in
shell, for a bundle that has no Python to run this.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from platformdirs import user_data_path

from musictagger.atomic_write import replacing
from musictagger.gui.icon import APP_ID
from musictagger.interrupts import output_errors
from musictagger.shipped import shipped_folder
from musictagger.userdirs import cache_dir, config_dir, data_dir

PROGRAM = "musictagger-gui"
EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
"""Characters that make an argument of a desktop entry's Exec key need double quotes (Desktop Entry spec)."""


def desktop_files() -> list[tuple[Path, Path]]:
    """(shipped file, where it goes under the XDG data folder) for the entry, the metainfo and every icon."""
    resources = shipped_folder("resources")
    icons = sorted((resources / "icons").glob(f"hicolor/*/apps/{APP_ID}.*"))
    return [
        (resources / f"{APP_ID}.desktop", Path("applications") / f"{APP_ID}.desktop"),
        (resources / f"{APP_ID}.metainfo.xml", Path("metainfo") / f"{APP_ID}.metainfo.xml"),
        *((icon, icon.relative_to(resources)) for icon in icons),
    ]


def program_path() -> Path:
    """The ``musictagger-gui`` being run, by its absolute path; links not followed, so pipx's link in
    ``~/.local/bin`` still names the program after pipx upgrades the venv it points into."""
    started = Path(os.path.abspath(sys.argv[0]))
    return started if started.name.startswith(PROGRAM) else Path(sys.executable).parent / PROGRAM


def exec_argument(path: str) -> str:
    """``path`` as an argument of an Exec key: in double quotes where it holds a reserved character (with a double
    quote, a backquote, ``$`` and a backslash escaped inside them), ``%`` doubled, and every backslash doubled once
    more for the key's string value."""
    if EXEC_RESERVED & set(path):
        path = '"' + re.sub(r'(["`$\\])', r"\\\1", path) + '"'
    return path.replace("%", "%%").replace("\\", "\\\\")


def entry_text(shipped: str, program: Path) -> str:
    """The shipped entry with its Exec and TryExec naming ``program`` instead of the bare program name."""
    lines = []
    for line in shipped.splitlines(keepends=True):
        if line.startswith(f"Exec={PROGRAM} "):
            line = f"Exec={exec_argument(str(program))} " + line.removeprefix(f"Exec={PROGRAM} ")
        elif line.rstrip("\n") == f"TryExec={PROGRAM}":
            line = "TryExec=" + str(program).replace("\\", "\\\\") + "\n"
        lines.append(line)
    return "".join(lines)


def install(data_home: Path, program: Path) -> list[Path]:
    """Write the entry (naming ``program``), the metainfo and the icons under ``data_home``; the files written.
    OSError when one cannot be, with those written before it removed again."""
    if not program.is_file():
        raise FileNotFoundError(2, f"no {PROGRAM} there to name in the desktop entry", str(program))
    written: list[Path] = []
    try:
        for source, relative in desktop_files():
            target = data_home / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with replacing(target) as temporary:  # stopped or failing, an entry or icon installed before is kept
                if relative.suffix == ".desktop":
                    temporary.write_text(entry_text(source.read_text(encoding="utf-8"), program), encoding="utf-8")
                else:
                    shutil.copyfile(source, temporary)
            written.append(target)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    refresh_caches(data_home)
    return written


def remove(data_home: Path) -> list[Path]:
    """Remove what :func:`install` wrote under ``data_home``; the files removed (none when it was not installed)."""
    removed = [data_home / relative for _, relative in desktop_files() if (data_home / relative).is_file()]
    for path in removed:
        path.unlink()
    refresh_caches(data_home)
    return removed


def refresh_caches(data_home: Path) -> None:
    """Let the menu and the icon theme see the change now, where the desktop's tools are installed (without
    them a desktop reads the folders at its next scan)."""
    commands = [
        ["update-desktop-database", "-q", str(data_home / "applications")],
        ["gtk-update-icon-cache", "-q", "-f", "-t", str(data_home / "icons" / "hicolor")],
    ]
    for command in commands:
        if shutil.which(command[0]) and Path(command[-1]).is_dir():
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def run(install_it: bool) -> int:
    """``--install-desktop-entry`` (``install_it``) or ``--remove-desktop-entry``: do it, say what was done and
    where; 1 with the reason when it cannot be done."""
    if sys.platform in ("win32", "darwin"):
        print(f"{PROGRAM}: error: a desktop entry is for Linux and other freedesktop.org desktops", file=sys.stderr)
        return 1
    data_home = user_data_path()
    entry = data_home / "applications" / f"{APP_ID}.desktop"
    try:
        if install_it:
            program = program_path()
            install(data_home, program)
        else:
            removed = remove(data_home)
    except OSError as exc:
        doing = "install" if install_it else "remove"
        print(f"{PROGRAM}: error: cannot {doing} the desktop entry: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    # Said once it is done, out of the reach of the handler above: a full disk under the output (`> log.txt`) was
    # 'cannot install the desktop entry: None: No space left on device' of an entry installed.
    with output_errors():
        if install_it:
            print(f"installed {entry}, which runs {program}, and its icons and metainfo under {data_home}")
            print(f"`{PROGRAM} --remove-desktop-entry` removes them")
        else:
            print(f"removed {entry} and its icons and metainfo" if removed else f"no desktop entry to remove ({entry})")
            print(
                f"your library, tagging journal and settings stay in {data_dir()} and {config_dir()}, the log in "
                f"{cache_dir()}"
            )
        if sys.stdout is not None:
            sys.stdout.flush()
    return 0

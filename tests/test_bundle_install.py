"""The bundle's install.sh and uninstall.sh, run from a folder laid out as the tarball is (packaging/build_bundle.sh),
into a prefix whose path holds a space (a home folder's), with a stand-in program where the bundle's would be: the
entry they write is started by GLib's own launcher (``gio launch``), as GNOME and other desktops start it.

``make bundle-smoke`` runs them on the real bundle; this needs no bundle (minutes to build), so it runs with the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from musictagger.gui.icon import APP_ID

ROOT = Path(__file__).resolve().parents[1]
STAND_IN = '#!/bin/sh\nprintf "ran with %s\\n" "$@"\n'


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (`make test` installs desktop-file-utils and libglib2.0-bin)")
    return path


def staged(folder: Path) -> Path:
    """``folder`` laid out as the tarball: the app folder (stand-in programs), the scripts and share/."""
    (folder / "musictagger").mkdir(parents=True)
    for program in ("musictagger", "musictagger-gui"):
        (folder / "musictagger" / program).write_text(STAND_IN)
        (folder / "musictagger" / program).chmod(0o755)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(ROOT / "packaging" / script, folder / script)
    for kind in ("applications", "metainfo"):
        (folder / "share" / kind).mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / f"{APP_ID}.desktop", folder / "share" / "applications")
    shutil.copy2(ROOT / "resources" / f"{APP_ID}.metainfo.xml", folder / "share" / "metainfo")
    shutil.copytree(ROOT / "resources" / "icons", folder / "share" / "icons")
    return folder


def test_the_entry_install_sh_writes_opens_files_with_the_program_under_a_prefix_with_a_space(tmp_path: Path) -> None:
    """Before, install.sh wrote ``Exec=/home/my music/.local/bin/musictagger-gui %F`` unquoted: GLib split the
    path at the space and would not load the entry (``gio launch``: 'Unable to load application information'),
    so the menu and "Open with" did not offer the app."""
    bundle = staged(tmp_path / "musictagger-0.5.0-linux-x86_64")
    prefix = tmp_path / "my music" / ".local"
    env = {**os.environ, "PREFIX": str(prefix), "PATH": "/usr/bin:/bin"}
    subprocess.run(["sh", str(bundle / "install.sh")], env=env, check=True, capture_output=True)
    entry = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    validated = subprocess.run([tool("desktop-file-validate"), str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout

    song = tmp_path / "a song.mp3"
    song.write_bytes(b"")
    launched = subprocess.run([tool("gio"), "launch", str(entry), str(song)], env=env, capture_output=True, text=True)
    assert launched.stdout == f"ran with {song}\n", launched.stderr

    done = subprocess.run(["sh", str(bundle / "uninstall.sh")], env=env, check=True, capture_output=True, text=True)
    assert not entry.exists() and not (prefix / "lib" / "musictagger").exists()
    assert "your library, tagging journal and settings stay in " in done.stdout

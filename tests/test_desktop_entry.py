"""musictagger-gui --install-desktop-entry and --remove-desktop-entry: the window in the desktop's menu for an install
from the wheel, which has no source tree to copy the entry from, and whose program is not on a desktop session's PATH.

The program's ``main`` runs as if started from a folder off the PATH, without a display, and the entry it writes is
launched by GLib's own launcher (``gio launch``), as GNOME and other desktops launch it, with a PATH without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import musictagger
from musictagger import desktop_entry
from musictagger.gui.app import main
from musictagger.gui.icon import APP_ID
from tests.stops import names_in, writes_failing_past

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
PROGRAM = Path(sys.executable).parent / "musictagger-gui"  # the installed program (pyproject's gui-scripts)
ENTRY = Path("applications") / f"{APP_ID}.desktop"


def run_program(program: Path, option: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """``program option``: the program's ``main``, as if started as ``program`` (the path the entry names)."""
    monkeypatch.setattr(sys, "argv", [str(program), option])
    for variable in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(variable, raising=False)
    return main([option])


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (`make test` installs desktop-file-utils and libglib2.0-bin)")
    return path


def shipped_files() -> dict[Path, bytes]:
    """Where each icon and the metainfo go under the XDG data folder, and their bytes."""
    icons = {
        path.relative_to(RESOURCES): path.read_bytes() for path in RESOURCES.glob(f"icons/hicolor/*/apps/{APP_ID}.*")
    }
    metainfo = {Path("metainfo") / f"{APP_ID}.metainfo.xml": (RESOURCES / f"{APP_ID}.metainfo.xml").read_bytes()}
    return {**icons, **metainfo}


def test_the_installed_entry_launches_the_program_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The option did not exist (a usage error, status 2): the README had wheel users copy the entry from a source
    tree they do not have, an entry naming ``musictagger-gui`` alone, which the menu hides where that is not on PATH."""
    folder = tmp_path / "my $bin"  # a space and a character the Exec key must escape
    folder.mkdir()
    program = folder / "musictagger-gui"
    program.symlink_to(PROGRAM)
    data_home = Path(os.environ["XDG_DATA_HOME"])

    assert run_program(program, "--install-desktop-entry", monkeypatch) == 0
    assert f"installed {data_home / ENTRY}, which runs {program}" in capsys.readouterr().out
    validated = subprocess.run([tool("desktop-file-validate"), str(data_home / ENTRY)], capture_output=True, text=True)
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout
    assert {relative: (data_home / relative).read_bytes() for relative in shipped_files()} == shipped_files()
    assert len(shipped_files()) == 8  # seven icon sizes and the metainfo

    asking_version = tmp_path / f"{APP_ID}.desktop"
    entry_text = (data_home / ENTRY).read_text(encoding="utf-8")
    asking_version.write_text(entry_text.replace(" %F\n", " --version\n"), encoding="utf-8")
    launched = subprocess.run(
        [tool("gio"), "launch", str(asking_version)],
        env={**os.environ, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert launched.stdout.startswith(f"musictagger {musictagger.__version__} ("), launched.stderr


def test_removing_the_entry_takes_away_what_installing_put_there_and_no_more(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_home = Path(os.environ["XDG_DATA_HOME"])
    other_entry = data_home / "applications" / "other.desktop"
    library = data_home / "musictagger" / "library.sqlite3"
    for kept in (other_entry, library):
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text("kept")
    assert run_program(PROGRAM, "--install-desktop-entry", monkeypatch) == 0

    assert run_program(PROGRAM, "--remove-desktop-entry", monkeypatch) == 0
    assert [relative for relative in (ENTRY, *shipped_files()) if (data_home / relative).exists()] == []
    assert other_entry.read_text() == library.read_text() == "kept"
    assert f"your library, tagging journal and settings stay in {library.parent} and " in capsys.readouterr().out


def test_an_install_whose_write_fails_part_way_keeps_the_entry_installed_before() -> None:
    """The entry was written straight into the menu's file, which a full disk (or a stop) left cut short: a menu
    entry without its Exec line, or none at all."""
    data_home = Path(os.environ["XDG_DATA_HOME"])
    desktop_entry.install(data_home, PROGRAM)
    applications = data_home / ENTRY.parent
    before, names = (data_home / ENTRY).read_bytes(), names_in(applications)
    with writes_failing_past(len(before) // 2), pytest.raises(OSError):
        desktop_entry.install(data_home, PROGRAM)
    assert (data_home / ENTRY).read_bytes() == before
    assert names_in(applications) == names


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a disk always full")
def test_an_install_whose_report_cannot_be_written_says_so_and_keeps_the_entry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--install-desktop-entry > log.txt`` on a full disk said 'cannot install the desktop entry: None: No space
    left on device' of an entry it had installed; now that its output cannot be written, as the parser says it."""
    with open("/dev/full", "w") as full:
        monkeypatch.setattr(sys, "stdout", full)
        status = run_program(PROGRAM, "--install-desktop-entry", monkeypatch)
    assert (status, capsys.readouterr().err) == (1, "error: the output cannot be written (No space left on device)\n")
    assert (Path(os.environ["XDG_DATA_HOME"]) / ENTRY).is_file()
